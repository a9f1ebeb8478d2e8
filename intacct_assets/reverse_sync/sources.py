"""Which warehouse tables a reverse sync reads: what its automation waits for and its source checks guard."""

from __future__ import annotations

import sqlglot
from sqlglot import expressions as exp

from intacct_assets.reverse_sync.spec import SyncSpec

DEFAULT_SCHEMA = "main"


def source_tables(spec: SyncSpec) -> list[str]:
    """``schema.table`` of its table, or of every table its SQL names (``main`` when unqualified); none for a
    source given as an asset."""
    if spec.source.table:
        schema, _, table = spec.source.table.rpartition(".")
        return [f"{schema or DEFAULT_SCHEMA}.{table}"]
    if spec.source.sql:
        tables = sqlglot.parse_one(spec.source.sql, read="duckdb").find_all(exp.Table)
        return sorted({f"{t.db or DEFAULT_SCHEMA}.{t.name}" for t in tables if t.name})
    return []
