"""Exact decimals: text read into the warehouse's DECIMAL(38,10) without losing a digit.

Polars' cast drops digits after the 10th decimal place silently, so those values are flagged
from their text. (A wider probe decimal cannot do it: it cannot hold the 21-28 integer digits
that DECIMAL(38,10) can, and it is three times slower.)
"""

from __future__ import annotations

import polars as pl

DECIMAL = pl.Decimal(38, 10)  # DUCKDB_TYPES["decimal"]
_BEYOND_SCALE = r"\.\d{10}\d*[1-9]"  # a non-zero digit after the 10th decimal place


def exact_decimal(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(the value, whether the text was not a decimal DECIMAL(38,10) holds exactly)."""
    typed = text.cast(DECIMAL, strict=False)
    return typed, text.is_not_null() & (typed.is_null() | text.str.contains(_BEYOND_SCALE))
