"""One captured run becomes a fixture: a sandbox with no company of its own replays it, and the same assets
materialize from it into an identical warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from intacct_assets.defs.api_ingest.assets import API_ASSETS
from intacct_assets.defs.intacct_resource import IntacctResource
from intacct_assets.defs.resources import WarehouseResource
from intacct_assets.intacct import IntacctApiError, IntacctXmlError, Query
from intacct_assets.sandbox import Sandbox, SandboxSettings
from intacct_assets.warehouse.connection import Warehouse, run
from intacct_assets_tests.clients import FAST_RETRIES

ASSETS = {asset.key.path[-1]: asset for asset in API_ASSETS}
RECORDED = ("customer", "journal_entry", "journal_entry_line", "gl_detail", "item")  # REST, lines, XML query


@pytest.fixture
def replaying() -> Iterator:
    """``replaying(capture)``: a sandbox that answers from a capture, with no seeded company."""
    started: list[Sandbox] = []

    def start(capture: Path) -> Sandbox:
        started.append(Sandbox(SandboxSettings(replay=str(capture), start_s3=False)).start())
        return started[-1]

    yield start
    for sandbox in started:
        sandbox.stop()


def materialize(names: tuple[str, ...], path: Path, env: dict[str, str], monkeypatch) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    resources = {"intacct": IntacctResource(), "warehouse": WarehouseResource(database=str(path))}
    with dg.instance_for_test() as instance:
        result = dg.materialize([ASSETS[name] for name in names], instance=instance, resources=resources)
    assert result.success


def api_tables(path: Path) -> dict[str, list[tuple]]:
    """Every api.* table's rows, sorted, without the time each row was written."""
    with Warehouse(str(path)).connect() as connection:
        tables = [
            t
            for (t,) in run(
                connection, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'api' ORDER BY 1"
            )
        ]
        contents = {}
        for table in tables:
            named = run(
                connection,
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'api' "
                "AND table_name = ? ORDER BY ordinal_position",
                [table],
            )
            columns = [c for (c,) in named if c != "_intacct_synced_at"]
            selected = ", ".join(f'"{column}"' for column in columns)
            contents[table] = run(connection, f'SELECT {selected} FROM api."{table}" ORDER BY ALL')
    return contents


def test_materialized_api_assets_replay_into_an_identical_warehouse(fresh_sandbox, replaying, tmp_path, monkeypatch):
    capture = tmp_path / "capture"
    settings = {**FAST_RETRIES, "INTACCT_API_PAGE_SIZE": "40", "INTACCT_API_FLUSH_ROWS": "60"}
    materialize(
        RECORDED,
        tmp_path / "recorded.duckdb",
        {**fresh_sandbox.env, **settings, "INTACCT_CAPTURE_DIR": str(capture)},
        monkeypatch,
    )
    monkeypatch.delenv("INTACCT_CAPTURE_DIR")

    replay = replaying(capture)
    assert replay.records("CUSTOMER") == [] and replay.records("GLENTRY") == []  # nothing but the capture
    materialize(RECORDED, tmp_path / "replayed.duckdb", {**replay.env, **settings}, monkeypatch)

    recorded, replayed = api_tables(tmp_path / "recorded.duckdb"), api_tables(tmp_path / "replayed.duckdb")
    assert set(recorded) == set(RECORDED)
    assert {t: len(rows) for t, rows in recorded.items()} == {
        name: len(fresh_sandbox.records(obj))
        for name, obj in (
            ("customer", "CUSTOMER"),
            ("journal_entry", "GLBATCH"),
            ("journal_entry_line", "GLENTRY"),
            ("gl_detail", "GLDETAIL"),
            ("item", "ITEM"),
        )
    }
    assert replayed == recorded
    report = replay.replay.report()
    assert report["unmatched"] == [] and report["unused"] == [] and report["served"] == report["exchanges"]


