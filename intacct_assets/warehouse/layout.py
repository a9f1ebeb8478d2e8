"""The warehouse layout: every ``intacct_meta`` table, the layout version a DuckDB file records, and the
migrations that bring an older file forward.

Each connection checks the file's version (``intacct_meta.warehouse_layout``) before anything else. A new
file gets every table at the current layout; an older one is migrated forward, all steps in one transaction
(a failure leaves it as it was); a newer one is refused, since this code would misread it.

Changing the layout later (a meta table gains a column, a bookkeeping column changes):
1. change the table's declaration in ``META_TABLES`` (new files are created at the latest layout directly);
2. write one function that takes a file from the previous version to the new one, e.g.
   ``def _to_v2(connection): run(connection, "ALTER TABLE intacct_meta.api_sync_state ADD COLUMN ...")``,
   touching only what the step changes (``ADD COLUMN IF NOT EXISTS``, backfills with ``UPDATE``);
3. add it to ``MIGRATIONS`` under the new version, which becomes ``LAYOUT_VERSION``;
4. extend the migration test with a file of the previous layout.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import duckdb

META_SCHEMA = "intacct_meta"
LAYOUT_TABLE = "warehouse_layout"

META_TABLES: dict[str, str] = {
    # DDS deliveries: one row per file version (key + ETag) ever seen, with its outcome
    "dds_files": """
        key VARCHAR NOT NULL, etag VARCHAR, object VARCHAR, job_type VARCHAR, delivery VARCHAR,
        delivered_at TIMESTAMP, part INTEGER, size_bytes BIGINT, last_modified TIMESTAMP,
        records BIGINT, inserted BIGINT, updated BIGINT, deleted BIGINT, unchanged BIGINT, rejected BIGINT,
        outcome VARCHAR NOT NULL, message VARCHAR, seconds DOUBLE, run_id VARCHAR, processed_at TIMESTAMP""",
    # records that could not be loaded (DDS files and API pages)
    "rejected_rows": """
        source VARCHAR NOT NULL, etag VARCHAR, line BIGINT, reason VARCHAR, raw_text VARCHAR,
        run_id VARCHAR, rejected_at TIMESTAMP""",
    # complete DDS `all` deliveries, whose absences later files must respect
    "dds_snapshots": """
        object VARCHAR NOT NULL, delivery VARCHAR NOT NULL, snapshot_id VARCHAR NOT NULL,
        delivered_at TIMESTAMP NOT NULL, parts INTEGER, tombstoned BIGINT, completed_at TIMESTAMP""",
    # API ingestion: where each (asset, entity) stands, committed with its rows
    "api_sync_state": """
        asset VARCHAR NOT NULL, entity VARCHAR NOT NULL,
        cursor TIMESTAMP, deletes_cursor TIMESTAMP, reconciled_at TIMESTAMP,
        full_load_max_key VARCHAR, full_load_after_key VARCHAR, full_load_started_at TIMESTAMP,
        full_load_max_modified TIMESTAMP, fields_json VARCHAR, fields_at TIMESTAMP,
        last_run_id VARCHAR, last_success_at TIMESTAMP, updated_at TIMESTAMP,
        refused_fields VARCHAR,
        PRIMARY KEY (asset, entity)""",
    # every HTTP attempt to Intacct (redacted)
    "api_calls": """
        run_id VARCHAR, asset VARCHAR, started_at TIMESTAMP, face VARCHAR, method VARCHAR, path VARCHAR,
        operation VARCHAR, entity VARCHAR, status INTEGER, duration_ms DOUBLE, attempt INTEGER,
        transactions INTEGER, outcome VARCHAR, error VARCHAR, excerpt VARCHAR""",
    # reverse sync: what was last sent per sync and match value, every row's outcome, unanswered writes
    "reverse_sync_state": """
        sync VARCHAR NOT NULL, match_value VARCHAR NOT NULL, payload_hash VARCHAR, intacct_key VARCHAR,
        outcome VARCHAR, error VARCHAR, present BOOLEAN, synced_at TIMESTAMP""",
    "reverse_sync_results": """
        sync VARCHAR NOT NULL, run_id VARCHAR, match_value VARCHAR, operation VARCHAR, outcome VARCHAR,
        intacct_key VARCHAR, error VARCHAR, recorded_at TIMESTAMP""",
    "reverse_sync_pending": """
        sync VARCHAR NOT NULL, idempotency_key VARCHAR NOT NULL, operation VARCHAR, request JSON,
        members JSON, created_at TIMESTAMP""",
    # the layout version of this file: one row per version reached
    LAYOUT_TABLE: "version INTEGER NOT NULL, reached_at TIMESTAMP NOT NULL",
}


class WarehouseLayoutError(RuntimeError):
    """The file's layout is newer than this code knows."""


