"""Newest-wins merge of a batch of records into a warehouse table (columns in ``meta_columns``, the versions' SQL in
``row_versions``).

A record version is the struct ``(modified, read, delivered, source)``, compared field by field:
modified time, read time (``ddsReadTime``), delivery time, then the source (file key) as the
tie-breaker (within one batch, the record's position breaks ties). A table row holds two maxima:

* the *state* (``_intacct_version``) — the newest version of any kind decides ``_intacct_deleted``;
* the *data* (``_intacct_data_version`` = live flag + version) — the newest live version decides
  the business columns, so a tombstone keeps the record's last known values. It is stored as
  NULL in the usual case where it is the live state itself, which halves the bookkeeping written.

A live record of an ``all`` delivery also counts as seen live when it was read: its version is at
least ``(ddsReadTime, ddsReadTime, delivery, source)``, so a newer full export outranks an older one's
absence tombstone and any change made before the read.

Both are maxima, so merging batches in any order, any number of times, yields the same table.
``_intacct_snapshot`` remembers the newest ``all`` delivery a key appeared in, which is how
records missing from a complete snapshot are found (see ``tombstone_absent``).

A batch frame holds the business columns plus, per record, ``_intacct_modified``,
``_intacct_read``, ``_intacct_position`` and ``_intacct_deleted``; what is the same for the whole
batch (source, delivery time, snapshot) travels in ``BatchOrigin`` and is added in SQL, so the
frame stays small.
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime

import duckdb
import polars as pl

from intacct_assets.warehouse.connection import memory_limit_lowered, run, scanned, threads_lowered, undone_after
from intacct_assets.warehouse.merge_terms import BatchOrigin, MergeCounts, TargetTable, Tombstone, is_reserved_column
from intacct_assets.warehouse.meta_columns import (
    BATCH_ROW,
    DATA_LIVE,
    DATA_MODIFIED,
    DATA_READ,
    DATA_VERSION,
    DELETED,
    META_COLUMNS,
    MODIFIED,
    POSITION,
    READ,
    SNAPSHOT,
    SOURCE,
    SYNCED_AT,
    VERSION,
)
from intacct_assets.warehouse.row_versions import batch_versions, effective_data_version, stored_data_version
from intacct_assets.warehouse.sql import DUCKDB_TYPES, UnsafeIdentifierError, quote

CHUNK_ROWS = 500_000
# DuckDB memory while a batch is appended to an empty table: the append itself needs little, but DuckDB
# keeps every block it writes cached up to its limit (a cold million-row load peaked at 1.1 GB, not 0.85).
APPEND_MEMORY_LIMIT = "512MiB"


def newest_per_key(batch: pl.DataFrame, key: tuple[str, ...]) -> pl.DataFrame:
    """One row per key: the newest state, and the newest live data when that is another record."""
    # distinct hashes prove distinct keys (a collision only costs the de-duplication below); 4x faster
    hashes = batch[key[0]].hash() if len(key) == 1 else batch.select(pl.struct(key).hash()).to_series()
    if hashes.n_unique() == batch.height:
        return batch
    order = [pl.col(MODIFIED), pl.col(READ), pl.col(POSITION)]
    state = (
        batch.sort(order, nulls_last=False)
        .unique(subset=list(key), keep="last")
        .select(*key, MODIFIED, READ, POSITION, DELETED)
    )
    data = (
        batch.sort([~pl.col(DELETED), *order], nulls_last=False)
        .unique(subset=list(key), keep="last")
        .rename({MODIFIED: DATA_MODIFIED, READ: DATA_READ})
        .with_columns((~pl.col(DELETED)).alias(DATA_LIVE))
        .drop(DELETED, POSITION)
    )
    return data.join(state, on=list(key), nulls_equal=True)


def _sql(connection: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]) -> list[tuple]:
    """Run with just the named parameters the statement uses (DuckDB rejects unused ones)."""
    return run(connection, sql, {name: value for name, value in params.items() if f"${name}" in sql})


def ensure_table(connection: duckdb.DuckDBPyConnection, target: TargetTable, columns: list[str]) -> None:
    """Create the table, or add columns that appeared since (a vanished column simply stays).

    Looks at the one table only: the ``information_schema`` views cost a connection ~15 ms the first time.
    """
    qualified = target.qualified
    run(connection, f"CREATE SCHEMA IF NOT EXISTS {quote(target.schema)}")
    definitions = [f"{quote(c)} {DUCKDB_TYPES[target.column_types.get(c, 'string')]}" for c in columns]
    definitions += [f"{quote(c)} {kind}" for c, kind in META_COLUMNS.items()]
    run(connection, f"CREATE TABLE IF NOT EXISTS {qualified} ({', '.join(definitions)})")
    existing = {name.lower() for (name,) in run(connection, "SELECT name FROM pragma_table_info(?)", [qualified])}
    for column in columns:
        if column.lower() not in existing:
            kind = DUCKDB_TYPES[target.column_types.get(column, "string")]
            run(connection, f"ALTER TABLE {qualified} ADD COLUMN {quote(column)} {kind}")


def _key_match(key: tuple[str, ...], left: str, right: str) -> str:
    operator = "IS NOT DISTINCT FROM" if len(key) > 1 else "="
    return " AND ".join(f"{left}.{quote(k)} {operator} {right}.{quote(k)}" for k in key)


def merge_batch(
    connection: duckdb.DuckDBPyConnection,
    target: TargetTable,
    batch: pl.DataFrame,
    origin: BatchOrigin,
    synced_at: datetime,
    floor: Tombstone | None = None,
    new_keys_likely: bool = False,
) -> MergeCounts:
    """Merge one batch (any number of rows per key) inside the caller's transaction.

    ``floor`` is the newest complete snapshot's tombstone: a key the table has never seen whose
    version is older than the floor was already gone when that snapshot was taken. Large
    batches are planned in chunks, which bounds DuckDB's memory; keys are unique after
    de-duplication, so chunks cannot interfere. ``new_keys_likely`` (e.g. an API full load into a table
    without live rows): look for the batch's keys in the table first; when none is there, append the batch
    like a first one, without the plan (~40% cheaper).
    """
    if batch.is_empty():
        return MergeCounts()
    records = batch.height
    batch = newest_per_key(batch, target.key)
    counts = MergeCounts(unchanged=records - batch.height)  # older versions superseded within the batch
    data_columns = [c for c in batch.columns if not c.startswith("_intacct_")]
    reserved = [c for c in data_columns if is_reserved_column(c)]
    if reserved:
        raise UnsafeIdentifierError(f"column name(s) {', '.join(map(repr, reserved))} are reserved (rowid, _intacct_*)")
    ensure_table(connection, target, data_columns)
    params = {**origin.params(), "synced_at": synced_at, **(floor.params("floor") if floor else {})}
    empty = run(connection, f"SELECT count(*) = 0 FROM (SELECT 1 FROM {target.qualified} LIMIT 1)")[0][0]
    if empty or (new_keys_likely and _all_keys_new(connection, target, batch)):
        # every key is new: one plain append. A parallel append leaves a partly filled row group per thread; after
        # a file's first batch they made its commit's checkpoint merge and rewrite the table's row groups (10 s of
        # a 4M-row file's 29 s), so an append to a table that holds rows already runs on one thread and continues
        # its last row group.
        one_thread = nullcontext() if empty else threads_lowered(connection, 1)
        with scanned("_intacct_batch", batch), memory_limit_lowered(connection, APPEND_MEMORY_LIMIT), one_thread:
            counts += _insert_all(connection, target, data_columns, batch.columns, batch.height, params, floor)
        return counts
    for offset in range(0, batch.height, CHUNK_ROWS):
        chunk = batch.slice(offset, CHUNK_ROWS).with_row_index(BATCH_ROW)
        counts += _merge_chunk(connection, target, data_columns, chunk, params, floor)
    return counts


def table_is_empty(connection: duckdb.DuckDBPyConnection, target: TargetTable) -> bool:
    """Whether the table has no rows yet (or does not exist)."""
    exists = run(
        connection,
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = ? AND table_name = ?",
        [target.schema, target.name],
    )[0][0]
    return not exists or run(connection, f"SELECT count(*) = 0 FROM (SELECT 1 FROM {target.qualified} LIMIT 1)")[0][0]


def _all_keys_new(connection: duckdb.DuckDBPyConnection, target: TargetTable, batch: pl.DataFrame) -> bool:
    """No key of ``batch`` is in the table yet (its keys are unique)."""
    with scanned("_intacct_keys", batch.select(target.key)):
        return not run(
            connection,
            f"SELECT EXISTS (SELECT 1 FROM _intacct_keys b JOIN {target.qualified} t "
            f"ON {_key_match(target.key, 'b', 't')})",
        )[0][0]


def _insert_sql(
    table: str,
    data_columns: list[str],
    deleted: str,
    version: str,
    source: str,
    data_version: str,
    snapshot: str,
    rows: str,
) -> str:
    columns = ", ".join(quote(c) for c in data_columns)
    selected = ", ".join(f"b.{quote(c)}" for c in data_columns)
    return f"""
        INSERT INTO {table} ({columns}, {DELETED}, {SYNCED_AT}, {SOURCE}, {VERSION}, {DATA_VERSION}, {SNAPSHOT})
        SELECT {selected}, {deleted}, $synced_at, {source}, {version}, {data_version}, {snapshot}
        {rows}"""


def _insert_all(
    connection: duckdb.DuckDBPyConnection,
    target: TargetTable,
    data_columns: list[str],
    batch_columns: list[str],
    rows: int,
    params: dict,
    floor: Tombstone | None,
) -> MergeCounts:
    """Every key of the batch is new to the table: plain appends."""
    version, data_version = batch_versions(batch_columns, params["snapshot"] is not None)
    if floor is None:
        deleted, state, source = f"b.{DELETED}", version, "$source"
    else:
        below = f"({version} < {floor.sql('floor')})"
        deleted = f"(b.{DELETED} OR {below})"
        state = f"CASE WHEN {below} THEN {floor.sql('floor')} ELSE {version} END"
        source = f"CASE WHEN {below} THEN $floor_source ELSE $source END"
    if floor is None and DATA_LIVE not in batch_columns:
        stored = f"CASE WHEN b.{DELETED} THEN {data_version} END"  # live rows: NULL, the state itself
    else:
        stored = stored_data_version(data_version, state)
    _sql(
        connection,
        _insert_sql(
            target.qualified,
            data_columns,
            deleted=deleted,
            version=state,
            source=source,
            data_version=stored,
            snapshot="$snapshot",
            rows="FROM _intacct_batch b",
        ),
        params,
    )
    tombstones = _sql(connection, f"SELECT count(*) FILTER ({deleted}) FROM _intacct_batch b", params)[0][0]
    return MergeCounts(inserted=rows - tombstones, deleted=tombstones)


def _merge_chunk(
    connection: duckdb.DuckDBPyConnection,
    target: TargetTable,
    data_columns: list[str],
    chunk: pl.DataFrame,
    params: dict,
    floor: Tombstone | None,
) -> MergeCounts:
    """Plan against the table with keys and versions only; ship business columns just for rows that change."""
    table = target.qualified
    version, data_version = batch_versions(chunk.columns, params["snapshot"] is not None)
    bookkeeping = [c for c in chunk.columns if c.startswith("_intacct_")]
    with undone_after(lambda: run(connection, "DROP TABLE IF EXISTS _intacct_plan")):
        with scanned("_intacct_batch", chunk.select(*target.key, *bookkeeping)):
            counts = _plan_and_update(connection, target, version, data_version, chunk.height, params, floor)
        if run(connection, "SELECT count(*) FROM _intacct_plan WHERE _take_data")[0][0]:
            run(
                connection,
                f"DELETE FROM {table} WHERE rowid IN (SELECT _t_rowid FROM _intacct_plan "
                "WHERE _take_data AND NOT _is_new)",
            )
            with scanned("_intacct_batch", chunk):
                _sql(
                    connection,
                    _insert_sql(
                        table,
                        data_columns,
                        deleted="p._deleted",
                        version="p._version",
                        source="p._source",
                        data_version="p._data_version",
                        snapshot="p._snapshot",
                        rows=f"FROM _intacct_plan p JOIN _intacct_batch b ON b.{BATCH_ROW} = p._row WHERE p._take_data",
                    ),
                    params,
                )
        return counts


def _plan_and_update(
    connection: duckdb.DuckDBPyConnection,
    target: TargetTable,
    version: str,
    data_version: str,
    rows: int,
    params: dict,
    floor: Tombstone | None,
) -> MergeCounts:
    """Build the plan (rows that change anything) and apply the state-only changes in place."""
    table = target.qualified
    t_data_version = effective_data_version("t")
    floor_sql = floor.sql("floor") if floor else "NULL"
    # The plan: one row per batch record that changes anything, with the row's new state.
    _sql(
        connection,
        f"""
        CREATE OR REPLACE TEMP TABLE _intacct_plan AS
        WITH versioned AS (
            SELECT b.{BATCH_ROW} AS _row, b.{DELETED} AS _b_deleted, {version} AS _b_version,
                   {data_version} AS _b_data_version, {", ".join(f"b.{quote(k)}" for k in target.key)}
            FROM _intacct_batch b
        ), joined AS (
            SELECT b._row, t.rowid AS _t_rowid, t.{VERSION} IS NULL AS _is_new,
                   coalesce(t.{DELETED}, false) AS _was_deleted,
                   t.{VERSION} IS NULL OR b._b_data_version > {t_data_version} AS _take_data,
                   t.{VERSION} IS NULL OR b._b_version > t.{VERSION} AS _take_state,
                   b._b_version, b._b_deleted, t.{VERSION} AS _t_version, t.{DELETED} AS _t_deleted,
                   t.{SOURCE} AS _t_source, greatest(b._b_data_version, {t_data_version}) AS _data_version,
                   nullif(greatest(coalesce($snapshot, ''), coalesce(t.{SNAPSHOT}, '')), '') AS _snapshot
            FROM versioned b LEFT JOIN {table} t ON {_key_match(target.key, "b", "t")}
            WHERE t.{VERSION} IS NULL OR b._b_version > t.{VERSION} OR b._b_data_version > {t_data_version}
               OR coalesce($snapshot, '') > coalesce(t.{SNAPSHOT}, '')
        ), floored AS (
            SELECT *, _is_new AND {floor_sql} IS NOT NULL AND _b_version < {floor_sql} AS _below_floor FROM joined
        ), decided AS (
            SELECT _row, _t_rowid, _is_new, _was_deleted, _take_data, _take_state, _data_version, _snapshot,
                   CASE WHEN _below_floor THEN {floor_sql} WHEN _take_state THEN _b_version ELSE _t_version END
                       AS _version,
                   CASE WHEN _below_floor THEN true WHEN _take_state THEN _b_deleted ELSE _t_deleted END AS _deleted,
                   CASE WHEN _below_floor THEN {"$floor_source" if floor else "NULL"} WHEN _take_state THEN $source
                        ELSE _t_source END AS _source
            FROM floored
        )
        SELECT * REPLACE ({stored_data_version("_data_version", "_version")} AS _data_version) FROM decided
        """,
        params,
    )
    inserted, deleted, updated = run(
        connection,
        """
        SELECT count(*) FILTER (_is_new AND NOT _deleted),
               count(*) FILTER (_deleted AND (_is_new OR NOT _was_deleted)),
               count(*) FILTER (NOT _is_new AND NOT (_deleted AND NOT _was_deleted) AND (_take_data OR _take_state))
        FROM _intacct_plan""",
    )[0]
    _sql(
        connection,
        f"""
        UPDATE {table} AS t SET {DELETED} = p._deleted, {VERSION} = p._version, {SOURCE} = p._source,
               {DATA_VERSION} = p._data_version, {SNAPSHOT} = p._snapshot, {SYNCED_AT} = $synced_at
        FROM _intacct_plan p WHERE t.rowid = p._t_rowid AND NOT p._take_data""",
        params,
    )
    unchanged = rows - inserted - updated - deleted
    return MergeCounts(inserted=inserted, updated=updated, deleted=deleted, unchanged=unchanged)


def tombstone_absent(
    connection: duckdb.DuckDBPyConnection,
    target: TargetTable,
    snapshot_id: str,
    tombstone: Tombstone,
    synced_at: datetime,
) -> int:
    """Delete every record that a complete snapshot did not contain and that is older than it.

    The rows are rewritten (appended anew, the old ones deleted) rather than updated in place: DuckDB keeps
    the undo data of an ``UPDATE`` in memory until the transaction ends (~3.4 GB for 10 million rows), while
    appended rows go to disk as they are written.
    """
    table = target.qualified
    condition = f"coalesce({SNAPSHOT}, '') < $snapshot AND {VERSION} < {tombstone.sql('tomb')}"
    params = {"snapshot": snapshot_id, **tombstone.params("tomb")}
    with undone_after(lambda: run(connection, "DROP TABLE IF EXISTS _intacct_absent")):
        _sql(
            connection,
            f"CREATE OR REPLACE TEMP TABLE _intacct_absent AS SELECT rowid AS _rowid, {DELETED} AS "
            f"_was_deleted FROM {table} WHERE {condition}",
            params,
        )
        absent, newly_deleted = run(
            connection, "SELECT count(*), count(*) FILTER (NOT _was_deleted) FROM _intacct_absent"
        )[0]
        if absent:
            _sql(
                connection,
                f"""
                INSERT INTO {table} SELECT * REPLACE (
                    true AS {DELETED}, {tombstone.sql("tomb")} AS {VERSION}, $tomb_source AS {SOURCE},
                    {effective_data_version(table)} AS {DATA_VERSION}, $synced_at::TIMESTAMP AS {SYNCED_AT})
                FROM {table} WHERE rowid IN (SELECT _rowid FROM _intacct_absent)""",
                {**params, "synced_at": synced_at},
            )
            run(connection, f"DELETE FROM {table} WHERE rowid IN (SELECT _rowid FROM _intacct_absent)")
    return newly_deleted
