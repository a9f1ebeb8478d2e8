"""DDS files from a real S3 API (moto) into a real DuckDB file: semantics, ledger, atomicity."""

import subprocess
import sys
import tempfile
import textwrap
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intacct_assets.catalog import load_catalog
from intacct_assets.dds.ingest import DdsIngest
from intacct_assets.dds.s3 import list_objects
from intacct_assets.dds.settings import DdsSettings
from intacct_assets.dds.snapshots import delivery_complete
from intacct_assets.warehouse.connection import Warehouse, run
from intacct_assets_tests.dds.files import (
    EXPECTED,
    GLENTRY_COLUMNS,
    business_rows,
    dds_csv,
    deliveries,
    glentry_row,
    put_all,
)

CATALOG = load_catalog()
# Split deliveries here have 3 records per part (DDS splits at 10,000 at the least: tests keep files small and
# say the split size, as INTACCT_DDS_SPLIT_SIZE does).
TEST_SPLIT_SIZE = 3


def ingest(warehouse, s3, bucket, keys=None, object_name="GLENTRY", **setting_overrides):
    settings = DdsSettings(bucket=bucket, **{"split_size": TEST_SPLIT_SIZE, **setting_overrides})
    files = [f for f in list_objects(s3, bucket, "") if keys is None or f.key in keys]
    return DdsIngest(warehouse, s3, settings).ingest(CATALOG.get(object_name), files)


def full_table(warehouse):
    """Every column (by name) but the wall-clock sync time: what must not depend on delivery order."""
    with warehouse.connect() as connection:
        columns = [
            name
            for (name,) in run(
                connection,
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'glentry' "
                "AND column_name <> '_intacct_synced_at' ORDER BY column_name",
            )
        ]
        rows = run(
            connection,
            f"SELECT {', '.join(f'{chr(34)}{c}{chr(34)}' for c in columns)} FROM dds.glentry ORDER BY RECORDNO",
        )
    return [dict(zip(columns, row, strict=True)) for row in rows]


def test_history_of_deliveries(warehouse, s3, bucket):
    put_all(s3, bucket, deliveries())
    outcomes = ingest(warehouse, s3, bucket)
    assert [o.outcome for o in outcomes] == ["ingested"] * 5
    assert business_rows(warehouse) == EXPECTED
    with warehouse.connect() as connection:
        sources = dict(run(connection, "SELECT RECORDNO, _intacct_source FROM dds.glentry"))
        snapshots = run(connection, "SELECT delivery, parts, tombstoned FROM intacct_meta.dds_snapshots ORDER BY 1")
        ledger = run(connection, "SELECT key, outcome, records FROM intacct_meta.dds_files ORDER BY key")
    assert sources["5"] == "GLENTRY.all.2026-11-04T06-00-00Z"  # tombstoned for being absent from the full snapshot
    assert snapshots == [("GLENTRY.all.2026-11-01T06-00-00Z", 2, 0), ("GLENTRY.all.2026-11-04T06-00-00Z", 1, 1)]
    assert len(ledger) == 5 and all(outcome == "ingested" for _, outcome, _ in ledger)


def test_a_filtered_all_job_flags_nothing_deleted_for_being_absent(warehouse, s3, bucket):
    """A DDS job can carry a query filter, so an `all` delivery of such a job holds only what the filter selects:
    a record absent from it was not deleted. Deletes still come from delete files and change types."""
    put_all(s3, bucket, deliveries())
    settings = DdsSettings.from_env({"INTACCT_DDS_BUCKET": bucket, "INTACCT_DDS_FILTERED_OBJECTS": " glentry, VENDOR"})
    assert settings.filtered_objects == {"GLENTRY", "VENDOR"}
    outcomes = DdsIngest(warehouse, s3, settings).ingest(CATALOG.get("GLENTRY"), list(list_objects(s3, bucket, "")))
    assert [o.outcome for o in outcomes] == ["ingested"] * 5
    # 5 is absent from the last `all` delivery yet live; 3 was deleted by the delete file
    assert business_rows(warehouse) == [row if row[0] != "5" else ("5", "10.0000000000", False) for row in EXPECTED]
    with warehouse.connect() as connection:
        assert run(connection, "SELECT count(*) FROM intacct_meta.dds_snapshots") == [(0,)]
        jobs = run(connection, "SELECT DISTINCT job_type FROM intacct_meta.dds_files ORDER BY 1")
    assert jobs == [("all",), ("change",), ("delete",)]  # the ledger still says what the files are


