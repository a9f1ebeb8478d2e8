"""Raw text pages -> typed warehouse batches for the newest-wins merge.

Pages arrive as text columns named like the wire fields; this types them by ``warehouse.column_types`` (the
rules DDS files follow too), renames them to warehouse columns and adds the version columns the merge needs.
A record whose value cannot be read as its type is not merged but returned as rejected (nothing is lost
silently: it goes to ``intacct_meta.rejected_rows``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import polars as pl

from intacct_assets.api_ingest.schema import ENTITY_COLUMN, FieldSpec
from intacct_assets.warehouse.column_types import is_blank, read_typed, unreadable
from intacct_assets.warehouse.merge import DELETED, MODIFIED, POSITION, READ, BatchOrigin

API_ORIGIN = BatchOrigin(source="api", delivered=datetime(1970, 1, 1))  # a re-read unchanged row is "unchanged"
_ROW = "_intacct_row"


def utc_now() -> datetime:
    """Naive UTC, as the warehouse stores timestamps."""
    return datetime.now(UTC).replace(tzinfo=None)


def typed_batch(
    raw: pl.DataFrame, fields: list[FieldSpec], entity: str, modified: str | None, key: str | None = None
) -> tuple[pl.DataFrame, list[tuple[str, str]]]:
    """(batch for ``merge_batch``, rejected records as (reason, JSON text)); a record without its ``key``
    is rejected too (merged, it would be a live row that no later change or deletion can reach)."""
    present = [f for f in fields if f.source in raw.columns]
    types = {f.source: f.type for f in present}
    required = [is_blank(pl.col(key))] if key in types else []
    typed = read_typed(raw.select(list(types)).lazy().with_row_index(_ROW), types, row=_ROW, invalid=required)
    batch = typed.frame.sort(_ROW).select(  # in page order: of a key read twice, the later row wins the merge
        *(pl.col(f.source).alias(f.column) for f in present),
        pl.lit(entity, pl.String).alias(ENTITY_COLUMN),
        (pl.col(modified).cast(pl.Datetime("us")) if modified in types else pl.lit(None, pl.Datetime("us"))).alias(
            MODIFIED
        ),
        pl.lit(None, pl.Datetime("us")).alias(READ),
        pl.lit(0, pl.Int64).alias(POSITION),
        pl.lit(False).alias(DELETED),
    )
    return batch, _rejected(typed.rejected.drop(_ROW), present, key)


def _rejected(text: pl.DataFrame, fields: list[FieldSpec], key: str | None) -> list[tuple[str, str]]:
    """(reason naming the columns that cannot be read, the record as JSON) of each rejected record."""
    failed = unreadable(text, {f.source: f.type for f in fields})
    missing = text.select(is_blank(pl.col(key))).to_series() if key in text.columns else [False] * text.height
    rejected = []
    for record, names, no_key in zip(text.iter_rows(named=True), failed, missing, strict=True):
        columns = [f"{f.column} ({f.type})" for f in fields if f.source in names]
        columns += [f"{f.column} (required)" for f in fields if no_key and f.source == key]
        rejected.append((f"cannot read {', '.join(columns)}", json.dumps(record, default=str)))
    return rejected


def tombstones(keys: pl.DataFrame, key_column: str, entity: str, modified: pl.Expr, read: pl.Expr) -> pl.DataFrame:
    """Deletion records: the key, the entity, and a version that beats the last live one.

    Live API rows carry no read time, so a tombstone with a read time wins even at an equal
    modified time (AUDITHISTORY: both are the deletion time; reconciliation: the row's last
    modified time, read when the scan started).
    """
    return keys.select(
        pl.col(key_column),
        pl.lit(entity, pl.String).alias(ENTITY_COLUMN),
        modified.cast(pl.Datetime("us")).alias(MODIFIED),
        read.cast(pl.Datetime("us")).alias(READ),
        pl.lit(0, pl.Int64).alias(POSITION),
        pl.lit(True).alias(DELETED),
    )
