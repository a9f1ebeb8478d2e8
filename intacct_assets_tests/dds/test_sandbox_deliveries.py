"""DDS deliveries written by the sandbox, in every file format it offers, loaded end to end."""

import uuid

import pytest

from intacct_assets.catalog import load_catalog
from intacct_assets.dds.ingest import DdsIngest
from intacct_assets.dds.s3 import list_objects
from intacct_assets.dds.settings import DdsSettings
from intacct_assets.sandbox import Sandbox, SandboxSettings
from intacct_assets.warehouse.connection import run

FORMATS = {
    "intacct defaults (no header, comma, quote)": {},
    "headers, gzip, split": {"include_headers": True, "compress": True, "split_size": 40},
    "windows, semicolon, single quote, BOM": {
        "line_ending": "windows",
        "delimiter": ";",
        "enclosure": "'",
        "bom": True,
    },
    "mac, dot, bracket, deletes inline": {
        "line_ending": "mac",
        "delimiter": ".",
        "enclosure": "[",
        "deletes_inline": True,
    },
    "slash enclosure, headers": {"enclosure": "/", "include_headers": True},
}


@pytest.fixture
def sandbox(monkeypatch):
    # moto keeps one S3 state per process: a prefix per test keeps deliveries apart
    with Sandbox(SandboxSettings(seed=5, counts={"CUSTOMER": 120}, prefix=f"t-{uuid.uuid4().hex[:8]}/")) as sb:
        for name, value in sb.env.items():
            monkeypatch.setenv(name, value)
        yield sb


def load(sandbox, warehouse, object_name):
    s3 = sandbox.s3_client()
    settings = DdsSettings(bucket=sandbox.bucket, prefix=sandbox.prefix)
    ingest = DdsIngest(warehouse, s3, settings)
    obj = load_catalog().get(object_name)
    return ingest.ingest(obj, ingest.pending(obj, list_objects(s3, sandbox.bucket, sandbox.prefix)))


@pytest.mark.parametrize("file_format", FORMATS.values(), ids=FORMATS.keys())
def test_all_then_change_deliveries_match_the_sandbox(sandbox, warehouse, file_format):
    sandbox.deliver_dds(["CUSTOMER"], "all", **file_format)
    outcomes = load(sandbox, warehouse, "CUSTOMER")
    assert outcomes and {o.outcome for o in outcomes} == {"ingested"}, [(o.key, o.message) for o in outcomes]
    customers = sandbox.records("CUSTOMER")
    edited, removed = customers[0], customers[1]
    sandbox.update("CUSTOMER", edited["RECORDNO"], {"NAME": 'Renamed, "quoted"\nand multi-line'})
    sandbox.delete("CUSTOMER", removed["RECORDNO"])
    added = sandbox.create("CUSTOMER", {"CUSTOMERID": "C-NEW-1", "NAME": "Brand new"})
    sandbox.advance_clock(60)
    sandbox.deliver_dds(["CUSTOMER"], "change", **file_format)
    outcomes = load(sandbox, warehouse, "CUSTOMER")
    assert {o.outcome for o in outcomes} <= {"ingested", "unchanged"} and sum(o.rejected for o in outcomes) == 0
    with warehouse.connect() as connection:
        rows = {
            r[0]: r[1:]
            for r in run(connection, "SELECT RECORDNO, NAME, CUSTOMERID, _intacct_deleted FROM dds.customer")
        }
    live = {str(r["RECORDNO"]) for r in sandbox.records("CUSTOMER")}
    assert {key for key, row in rows.items() if not row[2]} == live
    assert rows[str(edited["RECORDNO"])][0] == 'Renamed, "quoted"\nand multi-line'
    assert rows[str(removed["RECORDNO"])][2] is True
    assert rows[str(added["RECORDNO"])][:2] == ("Brand new", "C-NEW-1")


def test_split_all_delivery_tombstones_records_deleted_between_snapshots(sandbox, warehouse):
    sandbox.deliver_dds(["CUSTOMER"], "all", split_size=50)
    load(sandbox, warehouse, "CUSTOMER")
    gone = sandbox.records("CUSTOMER")[5]["RECORDNO"]
    sandbox.delete("CUSTOMER", gone)
    sandbox.advance_clock(3600)
    sandbox.deliver_dds(["CUSTOMER"], "all", split_size=50)  # no change job: only the snapshot tells
    load(sandbox, warehouse, "CUSTOMER")
    with warehouse.connect() as connection:
        deleted = run(connection, "SELECT RECORDNO FROM dds.customer WHERE _intacct_deleted")
    assert deleted == [(str(gone),)]


def test_every_sandbox_object_loads(sandbox, warehouse):
    sandbox.deliver_dds(None, "all")
    catalog = load_catalog()
    for obj in catalog.dds_objects():
        outcomes = load(sandbox, warehouse, obj.name)
        assert outcomes and all(o.outcome in ("ingested", "unchanged") and o.rejected == 0 for o in outcomes), (
            obj.name,
            [(o.key, o.outcome, o.message, o.rejected) for o in outcomes],
        )