def test_loaded_files_are_skipped_and_redeliveries_change_nothing(warehouse, s3, bucket):
    put_all(s3, bucket, deliveries())
    ingest(warehouse, s3, bucket)
    assert {o.outcome for o in ingest(warehouse, s3, bucket)} == {"skipped"}
    before = full_table(warehouse)
    key = "GLENTRY.change.2026-11-02T06-00-00Z.csv"
    same_records = deliveries()[key].replace(b"\n", b"\r\n")  # re-delivered with new bytes: a new ETag
    s3.put_object(Bucket=bucket, Key=key, Body=same_records)
    [outcome] = ingest(warehouse, s3, bucket, keys={key})
    assert outcome.outcome == "unchanged" and outcome.counts.unchanged == 2
    assert full_table(warehouse) == before


def test_empty_change_files_load_as_nothing_changed(warehouse, s3, bucket):
    """A change job with nothing to report can be a 0-byte file (no header, no rows): it is ingested
    with no records, whether or not the table exists yet, and the next real file still loads."""
    empty = {
        "GLENTRY.change.2026-11-01T05-00-00Z.csv": b"",
        "GLENTRY.change.2026-11-02T07-00-00Z.csv": b"\xef\xbb\xbf\r\n",
    }
    put_all(s3, bucket, empty)
    outcomes = ingest(warehouse, s3, bucket)
    assert [(o.outcome, o.records) for o in outcomes] == [("unchanged", 0)] * 2
    put_all(s3, bucket, deliveries())
    outcomes = ingest(warehouse, s3, bucket)
    assert {o.key: o.outcome for o in outcomes} == {
        **dict.fromkeys(empty, "skipped"),  # already handled
        **dict.fromkeys(deliveries(), "ingested"),
    }
    assert business_rows(warehouse) == EXPECTED
    s3.put_object(Bucket=bucket, Key="GLENTRY.change.2026-11-05T06-00-00Z.csv", Body=b"")
    [late] = ingest(warehouse, s3, bucket, keys={"GLENTRY.change.2026-11-05T06-00-00Z.csv"})
    assert (late.outcome, late.records) == ("unchanged", 0) and business_rows(warehouse) == EXPECTED


def test_split_all_delivery_tombstones_only_when_complete(warehouse, s3, bucket):
    files = deliveries()
    put_all(s3, bucket, files)
    ingest(warehouse, s3, bucket, keys={"GLENTRY.all.2026-11-04T06-00-00Z.csv"})  # records 1,2,4,6: complete
    ingest(warehouse, s3, bucket, keys={"GLENTRY.all.2026-11-01T06-00-00Z.001.csv"})  # older parts arrive late
    assert business_rows(warehouse)[2] == ("3", "10.0000000000", True)  # older than the newest snapshot, absent
    assert delivery_complete([(1, 10_000)], split_size=0) is False  # may be the first of several full parts
    assert delivery_complete([(1, 9_999)], split_size=0) is True  # below DDS's smallest split: the last part
    assert delivery_complete([(0, 0)], split_size=0) is True
    assert delivery_complete([(2, 10)], split_size=0) is False  # part 1 is missing
    assert delivery_complete([(1, 30_000), (2, 20_000)], split_size=0) is True
    assert delivery_complete([(1, 30_000), (3, 20_000)], split_size=0) is False
    assert delivery_complete([(1, 3)], split_size=3) is False
    assert delivery_complete([(1, 3), (2, 2)], split_size=3) is True
    assert delivery_complete([(1, 3)], split_size=5) is True
    assert delivery_complete([(None, 3)], split_size=0) is True


