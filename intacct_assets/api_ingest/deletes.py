"""Turning what Intacct says about deletions into tombstones (and creations into rows to read).

Two sources: audit-trail events (see ``api_ingest/audit.py``), and a reconciliation that lists every key (and
modified time) of the object and compares it with the table. Both only tombstone rows that exist and
are live in the table, for the entity context being synced. Creation events name the records the
modified-time window cannot see (a record whose modified time is empty): those the table lacks are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl

from intacct_assets.api_ingest.schema import ENTITY_COLUMN
from intacct_assets.api_ingest.typed_pages import API_ORIGIN, tombstones, utc_now
from intacct_assets.warehouse.column_types import timestamp
from intacct_assets.warehouse.connection import registered, run
from intacct_assets.warehouse.merge import DELETED, SYNCED_AT, VERSION, MergeCounts, TargetTable, merge_batch
from intacct_assets.warehouse.sql import quote

# OBJECTKEY as ``<RECORDNO>--<suffix>``: what estuary/connectors source-sage-intacct parses ("1234--REC")
_NUMBERED_KEY = r"^(\d+)--\w+$"


@dataclass
class Reconciliation:
    absent: pl.DataFrame  # key, modified, read: live rows Intacct no longer has -> tombstones
    refetch: list[str]  # keys Intacct has that the table lacks or holds an older version of


def _table_exists(connection: duckdb.DuckDBPyConnection, target: TargetTable) -> bool:
    return bool(
        run(
            connection,
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [target.schema, target.name],
        )[0][0]
    )


@dataclass
class AuditMatch:
    counts: MergeCounts  # of the rows tombstoned
    unmatched: int  # events naming no row of the table
    uncertain: pl.DataFrame  # key, at: live rows a bare number may name, to be confirmed gone by asking Intacct


def apply_audit_deletions(
    connection: duckdb.DuckDBPyConnection, target: TargetTable, entity: str, key: str, name: str, events: pl.DataFrame
) -> AuditMatch:
    """Tombstone the live rows named by delete events (``OBJECTKEY``, ``ACCESSTIME`` text).

    ``OBJECTKEY`` is the object's unique name field (column ``name``: CUSTOMERID, the REST ``id``…; the
    record key where the object has none), as documented; ``<number>--<suffix>`` names the record key
    (what estuary/connectors source-sage-intacct parses). A bare number is ambiguous — a name, or a record
    number as the same connector saw for some objects — and a customer named "12" must not take record 12
    with it: the live rows it may name are returned, for the caller to tombstone only those Intacct no
    longer has.
    """
    empty = pl.DataFrame(schema={"key": pl.String, "at": pl.Datetime("us")})
    if events.is_empty() or not _table_exists(connection, target):
        return AuditMatch(MergeCounts(), events.height, empty)
    deleted = (
        events.select(pl.col("OBJECTKEY").alias("object_key"), timestamp(pl.col("ACCESSTIME")).alias("at"))
        .group_by("object_key")
        .agg(pl.col("at").max())
        .with_columns(
            pl.col("object_key").str.extract(_NUMBERED_KEY).alias("numbered"),
            pl.col("object_key").str.contains(r"^\d+$").alias("bare"),
        )
    )
    if name not in _columns(connection, target):
        name = key  # a catalog naming a field the object does not have: its key
    certain = f"(NOT d.bare AND d.numbered IS NULL AND t.{quote(name)} = d.object_key OR t.{quote(key)} = d.numbered)"
    maybe = f"(d.bare AND (t.{quote(name)} = d.object_key OR t.{quote(key)} = d.object_key))"
    live = f"t.{ENTITY_COLUMN} = $entity AND NOT t.{DELETED}"
    with registered(connection, "_intacct_deleted_keys", deleted):
        matched, uncertain = (
            _frame(
                connection,
                f"""
            SELECT DISTINCT t.{quote(key)} AS key, d.at
            FROM {target.qualified} t JOIN _intacct_deleted_keys d ON {condition} WHERE {live}""",
                {"entity": entity},
            )
            for condition in (certain, maybe)
        )
        unmatched = run(
            connection,
            f"""
            SELECT count(*) FROM _intacct_deleted_keys d WHERE NOT EXISTS (SELECT 1 FROM {target.qualified} t
                WHERE t.{ENTITY_COLUMN} = $entity AND ({certain} OR {maybe}))""",
            {"entity": entity},
        )[0][0]
    return AuditMatch(
        tombstone_deleted(connection, target, entity, key, matched), unmatched, uncertain if uncertain.height else empty
    )


def unseen_creations(
    connection: duckdb.DuckDBPyConnection, target: TargetTable, entity: str, key: str, name: str, events: pl.DataFrame
) -> tuple[list[str], list[str]]:
    """Records created (``OBJECTKEY`` text of creation events) that the table has no row for, as (names,
    record keys) to read: ``<number>--<suffix>`` by record key, a bare number both ways (reading is harmless),
    anything else by the unique name field."""
    created = (
        events.select(pl.col("OBJECTKEY").alias("object_key"))
        .unique()
        .with_columns(
            pl.col("object_key").str.extract(_NUMBERED_KEY).alias("numbered"),
            pl.col("object_key").str.contains(r"^\d+$").alias("bare"),
        )
    )
    if created.is_empty():
        return [], []
    if _table_exists(connection, target):
        if name not in _columns(connection, target):
            name = key
        with registered(connection, "_intacct_created_keys", created):
            created = _frame(
                connection,
                f"""
                SELECT d.* FROM _intacct_created_keys d WHERE NOT EXISTS (
                    SELECT 1 FROM {target.qualified} t WHERE t.{ENTITY_COLUMN} = $entity AND
                    (d.numbered IS NULL AND t.{quote(name)} = d.object_key OR t.{quote(key)} = d.numbered
                     OR d.bare AND t.{quote(key)} = d.object_key))""",
                {"entity": entity},
            )
    named = created.filter(pl.col("numbered").is_null())["object_key"].to_list()
    numbered = created.filter(pl.col("bare"))["object_key"].to_list() + created["numbered"].drop_nulls().to_list()
    return named, numbered


def tombstone_deleted(
    connection: duckdb.DuckDBPyConnection, target: TargetTable, entity: str, key: str, deleted: pl.DataFrame
) -> MergeCounts:
    """Tombstones for rows (``key``, ``at``: when Intacct deleted them)."""
    at = deleted.select("key", modified=pl.col("at"), read=pl.col("at"))
    return tombstone_absent(connection, target, entity, key, at)


def reconcile(
    connection: duckdb.DuckDBPyConnection,
    target: TargetTable,
    entity: str,
    key: str,
    modified: str | None,
    scanned: pl.DataFrame,
    scan_started: datetime,
) -> Reconciliation:
    """Compare a complete key scan (``key`` and optional ``modified`` text) with the table."""
    if not _table_exists(connection, target):
        return Reconciliation(pl.DataFrame(), scanned["key"].to_list())
    frame = scanned.select(
        pl.col("key"),
        timestamp(pl.col("modified")).alias("modified")
        if modified
        else pl.lit(None, pl.Datetime("us")).alias("modified"),
    )
    with registered(connection, "_intacct_scan", frame):
        absent = _frame(
            connection,
            f"""
            SELECT t.{quote(key)} AS key, struct_extract(t.{VERSION}, 'modified') AS modified, ?::TIMESTAMP AS read
            FROM {target.qualified} t ANTI JOIN _intacct_scan s ON t.{quote(key)} = s.key
            WHERE t.{ENTITY_COLUMN} = ? AND NOT t.{DELETED} AND t.{SYNCED_AT} < ?""",
            [scan_started, entity, scan_started],
        )
        stale = run(
            connection,
            f"""
            SELECT s.key FROM _intacct_scan s
            LEFT JOIN {target.qualified} t ON t.{quote(key)} = s.key AND t.{ENTITY_COLUMN} = ?
            WHERE t.{quote(key)} IS NULL OR t.{DELETED}
               OR s.modified > struct_extract(t.{VERSION}, 'modified')""",
            [entity],
        )
    return Reconciliation(absent, [row[0] for row in stale])


def tombstone_absent(
    connection: duckdb.DuckDBPyConnection, target: TargetTable, entity: str, key: str, absent: pl.DataFrame
) -> MergeCounts:
    """Tombstones for rows (``key``, ``modified``, ``read``: the version their deletion gets)."""
    if absent.is_empty():
        return MergeCounts()
    batch = tombstones(absent.rename({"key": key}), key, entity, pl.col("modified"), pl.col("read"))
    return merge_batch(connection, target, batch, API_ORIGIN, utc_now())


def _frame(connection: duckdb.DuckDBPyConnection, sql: str, params: list) -> pl.DataFrame:
    """A query result as polars, fully fetched (DuckDB refuses new work while a result is open)."""
    return pl.from_arrow(connection.sql(sql, params=params).to_arrow_table())


def _columns(connection: duckdb.DuckDBPyConnection, target: TargetTable) -> set[str]:
    return {
        name
        for (name,) in run(
            connection,
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            [target.schema, target.name],
        )
    }
