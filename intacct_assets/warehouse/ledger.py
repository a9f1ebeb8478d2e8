"""Reading and writing the DDS file ledger in ``intacct_meta`` (every table of that schema is declared, and created
on a file's first connection, by ``layout.py``; this module only fills some of them).

``dds_files`` has one row per file version (key + ETag) ever seen, with its outcome;
``rejected_rows`` keeps records that could not be loaded; ``dds_snapshots`` records complete
``all`` deliveries, whose absence tombstones later files must respect.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

import duckdb

from intacct_assets.warehouse.connection import run
from intacct_assets.warehouse.layout import META_SCHEMA

# Outcomes after which the same file version is never loaded again.
FINAL_OUTCOMES = ("ingested", "unchanged")


@dataclass
class FileRecord:
    """A row of ``intacct_meta.dds_files``."""

    key: str
    etag: str | None
    outcome: str
    object: str | None = None
    job_type: str | None = None
    delivery: str | None = None
    delivered_at: datetime | None = None
    part: int | None = None
    size_bytes: int | None = None
    last_modified: datetime | None = None
    records: int | None = None
    inserted: int | None = None
    updated: int | None = None
    deleted: int | None = None
    unchanged: int | None = None
    rejected: int | None = None
    message: str | None = None
    seconds: float | None = None
    run_id: str | None = None
    processed_at: datetime | None = None


def record_file(connection: duckdb.DuckDBPyConnection, record: FileRecord) -> None:
    """Insert or replace the ledger row of one file version."""
    row = asdict(record)
    run(
        connection,
        f"DELETE FROM {META_SCHEMA}.dds_files WHERE key = ? AND etag IS NOT DISTINCT FROM ?",
        [record.key, record.etag],
    )
    columns = ", ".join(row)
    placeholders = ", ".join("?" for _ in row)
    run(connection, f"INSERT INTO {META_SCHEMA}.dds_files ({columns}) VALUES ({placeholders})", list(row.values()))


def annotate_file(connection: duckdb.DuckDBPyConnection, key: str, etag: str | None, message: str) -> None:
    """Note on a loaded file's ledger row what its loading left undone (e.g. why its delivery was held)."""
    run(
        connection,
        f"UPDATE {META_SCHEMA}.dds_files SET message = ? WHERE key = ? AND etag IS NOT DISTINCT FROM ?",
        [message, key, etag],
    )


def finished_files(connection: duckdb.DuckDBPyConnection, keys: list[str]) -> set[tuple[str, str | None]]:
    """(key, etag) pairs already loaded for good, among ``keys``."""
    if not keys:
        return set()
    rows = run(
        connection,
        f"SELECT key, etag FROM {META_SCHEMA}.dds_files WHERE key IN (SELECT unnest(?)) AND outcome IN "
        f"({', '.join(repr(o) for o in FINAL_OUTCOMES)})",
        [keys],
    )
    return {(key, etag) for key, etag in rows}


def replace_rejected_rows(
    connection: duckdb.DuckDBPyConnection,
    source: str,
    etag: str | None,
    rows: list[tuple[int, str, str]],
    run_id: str | None,
    at: datetime,
) -> None:
    """Rejected records of one file version (replaced, so a replay does not duplicate them)."""
    run(
        connection,
        f"DELETE FROM {META_SCHEMA}.rejected_rows WHERE source = ? AND etag IS NOT DISTINCT FROM ?",
        [source, etag],
    )
    if rows:
        connection.executemany(
            f"INSERT INTO {META_SCHEMA}.rejected_rows VALUES (?, ?, ?, ?, ?, ?, ?)",
            [[source, etag, line, reason, raw, run_id, at] for line, reason, raw in rows],
        )


def delivery_parts(
    connection: duckdb.DuckDBPyConnection, object_name: str, delivery: str
) -> list[tuple[int | None, int, int]]:
    """(part, records, rejected records) of the delivery's files loaded so far (latest version of each key)."""
    return run(
        connection,
        f"""SELECT part, records, coalesce(rejected, 0) FROM {META_SCHEMA}.dds_files
            WHERE object = ? AND delivery = ? AND outcome IN ({", ".join(repr(o) for o in FINAL_OUTCOMES)})
            QUALIFY row_number() OVER (PARTITION BY key ORDER BY processed_at DESC) = 1""",
        [object_name, delivery],
    )


def latest_snapshot(connection: duckdb.DuckDBPyConnection, object_name: str) -> tuple[datetime, str, str] | None:
    """(delivery time, delivery, snapshot id) of the object's newest complete ``all`` delivery."""
    rows = run(
        connection,
        f"SELECT delivered_at, delivery, snapshot_id FROM {META_SCHEMA}.dds_snapshots WHERE object = ? "
        "ORDER BY snapshot_id DESC LIMIT 1",
        [object_name],
    )
    return rows[0] if rows else None


def snapshot_recorded(connection: duckdb.DuckDBPyConnection, object_name: str, delivery: str) -> bool:
    return (
        run(
            connection,
            f"SELECT count(*) FROM {META_SCHEMA}.dds_snapshots WHERE object = ? AND delivery = ?",
            [object_name, delivery],
        )[0][0]
        > 0
    )


def record_snapshot(
    connection: duckdb.DuckDBPyConnection,
    object_name: str,
    delivery: str,
    snapshot_id: str,
    delivered_at: datetime,
    parts: int,
    tombstoned: int,
    at: datetime,
) -> None:
    run(
        connection,
        f"INSERT INTO {META_SCHEMA}.dds_snapshots VALUES (?, ?, ?, ?, ?, ?, ?)",
        [object_name, delivery, snapshot_id, delivered_at, parts, tombstoned, at],
    )