def test_a_snapshot_with_rejected_rows_flags_nothing_deleted_until_a_clean_copy_arrives(warehouse, s3, bucket):
    """Record 2's row in the newer `all` file is malformed: it is absent from what loaded, but not gone from
    Intacct. The delivery tombstones nothing (and says why) until a corrected copy is re-delivered."""
    t1, t4 = "2026-11-01T06-00-00Z", "2026-11-04T06-00-00Z"
    older = f"GLENTRY.all.{t1}.csv"
    put_all(
        s3,
        bucket,
        {
            older: dds_csv(
                GLENTRY_COLUMNS, [glentry_row(str(n), read=f"{t1[:13]}:00:00Z", change="") for n in (1, 2, 3)]
            )
        },
    )
    ingest(warehouse, s3, bucket)
    newer = f"GLENTRY.all.{t4}.csv"
    read = f"{t4[:13]}:00:00Z"

    def newer_file(amount_of_2: str) -> bytes:
        return dds_csv(
            GLENTRY_COLUMNS,
            [glentry_row("1", read=read, change=""), glentry_row("2", read=read, amount=amount_of_2, change="")],
        )

    s3.put_object(Bucket=bucket, Key=newer, Body=newer_file("1,000.00"))
    [outcome] = ingest(warehouse, s3, bucket, keys={newer})
    assert (outcome.outcome, outcome.rejected, outcome.counts.deleted) == ("ingested", 1, 0)
    assert "1 rejected record" in outcome.message and "not flagged deleted" in outcome.message
    assert [deleted for _, _, deleted in business_rows(warehouse)] == [False, False, False]
    with warehouse.connect() as connection:
        assert run(connection, "SELECT message FROM intacct_meta.dds_files WHERE key = ?", [newer]) == [
            (outcome.message,)
        ]
        assert run(connection, "SELECT delivery FROM intacct_meta.dds_snapshots") == [(older.removesuffix(".csv"),)]
    s3.put_object(Bucket=bucket, Key=newer, Body=newer_file("1000.00"))  # corrected: a new ETag
    [outcome] = ingest(warehouse, s3, bucket, keys={newer})
    assert (outcome.outcome, outcome.rejected, outcome.counts.deleted, outcome.message) == ("ingested", 0, 1, "")
    assert business_rows(warehouse) == [
        ("1", "10.0000000000", False),
        ("2", "1000.0000000000", False),
        ("3", "10.0000000000", True),
    ]


def test_a_newer_full_export_restores_records_an_older_one_missed(warehouse, s3, bucket):
    """The 11-02 export lacks record 2 (a partial export that nothing could tell apart); the 11-03 one has it,
    unmodified. The newest complete export decides: record 2 is live again, in either loading order."""

    def export(moment: str, ids: list[str]) -> dict[str, bytes]:
        rows = [glentry_row(i, "2026-10-01T00:00:00Z", read=moment[:13] + ":00:00Z", change="") for i in ids]
        return {f"GLENTRY.all.{moment}.csv": dds_csv(GLENTRY_COLUMNS, rows)}

    files = {
        **export("2026-11-01T06-00-00Z", ["1", "2"]),
        **export("2026-11-02T06-00-00Z", ["1"]),
        **export("2026-11-03T06-00-00Z", ["1", "2"]),
    }
    put_all(s3, bucket, files)
    tables = []
    for order in (sorted(files), sorted(files, reverse=True)):
        target = Warehouse(str(Path(tempfile.mkdtemp()) / "warehouse.duckdb"))
        for key in order:
            ingest(target, s3, bucket, keys={key})
            if key == "GLENTRY.all.2026-11-02T06-00-00Z.csv" and order[0] < order[-1]:
                assert [deleted for _, _, deleted in business_rows(target)] == [False, True]
        assert business_rows(target) == [("1", "10.0000000000", False), ("2", "10.0000000000", False)]
        tables.append(full_table(target))
    assert tables[0] == tables[1]


