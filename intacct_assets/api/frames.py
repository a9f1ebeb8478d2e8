"""Raw text pages -> typed warehouse batches for the newest-wins merge.

Pages arrive as text columns named like the wire fields; this casts them to the catalog types,
renames them to warehouse columns and adds the version columns the merge needs. A record whose
value cannot be read as its type is not merged but returned as rejected (nothing is lost
silently: it goes to ``intacct_meta.rejected_rows``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import polars as pl

from intacct_assets.api.schema import ENTITY_COLUMN, FieldSpec
from intacct_assets.warehouse.exact import decimal_changed, exact_decimal, moment_changed
from intacct_assets.warehouse.merge import DELETED, MODIFIED, POSITION, READ, BatchOrigin

API_ORIGIN = BatchOrigin(source="api", delivered=datetime(1970, 1, 1))  # a re-read unchanged row is "unchanged"
TIMESTAMP_FORMATS = ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S%.fZ", "%m/%d/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S",
                     "%Y-%m-%dT%H:%M:%S%:z")
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")
TRUE_TEXT, FALSE_TEXT = ("true", "t", "1", "yes"), ("false", "f", "0", "no")


def timestamp(column: pl.Expr) -> pl.Expr:
    """Intacct timestamp text (REST ISO-8601 UTC or XML ``MM/DD/YYYY HH:MM:SS``) -> naive UTC."""
    return pl.coalesce([_parsed(column, fmt) for fmt in TIMESTAMP_FORMATS])


def _parsed(column: pl.Expr, fmt: str) -> pl.Expr:
    parsed = column.str.to_datetime(fmt, strict=False, time_unit="us")
    return parsed.dt.replace_time_zone(None) if "%:z" in fmt else parsed


def _timestamps(raw: pl.DataFrame, source: str) -> pl.Series:
    """``timestamp`` of a page's column, each format tried only while some values are unread: a page
    holds one format, so this parses once where the coalesce of every format parses five times."""
    text = raw.select(pl.col(source).str.strip_chars())
    written = text.select(pl.col(source) != "").to_series()  # null where the value is null
    result = pl.Series(source, [None] * raw.height, pl.Datetime("us"))
    for fmt in TIMESTAMP_FORMATS:
        result = result.fill_null(text.select(_parsed(pl.col(source), fmt)).to_series())
        if not (written & result.is_null()).any():
            break
    return result


def utc_now() -> datetime:
    """Naive UTC, as the warehouse stores timestamps."""
    return datetime.now(UTC).replace(tzinfo=None)


def parse_timestamp(text: str | None) -> datetime | None:
    if text in (None, ""):
        return None
    return pl.select(timestamp(pl.lit(text, pl.String))).item()


def _cast(column: pl.Expr, kind: str) -> pl.Expr:
    if kind == "string":
        return column
    text = column.str.strip_chars()
    if kind == "integer":
        return text.cast(pl.Int64, strict=False)
    if kind == "decimal":
        return exact_decimal(text)[0]
    if kind == "boolean":
        lowered = text.str.to_lowercase()
        return pl.when(lowered.is_in(TRUE_TEXT)).then(True).when(lowered.is_in(FALSE_TEXT)).then(False)
    if kind == "date":
        return pl.coalesce([text.str.to_date(fmt, strict=False) for fmt in DATE_FORMATS])
    if kind == "timestamp":
        return timestamp(text)
    raise ValueError(f"unknown column type {kind!r}")


def _unreadable(field: FieldSpec, raw: pl.Expr) -> pl.Expr:
    """A value was sent but its typed column lost it, or changed it (see ``warehouse.exact``)."""
    text, typed = raw.str.strip_chars(), pl.col(field.column)
    if field.type == "decimal":
        lost = typed.is_null() | decimal_changed(text)
    elif field.type in ("date", "timestamp"):
        formats = DATE_FORMATS if field.type == "date" else TIMESTAMP_FORMATS
        lost = typed.is_null() | moment_changed(text, typed, is_date=field.type == "date", formats=formats)
    else:
        lost = typed.is_null()
    return raw.is_not_null() & (text != "") & lost


def typed_batch(raw: pl.DataFrame, fields: list[FieldSpec], entity: str, modified: str | None,
                key: str | None = None) -> tuple[pl.DataFrame, list[tuple[str, str]]]:
    """(batch for ``merge_batch``, rejected records as (reason, JSON text)); a record without its ``key``
    is rejected too (merged, it would be a live row that no later change or deletion can reach)."""
    present = [f for f in fields if f.source in raw.columns]
    stamps = {f.source: _timestamps(raw, f.source) for f in present if f.type == "timestamp"}
    casts = [(pl.lit(stamps[f.source]) if f.source in stamps else _cast(pl.col(f.source), f.type)).alias(f.column)
             for f in present]
    typed = raw.select(*casts, *(pl.col(f.source).alias(f"_raw_{i}") for i, f in enumerate(present)))
    failed = [(f, _unreadable(f, pl.col(f"_raw_{i}"))) for i, f in enumerate(present) if f.type != "string"]
    failed += [(replace(f, type="required"), pl.col(f"_raw_{i}").fill_null("").str.strip_chars() == "")
               for i, f in enumerate(present) if f.source == key]
    rejected: list[tuple[str, str]] = []
    if failed:
        flags = typed.select(*(mask.alias(f.column) for f, mask in failed))
        bad = flags.select(pl.any_horizontal(pl.all())).to_series()
        if bad.any():
            for index in bad.arg_true().to_list():
                columns = [f"{f.column} ({f.type})" for f, _ in failed if flags[f.column][index]]
                rejected.append((f"cannot read {', '.join(columns)}", json.dumps(raw.row(index, named=True),
                                                                                default=str)))
            typed = typed.filter(~bad)
    modified_column = next((f.column for f in present if f.source == modified), None)
    batch = typed.select(
        *(pl.col(f.column) for f in present),
        pl.lit(entity, pl.String).alias(ENTITY_COLUMN),
        (pl.col(modified_column).cast(pl.Datetime("us")) if modified_column
         else pl.lit(None, pl.Datetime("us"))).alias(MODIFIED),
        pl.lit(None, pl.Datetime("us")).alias(READ),
        pl.lit(0, pl.Int64).alias(POSITION),
        pl.lit(False).alias(DELETED),
    )
    return batch, rejected


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
