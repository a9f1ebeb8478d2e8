"""API bookkeeping in ``intacct_meta``: the sync state of each (asset, entity) and the API call log.

``api_sync_state`` is written in the same DuckDB transaction as the rows it describes, so the
cursor can never run ahead of the data (or fall behind it) after a crash.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime

import duckdb
import polars as pl

from intacct_assets.intacct.calllog import ApiCall, CallLog
from intacct_assets.warehouse.connection import registered, run
from intacct_assets.warehouse.layout import META_SCHEMA

CALL_COLUMNS = (
    "started_at",
    "face",
    "method",
    "path",
    "operation",
    "entity",
    "status",
    "duration_ms",
    "attempt",
    "transactions",
    "outcome",
    "error",
    "excerpt",
)


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
    refused_fields: str | None = None  # JSON list of fields Intacct refused in a query: never asked for again

    def clear_full_load(self) -> None:
        self.full_load_max_key = self.full_load_after_key = None
        self.full_load_started_at = self.full_load_max_modified = None


def load_state(connection: duckdb.DuckDBPyConnection, asset: str, entity: str) -> SyncState:
    names = [f.name for f in fields(SyncState)]
    rows = run(
        connection,
        f"SELECT {', '.join(names)} FROM {META_SCHEMA}.api_sync_state WHERE asset = ? AND entity = ?",
        [asset, entity],
    )
    return SyncState(**dict(zip(names, rows[0], strict=True))) if rows else SyncState(asset, entity)


def save_state(connection: duckdb.DuckDBPyConnection, state: SyncState) -> None:
    row = asdict(state)
    run(
        connection,
        f"DELETE FROM {META_SCHEMA}.api_sync_state WHERE asset = ? AND entity = ?",
        [state.asset, state.entity],
    )
    run(
        connection,
        f"INSERT INTO {META_SCHEMA}.api_sync_state ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
        list(row.values()),
    )


def record_calls(connection: duckdb.DuckDBPyConnection, calls: list[ApiCall], run_id: str | None, asset: str) -> None:
    """One INSERT of a frame (``executemany`` binds row by row: ~15 ms for a full load's 50 calls)."""
    if not calls:
        return
    rows = pl.DataFrame(
        {
            "run_id": [run_id] * len(calls),
            "asset": [asset] * len(calls),
            **{name: [getattr(c, name) for c in calls] for name in CALL_COLUMNS},
        },
        schema_overrides={"run_id": pl.String, "status": pl.Int32, "duration_ms": pl.Float64},
    )
    rows = rows.with_columns(pl.col("started_at").dt.replace_time_zone(None))
    with registered(connection, "_intacct_calls", rows):
        run(connection, f"INSERT INTO {META_SCHEMA}.api_calls BY NAME SELECT * FROM _intacct_calls")


class CallRecorder:
    """Records a sync's calls inside the transaction that ends each entity context (no transaction of
    their own); what a failure left unrecorded goes in one of its own at the end of the sync."""

    def __init__(self, log: CallLog, run_id: str | None, asset: str) -> None:
        self.log, self.run_id, self.asset = log, run_id, asset
        self.recorded = self._writing = log.mark()

    @property
    def pending(self) -> bool:
        return self.log.mark() > self.recorded

    def write(self, connection: duckdb.DuckDBPyConnection) -> None:
        """Inside the caller's transaction; call :meth:`committed` once it is committed."""
        calls = self.log.since(self.recorded)
        record_calls(connection, calls, self.run_id, self.asset)
        self._writing = self.recorded + len(calls)

    def committed(self) -> None:
        self.recorded = self._writing