def test_an_empty_snapshot_is_not_a_full_export_in_any_order(s3, bucket):
    """An `all` file with a header and no records is held as a failed export: it flags nothing deleted and
    sets no floor, whether it loads first (no table yet), between or after the real files."""
    files = deliveries()
    empty = "GLENTRY.all.2026-11-05T06-00-00Z.csv"
    put_all(s3, bucket, {**files, empty: dds_csv(GLENTRY_COLUMNS, [])})
    snapshot = ["GLENTRY.all.2026-11-01T06-00-00Z.001.csv", "GLENTRY.all.2026-11-01T06-00-00Z.002.csv.gz"]
    delete = "GLENTRY.delete.2026-11-03T06-00-00Z.csv"
    tables = []
    for order in ([empty, *snapshot, delete], [*snapshot, empty, delete], [delete, *snapshot, empty]):
        target = Warehouse(str(Path(tempfile.mkdtemp()) / "warehouse.duckdb"))
        outcomes = {o.key: o for key in order for o in ingest(target, s3, bucket, keys={key})}
        held = outcomes[empty]
        assert (held.outcome, held.records, held.counts.deleted) == ("unchanged", 0, 0)
        assert "holds no records" in held.message and held.needs_attention
        assert [r for r, _, deleted in business_rows(target) if deleted] == ["3"]  # the delete file still applies
        tables.append(full_table(target))
    assert tables[0] == tables[1] == tables[2]


def test_a_redelivered_part_of_the_newest_export_adds_live_records(warehouse, s3, bucket):
    """A corrected copy of the newest complete export (new ETag) holds a record the first copy lacked: it was
    there when the export was taken, so it loads live (the floor is for keys older exports lacked)."""
    key = "GLENTRY.all.2026-11-04T06-00-00Z.csv"

    def export(ids: list[str]) -> bytes:
        return dds_csv(
            GLENTRY_COLUMNS,
            [glentry_row(i, "2026-10-01T00:00:00Z", read="2026-11-04T05:55:00Z", change="") for i in ids],
        )

    s3.put_object(Bucket=bucket, Key=key, Body=export(["1", "2"]))
    ingest(warehouse, s3, bucket)
    s3.put_object(Bucket=bucket, Key=key, Body=export(["1", "2", "7"]))
    [outcome] = ingest(warehouse, s3, bucket)
    assert (outcome.counts.inserted, outcome.counts.deleted) == (1, 0)
    assert business_rows(warehouse) == [(r, "10.0000000000", False) for r in ("1", "2", "7")]


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_order_and_repetition_gives_the_same_table(s3, bucket, data):
    keys = sorted(deliveries())
    order = data.draw(st.permutations(keys))
    repeats = data.draw(st.lists(st.sampled_from(keys), max_size=4))
    for repeat in repeats:
        order.insert(data.draw(st.integers(0, len(order))), repeat)
    put_all(s3, bucket, deliveries())
    warehouse = Warehouse(str(Path(tempfile.mkdtemp()) / f"{uuid.uuid4().hex}.duckdb"))
    for key in order:
        with warehouse.connect() as connection:  # a replay: forget that the file was loaded
            run(connection, "UPDATE intacct_meta.dds_files SET outcome = 'replay' WHERE key = ?", [key])
        ingest(warehouse, s3, bucket, keys={key})
    reference = Warehouse(str(Path(tempfile.mkdtemp()) / "reference.duckdb"))
    ingest(reference, s3, bucket, max_files_per_lock=data.draw(st.integers(1, 6), label="files per lock"))
    assert business_rows(warehouse) == EXPECTED
    assert full_table(warehouse) == full_table(reference)


