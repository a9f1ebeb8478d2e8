"""The warehouse layout version: a file of the release before versions were recorded is migrated forward with
every row and cursor kept; a newer file is refused; a failed migration leaves the file as it was."""

from datetime import datetime

import duckdb
import pytest

from intacct_assets.api_ingest.state import load_state
from intacct_assets.catalog import load_catalog
from intacct_assets.dds.filenames import FileNameParser
from intacct_assets.dds.ingest import DdsIngest
from intacct_assets.dds.s3 import S3Object
from intacct_assets.dds.settings import DdsSettings
from intacct_assets.reverse_sync.state import load_state as load_reverse_state
from intacct_assets.warehouse import layout
from intacct_assets.warehouse.connection import Warehouse, run
from intacct_assets.warehouse.layout import LAYOUT_VERSION, WarehouseLayoutError
from intacct_assets.warehouse.ledger import finished_files
from intacct_assets.warehouse.sql import quote
from intacct_assets_tests.dds.files import GLENTRY_COLUMNS, dds_csv, glentry_row

# The layout of the release before layout versions (every intacct_meta table and a dds table), as it wrote them.
RELEASE_0 = """
CREATE SCHEMA intacct_meta;
CREATE TABLE intacct_meta.dds_files (
    key VARCHAR NOT NULL, etag VARCHAR, object VARCHAR, job_type VARCHAR, delivery VARCHAR,
    delivered_at TIMESTAMP, part INTEGER, size_bytes BIGINT, last_modified TIMESTAMP,
    records BIGINT, inserted BIGINT, updated BIGINT, deleted BIGINT, unchanged BIGINT, rejected BIGINT,
    outcome VARCHAR NOT NULL, message VARCHAR, seconds DOUBLE, run_id VARCHAR, processed_at TIMESTAMP);
CREATE TABLE intacct_meta.rejected_rows (
    source VARCHAR NOT NULL, etag VARCHAR, line BIGINT, reason VARCHAR, raw_text VARCHAR,
    run_id VARCHAR, rejected_at TIMESTAMP);
CREATE TABLE intacct_meta.dds_snapshots (
    object VARCHAR NOT NULL, delivery VARCHAR NOT NULL, snapshot_id VARCHAR NOT NULL,
    delivered_at TIMESTAMP NOT NULL, parts INTEGER, tombstoned BIGINT, completed_at TIMESTAMP);
CREATE TABLE intacct_meta.api_sync_state (
    asset VARCHAR NOT NULL, entity VARCHAR NOT NULL,
    cursor TIMESTAMP, deletes_cursor TIMESTAMP, reconciled_at TIMESTAMP,
    full_load_max_key VARCHAR, full_load_after_key VARCHAR, full_load_started_at TIMESTAMP,
    full_load_max_modified TIMESTAMP, fields_json VARCHAR, fields_at TIMESTAMP,
    last_run_id VARCHAR, last_success_at TIMESTAMP, updated_at TIMESTAMP,
    PRIMARY KEY (asset, entity));
CREATE TABLE intacct_meta.api_calls (
    run_id VARCHAR, asset VARCHAR, started_at TIMESTAMP, face VARCHAR, method VARCHAR, path VARCHAR,
    operation VARCHAR, entity VARCHAR, status INTEGER, duration_ms DOUBLE, attempt INTEGER,
    transactions INTEGER, outcome VARCHAR, error VARCHAR, excerpt VARCHAR);
CREATE TABLE intacct_meta.reverse_sync_state (
    sync VARCHAR NOT NULL, match_value VARCHAR NOT NULL, payload_hash VARCHAR, intacct_key VARCHAR,
    outcome VARCHAR, error VARCHAR, present BOOLEAN, synced_at TIMESTAMP);
CREATE TABLE intacct_meta.reverse_sync_results (
    sync VARCHAR NOT NULL, run_id VARCHAR, match_value VARCHAR, operation VARCHAR, outcome VARCHAR,
    intacct_key VARCHAR, error VARCHAR, recorded_at TIMESTAMP);
CREATE TABLE intacct_meta.reverse_sync_pending (
    sync VARCHAR NOT NULL, idempotency_key VARCHAR NOT NULL, operation VARCHAR, request JSON,
    members JSON, created_at TIMESTAMP);
INSERT INTO intacct_meta.dds_files VALUES
    ('GLENTRY.all.2026-11-01T06-00-00Z.csv', 'e1', 'GLENTRY', 'all', 'GLENTRY.all.2026-11-01T06-00-00Z',
     '2026-11-01 06:00:00', NULL, 100, '2026-11-01 06:00:05', 2, 2, 0, 0, 0, 0, 'ingested', NULL, 0.1, 'r1',
     '2026-11-01 06:01:00'),
    ('junk.txt', 'e2', NULL, NULL, NULL, NULL, NULL, 5, '2026-11-01 06:00:05', NULL, NULL, NULL, NULL, NULL, NULL,
     'unrecognized', 'the file name does not match', NULL, 'r2', '2026-11-01 06:01:00');
INSERT INTO intacct_meta.rejected_rows VALUES ('GLENTRY.all.2026-11-01T06-00-00Z.csv', 'e1', 7, 'AMOUNT: bad',
    '1,x', 'r1', '2026-11-01 06:01:00');
INSERT INTO intacct_meta.dds_snapshots VALUES ('GLENTRY', 'GLENTRY.all.2026-11-01T06-00-00Z',
    '20261101T060000|GLENTRY.all.2026-11-01T06-00-00Z', '2026-11-01 06:00:00', 1, 0, '2026-11-01 06:01:00');
INSERT INTO intacct_meta.api_sync_state VALUES ('customer', '', '2026-11-30 12:00:00', '2026-11-30 11:00:00',
    '2026-11-29 00:00:00', NULL, NULL, NULL, NULL, '["id","name"]', '2026-11-29 00:00:00', 'r3',
    '2026-11-30 12:00:01', '2026-11-30 12:00:01'),
    ('vendor', 'US01', '2026-11-30 10:00:00', NULL, NULL, 'V-9', 'V-4', '2026-11-30 09:00:00',
     '2026-11-30 08:00:00', NULL, NULL, 'r4', NULL, '2026-11-30 10:00:01');
INSERT INTO intacct_meta.api_calls VALUES ('r3', 'customer', '2026-11-30 12:00:00', 'rest', 'POST',
    '/services/core/query', 'query', NULL, 200, 95.5, 1, 1, 'ok', NULL, '{"ia::result": []}');
INSERT INTO intacct_meta.reverse_sync_state VALUES ('crm', 'C-1', 'h1', '12', 'created', NULL, true,
    '2026-11-30 12:00:00');
INSERT INTO intacct_meta.reverse_sync_results VALUES ('crm', 'r5', 'C-1', 'create', 'created', '12', NULL,
    '2026-11-30 12:00:00');
INSERT INTO intacct_meta.reverse_sync_pending VALUES ('crm', 'k-1', 'update', '{"id": "C-2"}', '["C-2"]',
    '2026-11-30 12:00:00');
CREATE SCHEMA dds;
CREATE TABLE dds.glentry (RECORDNO VARCHAR, AMOUNT DECIMAL(38,10), WHENMODIFIED TIMESTAMP, ddsReadTime TIMESTAMP,
    _intacct_deleted BOOLEAN NOT NULL DEFAULT false, _intacct_synced_at TIMESTAMP, _intacct_source VARCHAR,
    _intacct_version STRUCT(modified TIMESTAMP, read TIMESTAMP, delivered TIMESTAMP, source VARCHAR),
    _intacct_data_version STRUCT(live BOOLEAN, modified TIMESTAMP, read TIMESTAMP, delivered TIMESTAMP,
                                 source VARCHAR),
    _intacct_snapshot VARCHAR);
INSERT INTO dds.glentry VALUES
    ('1', 10, '2026-10-01', '2026-11-01 06:00:00', false, '2026-11-01 06:01:00', 'GLENTRY.all.2026-11-01T06-00-00Z.csv',
     {'modified': '2026-11-01 06:00:00', 'read': '2026-11-01 06:00:00', 'delivered': '2026-11-01 06:00:00',
      'source': 'GLENTRY.all.2026-11-01T06-00-00Z.csv'}, NULL, '20261101T060000|GLENTRY.all.2026-11-01T06-00-00Z'),
    ('2', 20, '2026-10-01', '2026-11-01 06:00:00', true, '2026-11-01 06:01:00', 'GLENTRY.delete.x.csv',
     {'modified': '2026-11-01 07:00:00', 'read': '2026-11-01 07:00:00', 'delivered': '2026-11-01 07:00:00',
      'source': 'GLENTRY.delete.x.csv'},
     {'live': true, 'modified': '2026-11-01 06:00:00', 'read': '2026-11-01 06:00:00',
      'delivered': '2026-11-01 06:00:00', 'source': 'GLENTRY.all.2026-11-01T06-00-00Z.csv'},
     '20261101T060000|GLENTRY.all.2026-11-01T06-00-00Z');
"""


