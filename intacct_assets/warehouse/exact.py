"""Text read into typed columns without changing a value: what a plain cast would silently alter is flagged.

Both readers (DDS files, API pages) cast text with polars; these flags catch the texts a cast accepts
but changes, so their records are rejected (and kept in ``intacct_meta.rejected_rows``) instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import polars as pl

DECIMAL = pl.Decimal(38, 10)  # DUCKDB_TYPES["decimal"]
# A non-zero digit after the 10th decimal place (the cast drops it), or a negative exponent (``1e-11``
# would become 0; rejecting every one keeps the rule simple, and Intacct writes plain decimals). A wider
# probe decimal cannot find these: it cannot hold the 21-28 integer digits DECIMAL(38,10) can.
_DECIMAL_LOSS = r"\.\d{10}\d*[1-9]|[eE]-"
_FINER_THAN_MICROSECONDS = r"\.\d{6}\d*[1-9]"
_MIDNIGHT = r"[T ]00:00(?::00(?:\.0+)?)?(?:Z|[+-]00:?00)?$"


def exact_decimal(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(the value, whether the text was not a decimal DECIMAL(38,10) holds exactly)."""
    typed = text.cast(DECIMAL, strict=False)
    return typed, text.is_not_null() & (typed.is_null() | decimal_changed(text))


def decimal_changed(text: pl.Expr) -> pl.Expr:
    """Texts the DECIMAL(38,10) cast accepts but changes (for a column already cast)."""
    return text.str.contains(_DECIMAL_LOSS)


def moment_changed(text: pl.Expr, typed: pl.Expr, *, is_date: bool, formats: Iterable[str]) -> pl.Expr:
    """Texts a date or timestamp parse (with ``formats``) accepts but changes: a two-digit year read
    literally ("03/02/26" is not the year 26), a leap second rolled over into the next minute, digits
    finer than microseconds, and in a date column a time of day. A check the formats cannot need is
    skipped: each costs a pass over the strings."""
    formats = list(formats)
    changed = typed < (date(100, 1, 1) if is_date else datetime(100, 1, 1))  # cheaper than dt.year()
    if any("%S" in fmt for fmt in formats):
        changed |= text.str.contains(":60", literal=True)
    if any("%.f" in fmt for fmt in formats):
        changed |= text.str.contains(_FINER_THAN_MICROSECONDS)
    if is_date and any("%H" in fmt for fmt in formats):
        changed |= text.str.contains(r"\d:\d\d") & ~text.str.contains(_MIDNIGHT)
    return changed
