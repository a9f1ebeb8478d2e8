"""Per-sync state and per-row results in ``intacct_meta`` (the memory that makes diffs possible).

``reverse_sync_state``: one row per sync and match value — the hash of what was last sent, the
Intacct key, the last outcome and whether the row is still in the source.
``reverse_sync_results``: every row's outcome of every run (created / updated / deleted / cleared /
unchanged / failed with Intacct's error text).
``reverse_sync_pending``: write requests sent (or about to be) whose outcome is not recorded yet
(answer lost, or the run died); the next run settles them first (see ``pending.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb
import polars as pl

from intacct_assets.warehouse.connection import registered, run
from intacct_assets.warehouse.layout import META_SCHEMA

SUCCESS = ("created", "updated", "deleted", "cleared", "unchanged", "absent")


@dataclass
class StateRow:
    match_value: str
    payload_hash: str | None
    intacct_key: str | None
    outcome: str | None
    present: bool
    synced_at: datetime | None = field(default=None, compare=False)  # when its last outcome was recorded


@dataclass
class RowResult:
    match_value: str
    operation: str
    outcome: str
    intacct_key: str | None = None
    error: str | None = None
    payload_hash: str | None = None


def load_state(connection: duckdb.DuckDBPyConnection, sync: str) -> dict[str, StateRow]:
    rows = run(
        connection,
        f"SELECT match_value, payload_hash, intacct_key, outcome, present, synced_at "
        f"FROM {META_SCHEMA}.reverse_sync_state WHERE sync = ?",
        [sync],
    )
    return {row[0]: StateRow(*row) for row in rows}


def save_results(
    connection: duckdb.DuckDBPyConnection, sync: str, run_id: str | None, results: list[RowResult], at: datetime
) -> None:
    """Record outcomes and move the state forward (in the caller's transaction)."""
    if not results:
        return
    frame = pl.DataFrame([vars(r) for r in results], schema={name: pl.String for name in RowResult.__annotations__})
    with registered(connection, "_sync_results_frame", frame):
        run(connection, "CREATE OR REPLACE TEMP TABLE _sync_results AS SELECT * FROM _sync_results_frame")
    run(
        connection,
        f"""INSERT INTO {META_SCHEMA}.reverse_sync_results
        SELECT ?, ?, match_value, operation, outcome, intacct_key, error, ? FROM _sync_results""",
        [sync, run_id, at],
    )
    # A success stores the sent hash; a failure keeps the previous hash so the row is retried.
    run(
        connection,
        f"""
        INSERT INTO {META_SCHEMA}.reverse_sync_state
        SELECT ?, r.match_value, NULL, NULL, NULL, NULL, true, ? FROM _sync_results r
        WHERE NOT EXISTS (SELECT 1 FROM {META_SCHEMA}.reverse_sync_state s
                          WHERE s.sync = ? AND s.match_value = r.match_value)""",
        [sync, at, sync],
    )
    run(
        connection,
        f"""
        UPDATE {META_SCHEMA}.reverse_sync_state AS s SET
            payload_hash = CASE WHEN r.outcome = 'failed' THEN s.payload_hash
                                WHEN r.operation IN ('delete', 'clear', 'absent') THEN NULL
                                ELSE coalesce(r.payload_hash, s.payload_hash) END,
            intacct_key = CASE WHEN r.operation = 'delete' AND r.outcome = 'deleted' THEN NULL
                               ELSE coalesce(r.intacct_key, s.intacct_key) END,
            outcome = r.outcome, error = r.error,
            present = r.operation NOT IN ('delete', 'clear', 'absent') OR r.outcome = 'failed',
            synced_at = ?
        FROM _sync_results r WHERE s.sync = ? AND s.match_value = r.match_value""",
        [at, sync],
    )
    run(connection, "DROP TABLE _sync_results")


def pending_requests(connection: duckdb.DuckDBPyConnection, sync: str) -> list[tuple[str, str, list, list, datetime]]:
    """(idempotency key, operation, request body, members, when it was about to be sent), in sending order."""
    rows = run(
        connection,
        "SELECT idempotency_key, operation, request, members, created_at "
        f"FROM {META_SCHEMA}.reverse_sync_pending WHERE sync = ? ORDER BY created_at",
        [sync],
    )
    return [
        (key, operation, json.loads(request), json.loads(members), created_at)
        for key, operation, request, members, created_at in rows
    ]


def remember_pending(
    connection: duckdb.DuckDBPyConnection, sync: str, requests: list[tuple[str, str, object, list]], at: datetime
) -> None:
    """(idempotency key, operation, request body, members) of writes about to be sent, in sending order
    (kept by ``created_at``, one microsecond apart)."""
    if not requests:
        return
    forget_pending(connection, sync, [key for key, *_ in requests])
    connection.executemany(
        f"INSERT INTO {META_SCHEMA}.reverse_sync_pending VALUES (?, ?, ?, ?, ?, ?)",
        [
            [sync, key, operation, json.dumps(request), json.dumps(members), at + timedelta(microseconds=index)]
            for index, (key, operation, request, members) in enumerate(requests)
        ],
    )


def forget_pending(connection: duckdb.DuckDBPyConnection, sync: str, keys: list[str]) -> None:
    if keys:
        run(
            connection,
            f"DELETE FROM {META_SCHEMA}.reverse_sync_pending WHERE sync = ? AND idempotency_key IN (SELECT unnest(?))",
            [sync, keys],
        )
