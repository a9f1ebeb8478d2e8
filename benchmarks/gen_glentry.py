"""Generate a GLENTRY-like DDS delivery for the DDS benchmark.

22 columns, quoted text, ISO timestamps, some embedded newlines, leading-zero IDs.
Written with numpy-vectorised columns and polars' CSV writer so generating 1M rows takes seconds.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import polars as pl

COLUMNS = [
    "RECORDNO",
    "BATCHNO",
    "LINE_NO",
    "TR_TYPE",
    "AMOUNT",
    "TRX_AMOUNT",
    "EXCHANGE_RATE",
    "ACCOUNTNO",
    "ACCOUNTKEY",
    "ENTRY_DATE",
    "BATCH_DATE",
    "DESCRIPTION",
    "DEPARTMENTID",
    "LOCATIONID",
    "CUSTOMERID",
    "VENDORID",
    "PROJECTID",
    "CURRENCY",
    "WHENCREATED",
    "WHENMODIFIED",
    "ddsReadTime",
    "ddsChangeType",
]


def glentry_frame(rows: int, *, start_recordno: int = 1, seed: int = 7, modified_offset_s: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    recordno = np.arange(start_recordno, start_recordno + rows)
    base = np.datetime64("2026-01-01T00:00:00")
    created = base + rng.integers(0, 300 * 86400, rows).astype("timedelta64[s]")
    modified = created + (rng.integers(0, 86400 * 5, rows) + modified_offset_s).astype("timedelta64[s]")
    words = np.array(
        [
            "Accrual",
            "Payroll, monthly",
            'Invoice "A"',
            "Reclass",
            "Rent",
            "Travel & meals",
            "Depreciation",
            "FX revaluation",
            "Intercompany",
            "Adjustment\nsee memo",
        ]
    )
    desc_idx = rng.integers(0, len(words), rows)
    # ~1% of rows carry the embedded newline description; the others never pick index 9.
    desc_idx = np.where((desc_idx == 9) & (rng.random(rows) > 0.1), 0, desc_idx)
    amounts = rng.integers(1, 10_000_000, rows) / 100
    return pl.DataFrame(
        {
            "RECORDNO": recordno.astype(str),
            "BATCHNO": (recordno // 4).astype(str),
            "LINE_NO": (recordno % 4 + 1).astype(str),
            "TR_TYPE": np.where(recordno % 2 == 0, "1", "-1"),
            "AMOUNT": np.char.mod("%.2f", amounts),
            "TRX_AMOUNT": np.char.mod("%.2f", amounts),
            "EXCHANGE_RATE": np.full(rows, "1.000000"),
            "ACCOUNTNO": np.char.zfill(rng.integers(1000, 9999, rows).astype(str), 5),
            "ACCOUNTKEY": rng.integers(1, 500, rows).astype(str),
            "ENTRY_DATE": np.datetime_as_string(created.astype("datetime64[D]")),
            "BATCH_DATE": np.datetime_as_string(created.astype("datetime64[D]")),
            "DESCRIPTION": words[desc_idx],
            "DEPARTMENTID": np.char.zfill(rng.integers(1, 40, rows).astype(str), 3),
            "LOCATIONID": np.char.zfill(rng.integers(1, 12, rows).astype(str), 2),
            "CUSTOMERID": np.char.add("C-", np.char.zfill(rng.integers(1, 50_000, rows).astype(str), 6)),
            "VENDORID": np.char.add("V-", np.char.zfill(rng.integers(1, 20_000, rows).astype(str), 6)),
            "PROJECTID": np.char.add("P", np.char.zfill(rng.integers(1, 3_000, rows).astype(str), 5)),
            "CURRENCY": np.full(rows, "USD"),
            "WHENCREATED": np.char.add(np.datetime_as_string(created, unit="s"), "Z"),
            "WHENMODIFIED": np.char.add(np.datetime_as_string(modified, unit="s"), "Z"),
            "ddsReadTime": np.full(rows, "2026-11-01T06:00:00Z"),
            "ddsChangeType": np.full(rows, "update"),
        }
    ).select(COLUMNS)


def write_csv(frame: pl.DataFrame, path: Path) -> Path:
    frame.write_csv(path, quote_style="non_numeric")
    return path


def write_glentry(path: Path, rows: int, chunk_rows: int = 1_000_000) -> Path:
    """A delivery of any size, generated and written a million rows at a time (bounded memory)."""
    with path.open("wb") as sink:
        for start in range(0, rows, chunk_rows):
            frame = glentry_frame(min(chunk_rows, rows - start), start_recordno=1 + start, seed=7 + start)
            frame.write_csv(sink, quote_style="non_numeric", include_header=start == 0)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    write_glentry(args.path, args.rows)
    print(f"{args.path}: {args.rows} rows, {args.path.stat().st_size / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