def columns_of(path) -> dict[str, list[str]]:
    """Each table's columns, so rows can be compared after a migration added columns of its own."""
    connection = duckdb.connect(str(path), read_only=True)
    try:
        rows = connection.execute(
            "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
            "JOIN duckdb_tables() USING (database_name, schema_name, table_name) "
            "WHERE table_name <> ? ORDER BY schema_name, table_name, column_index",
            [layout.LAYOUT_TABLE],
        ).fetchall()
    finally:
        connection.close()
    columns: dict[str, list[str]] = {}
    for schema, table, column in rows:
        columns.setdefault(f"{schema}.{table}", []).append(column)
    return columns


def every_row(path, columns: dict[str, list[str]] | None = None) -> dict[str, list[tuple]]:
    """Every row of every table; of ``columns`` only (those of an earlier layout) when given."""
    columns = columns or columns_of(path)
    connection = duckdb.connect(str(path), read_only=True)
    try:
        return {
            table: connection.execute(
                f"SELECT {', '.join(quote(c) for c in names)} FROM {table} ORDER BY ALL"
            ).fetchall()
            for table, names in columns.items()
        }
    finally:
        connection.close()


@pytest.fixture
def release_0(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    connection = duckdb.connect(str(path))
    connection.execute(RELEASE_0)
    connection.close()
    return path


def test_a_warehouse_of_the_previous_release_keeps_every_row_and_cursor(release_0, tmp_path):
    release_columns = columns_of(release_0)
    before = every_row(release_0)
    assert len(before) == 9 and all(before.values())
    warehouse = Warehouse(str(release_0))
    with warehouse.connect() as connection:
        assert layout.layout_version(connection) == LAYOUT_VERSION
        state = load_state(connection, "vendor", "US01")
        assert (state.cursor, state.full_load_after_key) == (datetime(2026, 11, 30, 10), "V-4")
        assert load_reverse_state(connection, "crm")["C-1"].intacct_key == "12"
        assert finished_files(connection, ["GLENTRY.all.2026-11-01T06-00-00Z.csv"]) == {
            ("GLENTRY.all.2026-11-01T06-00-00Z.csv", "e1")
        }
        assert state.refused_fields is None  # the column version 2 added
    assert every_row(release_0, release_columns) == before
    # and the code goes on writing to it: a change file merges into the migrated table
    change = tmp_path / "GLENTRY.change.2026-11-02T06-00-00Z.csv"
    change.write_bytes(
        dds_csv(
            GLENTRY_COLUMNS, [glentry_row("3", "2026-11-02T05:00:00Z", change="create", read="2026-11-02T06:00:00Z")]
        )
    )
    ingest = DdsIngest(warehouse, s3_client=None, settings=DdsSettings(bucket="local"))
    outcome = ingest.load_local(
        load_catalog().get("GLENTRY"),
        S3Object(change.name, "e3", change.stat().st_size, datetime(2026, 11, 2)),
        FileNameParser().parse(change.name),
        change,
    )
    assert (outcome.outcome, outcome.counts.inserted) == ("ingested", 1)
    with warehouse.connect() as connection:
        assert run(connection, "SELECT RECORDNO, _intacct_deleted FROM dds.glentry ORDER BY 1") == [
            ("1", False),
            ("2", True),
            ("3", False),
        ]
        assert run(connection, "SELECT version FROM intacct_meta.warehouse_layout ORDER BY 1") == [
            (version,) for version in range(1, LAYOUT_VERSION + 1)
        ]  # every step, each recorded once


def test_a_new_warehouse_starts_at_the_current_layout(tmp_path):
    with Warehouse(str(tmp_path / "new.duckdb")).connect() as connection:
        assert layout.layout_version(connection) == LAYOUT_VERSION
        tables = {
            t
            for (t,) in run(
                connection, "SELECT table_name FROM duckdb_tables() WHERE schema_name = ?", [layout.META_SCHEMA]
            )
        }
    assert tables == set(layout.META_TABLES)


def test_a_newer_warehouse_is_refused_and_left_alone(release_0):
    with Warehouse(str(release_0)).connect():
        pass
    connection = duckdb.connect(str(release_0))
    connection.execute("INSERT INTO intacct_meta.warehouse_layout VALUES (?, now())", [LAYOUT_VERSION + 1])
    connection.close()
    before = every_row(release_0)
    newer = f"layout version {LAYOUT_VERSION + 1}, newer than this code's"
    with pytest.raises(WarehouseLayoutError, match=newer), Warehouse(str(release_0)).connect():
        pass
    assert every_row(release_0) == before


def test_a_failed_migration_leaves_the_file_as_it_was(release_0, monkeypatch):
    """All steps run in one transaction: a step that fails (here a next step) undoes the ones before it."""

    def broken_step(connection):
        connection.execute("ALTER TABLE intacct_meta.dds_files ADD COLUMN batches INTEGER")
        raise RuntimeError("step failed")

    monkeypatch.setitem(layout.MIGRATIONS, LAYOUT_VERSION + 1, broken_step)
    monkeypatch.setattr(layout, "LAYOUT_VERSION", LAYOUT_VERSION + 1)
    before = every_row(release_0)
    with pytest.raises(RuntimeError, match="step failed"), Warehouse(str(release_0)).connect():
        pass
    assert every_row(release_0) == before
    connection = duckdb.connect(str(release_0), read_only=True)
    assert layout.layout_version(connection) == 0  # no version recorded, no column added
    connection.close()