def test_rejected_rows_are_recorded_and_the_rest_loads(warehouse, s3, bucket):
    rows = [glentry_row("1"), glentry_row("2", amount="1,000.00"), glentry_row("3")]
    s3.put_object(Bucket=bucket, Key="GLENTRY.change.2026-11-02T06-00-00Z.csv", Body=dds_csv(GLENTRY_COLUMNS, rows))
    [outcome] = ingest(warehouse, s3, bucket)
    assert (outcome.outcome, outcome.records, outcome.rejected, outcome.counts.inserted) == ("ingested", 3, 1, 2)
    with warehouse.connect() as connection:
        rejected = run(connection, "SELECT source, line, reason, raw_text FROM intacct_meta.rejected_rows")
    assert rejected == [
        (
            "GLENTRY.change.2026-11-02T06-00-00Z.csv",
            3,
            "AMOUNT: '1,000.00' is not a valid decimal",
            '2,7,04000,010,"1,000.00",2026-10-31,Accrual,2026-11-01T05:00:00Z,2026-11-01T06:00:00Z,update',
        )
    ]


def test_headerless_files_use_the_ddl_in_the_bucket(warehouse, s3, bucket):
    key = "GLENTRY.change.2026-11-02T06-00-00Z.csv"
    s3.put_object(Bucket=bucket, Key=key, Body=dds_csv(GLENTRY_COLUMNS, [glentry_row("1")], header=False))
    [outcome] = ingest(warehouse, s3, bucket)
    assert outcome.outcome == "rejected" and "_ddl/GLENTRY.sql" in outcome.message
    columns = ", ".join(f"{c} varchar" for c in GLENTRY_COLUMNS)
    s3.put_object(
        Bucket=bucket,
        Key="_ddl/GLENTRY.sql",
        Body=f"create table GLENTRY ({columns}); alter table GLENTRY add constraint PK_GLENTRY primary key(RECORDNO);",
    )
    [outcome] = ingest(warehouse, s3, bucket, keys={key})
    assert outcome.outcome == "ingested"
    assert business_rows(warehouse) == [("1", "10.0000000000", False)]


def test_crash_mid_merge_keeps_previous_state_and_rerun_converges(warehouse, s3, bucket, aws_env):
    files = deliveries()
    put_all(s3, bucket, files)
    ingest(warehouse, s3, bucket, keys={"GLENTRY.all.2026-11-01T06-00-00Z.001.csv"})
    before = full_table(warehouse)
    crashing = textwrap.dedent(f"""
        import os
        from intacct_assets.catalog import load_catalog
        from intacct_assets.dds.ingest import DdsIngest
        from intacct_assets.dds.s3 import list_objects
        from intacct_assets.dds.settings import DdsSettings
        from intacct_assets.warehouse import ledger
        from intacct_assets.warehouse.connection import Warehouse
        import boto3
        def crash(*args, **kwargs):  # the rows are merged, the ledger row is next: die without cleanup
            os._exit(9)
        ledger.record_file = crash
        s3 = boto3.client("s3", endpoint_url={aws_env!r}, region_name="us-east-1")
        files = [f for f in list_objects(s3, {bucket!r}, "") if f.key == "GLENTRY.change.2026-11-02T06-00-00Z.csv"]
        DdsIngest(Warehouse({warehouse.path!r}), s3, DdsSettings(bucket={bucket!r})).ingest(
            load_catalog().get("GLENTRY"), files)
    """)
    result = subprocess.run([sys.executable, "-c", crashing], capture_output=True, text=True, timeout=120)
    assert result.returncode == 9, result.stderr
    assert full_table(warehouse) == before
    with warehouse.connect() as connection:
        assert run(connection, "SELECT count(*) FROM intacct_meta.dds_files WHERE key LIKE '%change%'") == [(0,)]
    ingest(warehouse, s3, bucket)
    assert business_rows(warehouse) == EXPECTED


