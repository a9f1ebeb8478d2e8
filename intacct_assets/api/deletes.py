"""Turning what Intacct says about deletions into tombstones.

Two sources: AUDITHISTORY delete events (``ACCESSMODE = 'D'``), and a reconciliation that lists
every key (and modified time) of the object and compares it with the table. Both only tombstone
rows that exist and are live in the table, for the entity context being synced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl

from intacct_assets.api.frames import API_ORIGIN, timestamp, tombstones, utc_now
from intacct_assets.api.schema import ENTITY_COLUMN
from intacct_assets.warehouse.connection import registered, run
from intacct_assets.warehouse.merge import DELETED, SYNCED_AT, VERSION, MergeCounts, TargetTable, merge_batch
from intacct_assets.warehouse.sql import quote

AUDIT_FIELDS = ("OBJECTKEY", "ACCESSTIME", "RECORDNO")


@dataclass
class Reconciliation:
    absent: pl.DataFrame  # key, modified, read: live rows Intacct no longer has -> tombstones
    refetch: list[str]  # keys Intacct has that the table lacks or holds an older version of


def _table_exists(connection: duckdb.DuckDBPyConnection, target: TargetTable) -> bool:
    return bool(run(connection, "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND "
                                "table_name = ?", [target.schema, target.name])[0][0])


def apply_audit_deletions(connection: duckdb.DuckDBPyConnection, target: TargetTable, entity: str, key: str,
                          events: pl.DataFrame) -> tuple[MergeCounts, int]:
    """Tombstone the live rows named by delete events (``OBJECTKEY``, ``ACCESSTIME`` text).

    Intacct's OBJECTKEY is usually the record number; when it is not (some objects log the ID),
    the event is matched on the ``id`` column instead. Returns (merge counts, events matching nothing).
    """
    if events.is_empty() or not _table_exists(connection, target):
        return MergeCounts(), events.height
    deleted = events.select(pl.col("OBJECTKEY").alias("object_key"), timestamp(pl.col("ACCESSTIME")).alias("at")) \
        .group_by("object_key").agg(pl.col("at").max())
    with registered(connection, "_intacct_deleted_keys", deleted):
        by_id = ' OR t."id" = d.object_key' if "id" in _columns(connection, target) and key != "id" else ""
        matched = _frame(connection, f"""
            SELECT DISTINCT t.{quote(key)} AS key, d.at
            FROM {target.qualified} t JOIN _intacct_deleted_keys d ON (t.{quote(key)} = d.object_key{by_id})
            WHERE t.{ENTITY_COLUMN} = ? AND NOT t.{DELETED}""", [entity])
        unmatched = run(connection, f"""
            SELECT count(*) FROM _intacct_deleted_keys d WHERE NOT EXISTS (
                SELECT 1 FROM {target.qualified} t
                WHERE t.{ENTITY_COLUMN} = ? AND (t.{quote(key)} = d.object_key{by_id}))""", [entity])[0][0]
    if matched.is_empty():
        return MergeCounts(), unmatched
    batch = tombstones(matched.rename({"key": key}), key, entity, pl.col("at"), pl.col("at"))
    return merge_batch(connection, target, batch, API_ORIGIN, utc_now()), unmatched


def reconcile(connection: duckdb.DuckDBPyConnection, target: TargetTable, entity: str, key: str,
              modified: str | None, scanned: pl.DataFrame, scan_started: datetime) -> Reconciliation:
    """Compare a complete key scan (``key`` and optional ``modified`` text) with the table."""
    if not _table_exists(connection, target):
        return Reconciliation(pl.DataFrame(), scanned["key"].to_list())
    frame = scanned.select(pl.col("key"), timestamp(pl.col("modified")).alias("modified") if modified
                           else pl.lit(None, pl.Datetime("us")).alias("modified"))
    with registered(connection, "_intacct_scan", frame):
        absent = _frame(connection, f"""
            SELECT t.{quote(key)} AS key, struct_extract(t.{VERSION}, 'modified') AS modified, ?::TIMESTAMP AS read
            FROM {target.qualified} t ANTI JOIN _intacct_scan s ON t.{quote(key)} = s.key
            WHERE t.{ENTITY_COLUMN} = ? AND NOT t.{DELETED} AND t.{SYNCED_AT} < ?""",
            [scan_started, entity, scan_started])
        stale = run(connection, f"""
            SELECT s.key FROM _intacct_scan s
            LEFT JOIN {target.qualified} t ON t.{quote(key)} = s.key AND t.{ENTITY_COLUMN} = ?
            WHERE t.{quote(key)} IS NULL OR t.{DELETED}
               OR s.modified > struct_extract(t.{VERSION}, 'modified')""", [entity])
    return Reconciliation(absent, [row[0] for row in stale])


def tombstone_absent(connection: duckdb.DuckDBPyConnection, target: TargetTable, entity: str, key: str,
                     absent: pl.DataFrame) -> MergeCounts:
    if absent.is_empty():
        return MergeCounts()
    batch = tombstones(absent.rename({"key": key}), key, entity, pl.col("modified"), pl.col("read"))
    return merge_batch(connection, target, batch, API_ORIGIN, utc_now())


def _frame(connection: duckdb.DuckDBPyConnection, sql: str, params: list) -> pl.DataFrame:
    """A query result as polars, fully fetched (DuckDB refuses new work while a result is open)."""
    return pl.from_arrow(connection.sql(sql, params=params).to_arrow_table())


def _columns(connection: duckdb.DuckDBPyConnection, target: TargetTable) -> set[str]:
    return {name for (name,) in run(connection, "SELECT column_name FROM information_schema.columns WHERE "
                                                "table_schema = ? AND table_name = ?", [target.schema, target.name])}
