"""Writing DDS-style CSV files for tests, in any dialect DDS can produce."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Sequence

GLENTRY_COLUMNS = ["RECORDNO", "BATCHNO", "ACCOUNTNO", "DEPARTMENTID", "AMOUNT", "ENTRY_DATE", "DESCRIPTION",
                   "WHENMODIFIED", "ddsReadTime", "ddsChangeType"]


def dds_csv(columns: Sequence[str], rows: Sequence[Sequence[object]], *, header: bool = True, delimiter: str = ",",
            enclosure: str = '"', line_ending: str = "\n", bom: bool = False, compress: bool = False) -> bytes:
    """fputcsv-style output: a field is enclosed when it holds the delimiter, enclosure or a line break."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, quotechar=enclosure, lineterminator=line_ending,
                        quoting=csv.QUOTE_MINIMAL)
    if header:
        writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    data = (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8")
    return gzip.compress(data) if compress else data


def glentry_row(recordno: str, modified: str = "2026-11-01T05:00:00Z", *, amount: str = "10.00",
                change: str = "update", read: str = "2026-11-01T06:00:00Z", description: str = "Accrual",
                department: str = "010") -> list[object]:
    return [recordno, "7", "04000", department, amount, "2026-10-31", description, modified, read, change]
