"""One company, three faces: REST, XML and DDS agree on every record; seeded data is deterministic;
the sandbox matches the client-side catalog."""

from __future__ import annotations

import gzip
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from intacct_assets.sandbox.clock import Clock
from intacct_assets.sandbox.company.seed import seed_store
from intacct_assets.sandbox.company.store import Store
from intacct_assets.sandbox.objects import ENUMS, REGISTRY
from intacct_assets.sandbox.settings import DdsFormat, Knobs
from intacct_assets_tests.sandbox.helpers import Rest, call, fn, parse_csv

CATALOG = Path(__file__).parents[2] / "intacct_assets" / "catalog" / "objects.yaml"


def normalize(kind: str, value: object) -> object:
    """Face text -> one comparable form (independent of the sandbox's own converters)."""
    if value in (None, ""):
        return None
    text = str(value)
    if kind == "date" and "/" in text:
        month, day, year = text.split("/")
        return f"{year}-{month}-{day}"
    if kind == "timestamp" and "/" in text:
        day, clock = text.split(" ")
        month, dd, year = day.split("/")
        return f"{year}-{month}-{dd}T{clock}Z"
    if kind == "decimal":
        return Decimal(text)
    if kind == "boolean":
        return text.lower() == "true"
    return text


@pytest.mark.parametrize(
    "obj",
    [
        "CUSTOMER",
        "VENDOR",
        "GLACCOUNT",
        "GLENTRY",
        "ARINVOICE",
        "APBILLITEM",
        "PROJECT",
        "EMPLOYEE",
        "DEPARTMENT",
        "CONTACT",
    ],
)
def test_rest_xml_and_dds_views_agree(sandbox, obj):
    defn = REGISTRY[obj]
    fields = [f for f in defn.fields if f.rest and f.xml and not f.writeonly]  # writeOnly: refused in a query
    rest = Rest(sandbox)
    rest_rows = rest.query(
        {"object": defn.rest, "fields": ["key"] + [f.rest for f in fields], "size": 4000, "orderBy": [{"key": "asc"}]}
    ).json()["ia::result"][:40]
    keys = ",".join(r["key"] for r in rest_rows)
    select = "".join(f"<field>{f.name}</field>" for f in fields)
    xml_rows = call(
        sandbox,
        fn(
            f"<query><object>{obj}</object><select>{select}</select><filter><in><field>RECORDNO"
            f"</field>{''.join(f'<value>{k}</value>' for k in keys.split(','))}</in></filter>"
            f"<orderby><order><field>RECORDNO</field><ascending/></order></orderby>"
            f"<pagesize>100</pagesize></query>"
        ),
    )[0].findall(f"data/{obj}")
    (job,) = sandbox.deliver_dds([obj], "all", include_headers=True)
    data = sandbox.s3_client().get_object(Bucket=sandbox.bucket, Key=job["FILELIST"])["Body"].read()
    csv_rows = parse_csv(data.decode(), DdsFormat())
    header = csv_rows[0]
    dds = {row[header.index("RECORDNO")]: row for row in csv_rows[1:]}
    assert len(rest_rows) == len(xml_rows) > 0
    for rest_row, xml_row in zip(rest_rows, xml_rows, strict=True):
        key = rest_row["key"]
        assert xml_row.findtext("RECORDNO") == key
        for f in fields:
            rest_value = rest_row[f.rest]
            if f.enum and rest_value is not None:
                rest_value = {v: k for k, v in ENUMS[f.enum].items()}[rest_value]
            values = [normalize(f.type, rest_value), normalize(f.type, xml_row.findtext(f.name))]
            if f.dds:
                values.append(normalize(f.type, dds[key][header.index(f.name)]))
            assert len({repr(v) for v in values}) == 1, (obj, key, f.name, values)


def test_seeded_data_is_deterministic():
    def build(seed: int) -> dict:
        store = Store(REGISTRY, Clock(), Knobs(), seed)
        seed_store(store, seed, 0.5, {"CUSTOMER": 300}, "2026-01-01T00:00:00Z", "u")
        return {name: list(table.rows.values()) for name, table in store.tables.items()}

    first, second, other = build(5), build(5), build(6)
    assert first == second
    assert first["CUSTOMER"] != other["CUSTOMER"] and first["GLENTRY"] != other["GLENTRY"]
    assert len(first["CUSTOMER"]) == 300


def test_seeded_journal_entries_balance_and_payments_match(sandbox):
    lines: dict[str, Decimal] = {}
    for entry in sandbox.records("GLENTRY"):
        lines[entry["BATCHNO"]] = lines.get(entry["BATCHNO"], Decimal(0)) + Decimal(entry["AMOUNT"]) * entry["TR_TYPE"]
    assert set(lines.values()) == {Decimal(0)}
    for invoice in sandbox.records("ARINVOICE"):
        assert Decimal(invoice["TOTALDUE"]) == Decimal(invoice["TOTALENTERED"]) - Decimal(invoice["TOTALPAID"])


def test_sandbox_covers_the_client_catalog():
    catalog = yaml.safe_load(CATALOG.read_text())["objects"]
    for name, spec in catalog.items():
        defn = REGISTRY.get(name)
        assert defn is not None, name
        assert set(spec["columns"]) - {"ddsReadTime"} <= set(defn.by_name), name
        assert defn.dds == spec.get("dds", True), name
        assert list(defn.key) == spec.get("key", ["RECORDNO"]), name
        rest = spec.get("api", {}).get("rest")
        assert rest is None or defn.rest == rest, name


def test_gzip_delivery_matches_plain(sandbox):
    (plain,) = sandbox.deliver_dds(["LOCATION"], include_headers=True)
    (packed,) = sandbox.deliver_dds(["LOCATION"], include_headers=True, compress=True)
    s3 = sandbox.s3_client()
    read = lambda key: s3.get_object(Bucket=sandbox.bucket, Key=key)["Body"].read()  # noqa: E731
    plain_rows = parse_csv(read(plain["FILELIST"]).decode(), DdsFormat())
    packed_rows = parse_csv(gzip.decompress(read(packed["FILELIST"])).decode(), DdsFormat())
    assert [r[:-1] for r in plain_rows] == [r[:-1] for r in packed_rows]