def test_concurrent_runs_share_the_warehouse(warehouse, s3, bucket):
    put_all(s3, bucket, deliveries())
    s3.put_object(
        Bucket=bucket,
        Key="VENDOR.all.2026-11-01T06-00-00Z.csv",
        Body=dds_csv(
            ["RECORDNO", "VENDORID", "NAME", "WHENMODIFIED", "ddsReadTime"],
            [[str(n), f"V{n:04d}", f"Vendor {n}", "2026-10-01T00:00:00Z", "2026-11-01T06:00:00Z"] for n in range(50)],
        ),
    )
    keys = sorted(deliveries())
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(
            pool.map(
                lambda job: ingest(warehouse, s3, bucket, keys=job[0], object_name=job[1]),
                [
                    (set(keys[:3]), "GLENTRY"),
                    (set(keys[3:]), "GLENTRY"),
                    ({"VENDOR.all.2026-11-01T06-00-00Z.csv"}, "VENDOR"),
                ],
            )
        )
    assert all(o.outcome in ("ingested", "unchanged") for outcomes in results for o in outcomes)
    with warehouse.connect() as connection:
        assert run(connection, "SELECT count(*) FROM dds.vendor") == [(50,)]
    ingest(warehouse, s3, bucket)  # whatever the interleaving, catching up converges
    assert business_rows(warehouse) == EXPECTED


def test_hostile_keys_cannot_escape(warehouse, s3, bucket):
    key = "../../etc/GLENTRY.change.2026-11-02T06-00-00Z.csv"
    s3.put_object(Bucket=bucket, Key=key, Body=dds_csv(GLENTRY_COLUMNS, [glentry_row("1")]))
    weird = "it's; DROP TABLE x;--/GLENTRY.change.2026-11-03T06-00-00Z.csv"
    s3.put_object(Bucket=bucket, Key=weird, Body=dds_csv(GLENTRY_COLUMNS, [glentry_row("2")]))
    outcomes = ingest(warehouse, s3, bucket)
    assert [o.outcome for o in outcomes] == ["ingested", "ingested"]
    with warehouse.connect() as connection:
        assert sorted(run(connection, "SELECT _intacct_source FROM dds.glentry")) == sorted([(key,), (weird,)])
    assert not Path("/etc/current.csv").exists()


def test_a_change_record_cut_before_its_change_type_is_rejected_not_loaded_live(warehouse, s3, bucket):
    """A delete cut short before ddsChangeType would load as an update of a live record; it is a rejected
    row instead, like a record with an unknown change type, and the rest of the file loads. An `all` file
    carries ddsChangeType empty or not at all, and loads whole."""
    snapshot = "GLENTRY.all.2026-11-01T06-00-00Z.csv"
    rows = [glentry_row("1", change=""), glentry_row("2", change="")[:-1], glentry_row("3", change="")]
    s3.put_object(Bucket=bucket, Key=snapshot, Body=dds_csv(GLENTRY_COLUMNS, rows))
    [loaded] = ingest(warehouse, s3, bucket)
    assert (loaded.outcome, loaded.records, loaded.rejected, loaded.counts.inserted) == ("ingested", 3, 0, 3)
    change = "GLENTRY.change.2026-11-02T06-00-00Z.csv"
    later = {"modified": "2026-11-02T05:00:00Z", "read": "2026-11-02T06:00:00Z"}
    s3.put_object(
        Bucket=bucket,
        Key=change,
        Body=dds_csv(
            GLENTRY_COLUMNS,
            [
                glentry_row("1", **later, amount="20.00", change="update"),
                glentry_row("2", **later, change="delete")[:-1],  # line 3: cut short
                glentry_row("3", **later, amount="30.00", change="modify"),  # line 4: not a change type
                glentry_row("7", **later, change="create"),
            ],
        ),
    )
    [outcome] = ingest(warehouse, s3, bucket, keys={change})
    assert (outcome.outcome, outcome.records, outcome.rejected) == ("ingested", 4, 2)
    assert (outcome.counts.inserted, outcome.counts.updated, outcome.counts.deleted) == (1, 1, 0)
    assert business_rows(warehouse) == [
        ("1", "20.0000000000", False),
        ("2", "10.0000000000", False),
        ("3", "10.0000000000", False),
        ("7", "10.0000000000", False),
    ]
    with warehouse.connect() as connection:
        rejected = run(connection, "SELECT source, line, reason FROM intacct_meta.rejected_rows ORDER BY line")
    assert rejected == [
        (
            change,
            3,
            "ddsChangeType is empty: a record of a change file must say create, update or delete (was it cut short?)",
        ),
        (change, 4, "ddsChangeType: 'modify' is not create, update or delete"),
    ]


