"""Small files committed in groups under one connection: each file is still its own transaction, a failing file
leaves the others loaded, and other processes get the warehouse lock between groups."""

import subprocess
import sys
import textwrap

import pytest

from intacct_assets.catalog import load_catalog
from intacct_assets.dds.ingest import DdsIngest
from intacct_assets.dds.s3 import list_objects
from intacct_assets.dds.settings import DdsSettings
from intacct_assets.warehouse.connection import Warehouse, run
from intacct_assets_tests.dds.files import GLENTRY_COLUMNS, business_rows, dds_csv, glentry_row, put_all

GLENTRY = load_catalog().get("GLENTRY")


def change_files(count: int) -> dict[str, bytes]:
    """One change file a day, each creating record <day>."""
    return {
        f"GLENTRY.change.2026-11-{day:02d}T06-00-00Z.csv": dds_csv(
            GLENTRY_COLUMNS, [glentry_row(str(day), f"2026-11-{day:02d}T05:00:00Z", change="create")]
        )
        for day in range(1, count + 1)
    }


def ingest(warehouse, s3, bucket, **setting_overrides):
    files = list(list_objects(s3, bucket, ""))
    return DdsIngest(warehouse, s3, DdsSettings(bucket=bucket, **setting_overrides)).ingest(GLENTRY, files)


def ledger(warehouse):
    with warehouse.connect() as connection:
        return run(connection, "SELECT key, outcome FROM intacct_meta.dds_files ORDER BY key")


def test_a_file_the_reader_rejects_leaves_the_files_around_it_of_its_group_loaded(warehouse, s3, bucket):
    files = change_files(5)
    malformed = "GLENTRY.change.2026-11-03T06-00-00Z.csv"
    files[malformed] = dds_csv([*GLENTRY_COLUMNS, "recordno"], [[*glentry_row("3"), "3"]])  # a column twice
    put_all(s3, bucket, files)
    outcomes = ingest(warehouse, s3, bucket, max_files_per_lock=10)
    assert [o.outcome for o in outcomes] == ["ingested", "ingested", "rejected", "ingested", "ingested"]
    assert "differ only by case" in outcomes[2].message
    assert [r for r, _, _ in business_rows(warehouse)] == ["1", "2", "4", "5"]
    assert ledger(warehouse) == [(key, o.outcome) for key, o in zip(sorted(files), outcomes, strict=True)]


def test_a_file_failing_mid_merge_is_rolled_back_alone_and_the_table_is_as_if_loaded_one_by_one(tmp_path, s3, bucket):
    """A warehouse reader made DESCRIPTION mandatory; the third file of the group brings a record without one:
    DuckDB refuses it inside that file's merge. Files before it stay committed, files after it load, and the
    table and ledger are those of loading every file in a run of its own."""
    files = change_files(5)
    hostile = "GLENTRY.change.2026-11-03T06-00-00Z.csv"
    files[hostile] = dds_csv(
        GLENTRY_COLUMNS, [glentry_row("3", change="create"), glentry_row("30", description="", change="create")]
    )
    put_all(s3, bucket, files)
    first, rest = sorted(files)[0], sorted(files)[1:]

    def load(warehouse: Warehouse, groups: list[list[str]]) -> list[str]:
        outcomes = []
        for keys in groups:
            chosen = [f for f in list_objects(s3, bucket, "") if f.key in keys]
            settings = DdsSettings(bucket=bucket, max_files_per_lock=10)
            outcomes += DdsIngest(warehouse, s3, settings).ingest(GLENTRY, chosen)
            if keys == [first]:
                with warehouse.connect() as connection:
                    run(connection, "ALTER TABLE dds.glentry ALTER COLUMN DESCRIPTION SET NOT NULL")
        return outcomes

    grouped = Warehouse(str(tmp_path / "grouped.duckdb"))
    outcomes = load(grouped, [[first], rest])
    assert [o.outcome for o in outcomes] == ["ingested", "ingested", "failed", "ingested", "ingested"]
    assert "NOT NULL constraint failed" in outcomes[2].message
    assert [r for r, _, _ in business_rows(grouped)] == ["1", "2", "4", "5"]  # nothing of the failed file
    one_by_one = Warehouse(str(tmp_path / "one_by_one.duckdb"))
    load(one_by_one, [[key] for key in sorted(files)])
    assert full_table(grouped) == full_table(one_by_one)
    assert ledger(grouped) == ledger(one_by_one)


def full_table(warehouse):
    with warehouse.connect() as connection:
        return run(connection, "SELECT * EXCLUDE (_intacct_synced_at) FROM dds.glentry ORDER BY RECORDNO")


@pytest.mark.parametrize("bound", ["files", "bytes"])
def test_another_process_gets_the_writer_lock_between_groups(warehouse, s3, bucket, bound):
    """Groups of two files (by count, or by text size): before each download another process takes the writer
    lock, writes, and reads how many files are committed. It never waits for a whole run, and sees the files
    of a group committed together (a file is downloaded before its size decides whether it joins the group, so
    the third download still sees none)."""
    files = change_files(4)
    put_all(s3, bucket, files)
    size = max(len(body) for body in files.values())
    bounds = {"files": {"max_files_per_lock": 2}, "bytes": {"batch_bytes": 2 * size + 1}}[bound]
    writer = textwrap.dedent(f"""
        from intacct_assets.warehouse.connection import Warehouse, run, transaction
        with Warehouse({warehouse.path!r}, lock_timeout_seconds=60).connect() as connection, transaction(connection):
            run(connection, "CREATE TABLE IF NOT EXISTS other_writer (committed_files INTEGER)")
            run(connection, "INSERT INTO other_writer SELECT count(*) FROM intacct_meta.dds_files")
    """)

    def write_before_download(**kwargs):
        subprocess.run([sys.executable, "-c", writer], check=True, timeout=120)

    s3.meta.events.register("before-call.s3.GetObject", write_before_download)
    outcomes = ingest(warehouse, s3, bucket, **bounds)
    assert [o.outcome for o in outcomes] == ["ingested"] * 4
    with warehouse.connect() as connection:
        seen = [n for (n,) in run(connection, "SELECT committed_files FROM other_writer ORDER BY rowid")]
    assert seen == [0, 0, 0, 2]