def _run(connection: duckdb.DuckDBPyConnection, sql: str, params: object = None) -> list[tuple]:
    return connection.execute(sql, params).fetchall() if params is not None else connection.execute(sql).fetchall()


def create_meta_tables(connection: duckdb.DuckDBPyConnection, names: tuple[str, ...] = tuple(META_TABLES)) -> None:
    """The named meta tables at the current layout, where they do not exist yet."""
    _run(connection, f"CREATE SCHEMA IF NOT EXISTS {META_SCHEMA}")
    for name in names:
        _run(connection, f"CREATE TABLE IF NOT EXISTS {META_SCHEMA}.{name} ({META_TABLES[name]})")


def _to_v1(connection: duckdb.DuckDBPyConnection) -> None:
    """Files written before layouts were recorded have the tables of version 1, less those not used yet."""
    create_meta_tables(connection, tuple(name for name in META_TABLES if name != LAYOUT_TABLE))


def _to_v2(connection: duckdb.DuckDBPyConnection) -> None:
    """API sync state remembers the fields Intacct refused in a query (never asked for again)."""
    _run(connection, f"ALTER TABLE {META_SCHEMA}.api_sync_state ADD COLUMN IF NOT EXISTS refused_fields VARCHAR")


# version reached → the step that reaches it from the version before
MIGRATIONS: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {1: _to_v1, 2: _to_v2}
LAYOUT_VERSION = max(MIGRATIONS)


def layout_version(connection: duckdb.DuckDBPyConnection) -> int | None:
    """The file's recorded version; 0 for a file of intacct_assets written before versions were recorded; None
    for a file it never wrote to."""
    schemas = {
        name
        for (name,) in _run(
            connection, "SELECT schema_name FROM duckdb_schemas() WHERE database_name = current_database()"
        )
    }
    if META_SCHEMA in schemas:
        tables = {
            name
            for (name,) in _run(
                connection,
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = ?",
                [META_SCHEMA],
            )
        }
        if LAYOUT_TABLE in tables:
            return _run(connection, f"SELECT coalesce(max(version), 0) FROM {META_SCHEMA}.{LAYOUT_TABLE}")[0][0]
        return 0
    return 0 if schemas & {"dds", "api"} else None


def _recorded_version(connection: duckdb.DuckDBPyConnection) -> int | None:
    """The version the file records, in one cheap query (the catalog look-ups of ``layout_version`` cost ~10 ms,
    paid by every connection); None when it records none."""
    try:
        return _run(connection, f"SELECT max(version) FROM {META_SCHEMA}.{LAYOUT_TABLE}")[0][0]
    except duckdb.CatalogException:
        return None


def ensure_layout(connection: duckdb.DuckDBPyConnection, path: str) -> None:
    """Bring the file to ``LAYOUT_VERSION``: create it, or migrate it forward in one transaction."""
    if _recorded_version(connection) == LAYOUT_VERSION:
        return
    version = layout_version(connection)
    if version == LAYOUT_VERSION:
        return
    if version is not None and version > LAYOUT_VERSION:
        raise WarehouseLayoutError(
            f"the warehouse {path} has layout version {version}, newer than this code's {LAYOUT_VERSION}: it was "
            "written by a newer intacct_assets. Upgrade intacct_assets, or point INTACCT_DUCKDB_PATH at another file"
        )
    steps = range(LAYOUT_VERSION, LAYOUT_VERSION + 1) if version is None else range(version + 1, LAYOUT_VERSION + 1)
    _run(connection, "BEGIN TRANSACTION")
    try:
        if version is None:
            create_meta_tables(connection)
        else:
            create_meta_tables(connection, (LAYOUT_TABLE,))
            for step in steps:
                MIGRATIONS[step](connection)
        now = datetime.now(UTC).replace(tzinfo=None)
        for step in steps:
            _run(connection, f"INSERT INTO {META_SCHEMA}.{LAYOUT_TABLE} VALUES (?, ?)", [step, now])
    except BaseException:
        _run(connection, "ROLLBACK")
        raise
    _run(connection, "COMMIT")