def test_blank_lines_of_a_headerless_windows_file_are_skipped(warehouse, s3, bucket):
    """CRLF blank lines between records and at the end are neither records nor rejected rows."""
    columns = ", ".join(f"{c} varchar" for c in GLENTRY_COLUMNS[:-1])  # getDdsDdl has no ddsChangeType
    s3.put_object(Bucket=bucket, Key="_ddl/GLENTRY.sql", Body=f"create table GLENTRY ({columns});")

    def records(*ids: str) -> bytes:
        return dds_csv(GLENTRY_COLUMNS, [glentry_row(i) for i in ids], header=False, line_ending="\r\n")

    key = "GLENTRY.change.2026-11-02T06-00-00Z.csv"
    s3.put_object(Bucket=bucket, Key=key, Body=records("1") + b"\r\n\r\n" + records("2", "3") + b"\r\n")
    [outcome] = ingest(warehouse, s3, bucket, keys={key})
    assert (outcome.outcome, outcome.records, outcome.rejected, outcome.counts.inserted) == ("ingested", 3, 0, 3)
    with warehouse.connect() as connection:
        assert run(connection, "SELECT count(*) FROM intacct_meta.rejected_rows") == [(0,)]
        assert run(connection, "SELECT records, rejected FROM intacct_meta.dds_files WHERE key = ?", [key]) == [(3, 0)]
    assert [r for r, _, _ in business_rows(warehouse)] == ["1", "2", "3"]


@pytest.mark.parametrize("name", ["ROWID", "RowId", "_INTACCT_DELETED"])
def test_a_column_that_would_shadow_bookkeeping_rejects_the_file(warehouse, s3, bucket, name):
    """A ROWID column would shadow DuckDB's rowid, which the merge uses to find rows: records sharing its value
    were deleted. Bookkeeping names are reserved in any case (DuckDB names are case-insensitive)."""
    columns = [*GLENTRY_COLUMNS, name]
    s3.put_object(
        Bucket=bucket,
        Key="GLENTRY.change.2026-11-01T06-00-00Z.csv",
        Body=dds_csv(columns, [glentry_row(n, amount=f"{n}.00") + ["x"] for n in "123"]),
    )
    [outcome] = ingest(warehouse, s3, bucket)
    assert outcome.outcome == "rejected" and "reserved" in outcome.message


def lone_numbered_part(records: list[str]) -> dict[str, bytes]:
    """An `all` delivery in one numbered part (DDS may or may not number a lone part: undocumented)."""
    rows = [glentry_row(r, "2026-10-01T00:00:00Z", read="2026-11-04T06:00:00Z", change="") for r in records]
    return {"GLENTRY.all.2026-11-04T06-00-00Z.001.csv": dds_csv(GLENTRY_COLUMNS, rows)}


def test_a_lone_numbered_part_below_the_smallest_split_size_completes_its_delivery(warehouse, s3, bucket):
    """Fewer records than DDS's smallest split (10,000) make it the last part: its delivery is complete without
    INTACCT_DDS_SPLIT_SIZE, so the record it lacks is flagged deleted."""
    put_all(
        s3,
        bucket,
        {
            "GLENTRY.change.2026-11-02T06-00-00Z.csv": dds_csv(
                GLENTRY_COLUMNS, [glentry_row(r, change="create") for r in ("1", "2", "3")]
            )
        },
    )
    put_all(s3, bucket, lone_numbered_part(["1", "2"]))
    outcomes = ingest(warehouse, s3, bucket, split_size=0)
    assert [o.counts.deleted for o in outcomes] == [0, 1]
    assert [(r, deleted) for r, _, deleted in business_rows(warehouse)] == [("1", False), ("2", False), ("3", True)]
    with warehouse.connect() as connection:
        assert run(connection, "SELECT delivery, parts, tombstoned FROM intacct_meta.dds_snapshots") == [
            ("GLENTRY.all.2026-11-04T06-00-00Z", 1, 1)
        ]