def test_a_masked_capture_replays_and_masked_values_still_join(fresh_sandbox, replaying, syncer, tmp_path):
    capture = tmp_path / "capture"
    recording = syncer(fresh_sandbox, INTACCT_CAPTURE_DIR=str(capture), INTACCT_CAPTURE_MASK_FIELDS="id,name,totalDue")
    fetched = {name: recording.sync(name).total("fetched") for name in ("customer", "invoice")}

    replayer = syncer(replaying(capture))
    replayer.warehouse = Warehouse(str(tmp_path / "replayed.duckdb"))
    assert {name: replayer.sync(name).total("fetched") for name in fetched} == fetched
    customers, invoices, original = replayer.rows("customer"), replayer.rows("invoice"), recording.rows("customer")
    assert customers.keys() == original.keys() and invoices.keys() == recording.rows("invoice").keys()
    for column in ("id", "name"):
        values = {row[column] for row in customers.values()}
        assert all(value.startswith("masked-") for value in values)
        assert len(values) == len({row[column] for row in original.values()})  # distinct values stay distinct
    # the same customer id masks to the same placeholder in every answer: invoices still join their customer
    assert invoices and all(row["customer__id"] == customers[row["customer__key"]]["id"] for row in invoices.values())
    unmasked = [
        c
        for c in original[next(iter(original))]  # a field is named by its last segment: entity.id too
        if c.rsplit("__", 1)[-1] not in ("id", "name", "totalDue") and c != "_intacct_synced_at"
    ]
    assert {"key", "status", "creditLimit", "contacts__default__email1", "audit__modifiedDateTime"} <= set(unmasked)
    for key, row in customers.items():
        assert {c: row[c] for c in unmasked} == {c: original[key][c] for c in unmasked}


def test_a_request_outside_the_capture_gets_a_clear_error_naming_the_nearest(
    fresh_sandbox, replaying, make_client, tmp_path
):
    capture = tmp_path / "capture"
    recording = make_client(fresh_sandbox, INTACCT_CAPTURE_DIR=str(capture))
    recording.rest.query(Query("accounts-receivable/customer", ("key", "name"), size=5))
    recording.xml.query("CUSTOMER", ["RECORDNO", "NAME"], pagesize=5)

    client = make_client(replaying(capture))
    assert len(client.rest.query(Query("accounts-receivable/customer", ("key", "name"), size=5)).rows) == 5
    with pytest.raises(IntacctApiError) as rest_error:
        client.rest.query(Query("accounts-receivable/customer", ("key", "name"), size=6))
    message = str(rest_error.value)
    assert rest_error.value.status == 599 and "REPLAY-0001" in message
    assert "the capture holds no answer for POST /ia/api/v1/services/core/query" in message
    assert "Nearest recorded request" in message and '"size":5' in message and '"size":6' in message
    assert "first differ at character" in message
    with pytest.raises(IntacctXmlError) as xml_error:
        client.xml.query("VENDOR", ["RECORDNO"], pagesize=5)
    assert xml_error.value.status == 599 and "<object>VENDOR</object>" in str(xml_error.value)
    assert "<object>CUSTOMER</object>" in str(xml_error.value)  # the nearest recorded request
    attempts = [c for c in client.calls.since(0) if c.status == 599]
    assert len(attempts) == 2  # a 599 is never retried


def test_any_credentials_are_accepted_by_a_replay(fresh_sandbox, replaying, make_client, tmp_path):
    capture = tmp_path / "capture"
    make_client(fresh_sandbox, INTACCT_CAPTURE_DIR=str(capture)).xml.query("CUSTOMER", ["RECORDNO"], pagesize=3)
    make_client(fresh_sandbox, INTACCT_CAPTURE_DIR=str(capture)).rest.query(
        Query("accounts-receivable/customer", ("key",), size=3)
    )

    replay = replaying(capture)
    client = make_client(
        replay,
        INTACCT_CLIENT_SECRET="another-secret",
        INTACCT_USERNAME="",
        INTACCT_REFRESH_TOKEN="a-refresh-token",
        INTACCT_SENDER_PASSWORD="other",
        INTACCT_USER_ID="someone",
        INTACCT_USER_PASSWORD="else",
        INTACCT_COMPANY_ID="OTHER-CO",
    )
    assert [r["RECORDNO"] for r in client.xml.query("CUSTOMER", ["RECORDNO"], pagesize=3).records] == ["1", "2", "3"]
    assert [r["key"] for r in client.rest.query(Query("accounts-receivable/customer", ("key",), size=3)).rows] == [
        "1",
        "2",
        "3",
    ]
