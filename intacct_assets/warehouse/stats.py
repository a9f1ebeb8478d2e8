"""What a materialization reports about its table: rows, tombstones, key uniqueness, schema."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from intacct_assets.warehouse.connection import Warehouse, run
from intacct_assets.warehouse.merge import DELETED
from intacct_assets.warehouse.sql import quote, table_name


@dataclass
class TableReport:
    table: str
    row_count: int = 0
    live_rows: int = 0
    deleted_rows: int = 0
    duplicate_keys: int = 0
    columns: list[tuple[str, str]] = field(default_factory=list)


def table_report(warehouse: Warehouse, schema: str, table: str, key: tuple[str, ...]) -> TableReport:
    """Counts for ``schema.table``."""
    report = TableReport(table=f"{schema}.{table}")
    with warehouse.connect() as connection:
        report.columns = [
            (name, kind)
            for name, kind in run(
                connection,
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                [schema, table],
            )
        ]
        if not report.columns:
            return report
        qualified = table_name(schema, table)
        report.row_count, report.deleted_rows = run(
            connection, f"SELECT count(*), count(*) FILTER ({DELETED}) FROM {qualified}"
        )[0]
        report.live_rows = report.row_count - report.deleted_rows
        keys = ", ".join(quote(k) for k in key)
        report.duplicate_keys = run(
            connection, f"SELECT count(*) FROM (SELECT {keys} FROM {qualified} GROUP BY ALL HAVING count(*) > 1)"
        )[0][0]
    return report


def table_fingerprint(warehouse: Warehouse, table: str) -> tuple[str | None, int]:
    """(a digest of the table's columns and every row's content, its row count) for ``schema.table``: the digest
    changes whenever a row is added, removed or changed, in any order; None when there is no such table or view.

    It reads the whole table once: a data version for tables other tools write, whose changes leave no trace
    (DuckDB keeps no per-table modification time).
    """
    schema, _, name = table.rpartition(".")
    with warehouse.connect() as connection:
        columns = run(
            connection,
            "SELECT column_name, data_type FROM information_schema.columns WHERE "
            "table_schema = ? AND table_name = ? ORDER BY ordinal_position",
            [schema, name],
        )
        if not columns:
            return None, 0
        rows, content = run(connection, f"SELECT count(*), bit_xor(hash(t)) FROM {quote(schema)}.{quote(name)} AS t")[0]
    digest = hashlib.sha256(repr((columns, rows, content)).encode()).hexdigest()[:24]
    return digest, rows
