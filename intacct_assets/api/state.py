"""API bookkeeping in ``intacct_meta``: the sync state of each (asset, entity) and the API call log.

``api_sync_state`` is written in the same DuckDB transaction as the rows it describes, so the
cursor can never run ahead of the data (or fall behind it) after a crash.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime

import duckdb

from intacct_assets.intacct.calllog import ApiCall
from intacct_assets.warehouse.connection import run
from intacct_assets.warehouse.ledger import META_SCHEMA, ensure_meta_tables

API_TABLES = {
    "api_sync_state": """
        asset VARCHAR NOT NULL, entity VARCHAR NOT NULL,
        cursor TIMESTAMP, deletes_cursor TIMESTAMP, reconciled_at TIMESTAMP,
        full_load_max_key VARCHAR, full_load_after_key VARCHAR, full_load_started_at TIMESTAMP,
        full_load_max_modified TIMESTAMP, fields_json VARCHAR, fields_at TIMESTAMP,
        last_run_id VARCHAR, last_success_at TIMESTAMP, updated_at TIMESTAMP,
        PRIMARY KEY (asset, entity)""",
    "api_calls": """
        run_id VARCHAR, asset VARCHAR, started_at TIMESTAMP, face VARCHAR, method VARCHAR, path VARCHAR,
        operation VARCHAR, entity VARCHAR, status INTEGER, duration_ms DOUBLE, attempt INTEGER,
        transactions INTEGER, outcome VARCHAR, error VARCHAR, excerpt VARCHAR""",
}


@dataclass
class SyncState:
    """Where one asset stands in one entity context.

    ``cursor``: every change modified before it is in the table (the next window starts a look-back
    before it). ``full_load_*``: an unfinished full load, resumed after ``full_load_after_key``.
    """

    asset: str
    entity: str
    cursor: datetime | None = None
    deletes_cursor: datetime | None = None
    reconciled_at: datetime | None = None
    full_load_max_key: str | None = None
    full_load_after_key: str | None = None
    full_load_started_at: datetime | None = None
    full_load_max_modified: datetime | None = None
    fields_json: str | None = None
    fields_at: datetime | None = None
    last_run_id: str | None = None
    last_success_at: datetime | None = None
    updated_at: datetime | None = None

    def clear_full_load(self) -> None:
        self.full_load_max_key = self.full_load_after_key = None
        self.full_load_started_at = self.full_load_max_modified = None


def ensure_api_tables(connection: duckdb.DuckDBPyConnection) -> None:
    ensure_meta_tables(connection)
    ensure_meta_tables(connection, API_TABLES)


def load_state(connection: duckdb.DuckDBPyConnection, asset: str, entity: str) -> SyncState:
    names = [f.name for f in fields(SyncState)]
    rows = run(connection, f"SELECT {', '.join(names)} FROM {META_SCHEMA}.api_sync_state "
                           "WHERE asset = ? AND entity = ?", [asset, entity])
    return SyncState(**dict(zip(names, rows[0], strict=True))) if rows else SyncState(asset, entity)


def save_state(connection: duckdb.DuckDBPyConnection, state: SyncState) -> None:
    row = asdict(state)
    run(connection, f"DELETE FROM {META_SCHEMA}.api_sync_state WHERE asset = ? AND entity = ?",
        [state.asset, state.entity])
    run(connection, f"INSERT INTO {META_SCHEMA}.api_sync_state ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
        list(row.values()))


def record_calls(connection: duckdb.DuckDBPyConnection, calls: list[ApiCall], run_id: str | None,
                 asset: str) -> None:
    if not calls:
        return
    connection.executemany(
        f"INSERT INTO {META_SCHEMA}.api_calls VALUES ({', '.join('?' * 15)})",
        [[run_id, asset, c.started_at.replace(tzinfo=None), c.face, c.method, c.path, c.operation, c.entity, c.status,
          c.duration_ms, c.attempt, c.transactions, c.outcome, c.error, c.excerpt] for c in calls])

