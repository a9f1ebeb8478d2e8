"""Writing DDS-style CSV files for tests, in any dialect DDS can produce."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Sequence

from intacct_assets.warehouse.connection import run

GLENTRY_COLUMNS = [
    "RECORDNO",
    "BATCHNO",
    "ACCOUNTNO",
    "DEPARTMENTID",
    "AMOUNT",
    "ENTRY_DATE",
    "DESCRIPTION",
    "WHENMODIFIED",
    "ddsReadTime",
    "ddsChangeType",
]


def dds_csv(
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    header: bool = True,
    delimiter: str = ",",
    enclosure: str = '"',
    line_ending: str = "\n",
    bom: bool = False,
    compress: bool = False,
) -> bytes:
    """fputcsv-style output: a field is enclosed when it holds the delimiter, enclosure or a line break."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer, delimiter=delimiter, quotechar=enclosure, lineterminator=line_ending, quoting=csv.QUOTE_MINIMAL
    )
    if header:
        writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    data = (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8")
    return gzip.compress(data) if compress else data


def glentry_row(
    recordno: str,
    modified: str = "2026-11-01T05:00:00Z",
    *,
    amount: str = "10.00",
    change: str = "update",
    read: str = "2026-11-01T06:00:00Z",
    description: str = "Accrual",
    department: str = "010",
) -> list[object]:
    return [recordno, "7", "04000", department, amount, "2026-10-31", description, modified, read, change]


DELETE_COLUMNS = ["RECORDNO", "WHENMODIFIED", "ddsReadTime", "ddsChangeType"]


def deliveries() -> dict[str, bytes]:
    """A realistic history: split all, change, delete, then a full all that lacks record 5."""
    t1, t2, t3, t4 = "2026-11-01T06-00-00Z", "2026-11-02T06-00-00Z", "2026-11-03T06-00-00Z", "2026-11-04T06-00-00Z"
    read = {t: t[:13] + ":00:00Z" for t in (t1, t2, t3, t4)}
    return {
        f"GLENTRY.all.{t1}.001.csv": dds_csv(
            GLENTRY_COLUMNS, [glentry_row(str(n), "2026-10-01T00:00:00Z", read=read[t1], change="") for n in (1, 2, 3)]
        ),
        f"GLENTRY.all.{t1}.002.csv.gz": dds_csv(
            GLENTRY_COLUMNS,
            [glentry_row(str(n), "2026-10-01T00:00:00Z", read=read[t1], change="") for n in (4, 5)],
            compress=True,
        ),
        f"GLENTRY.change.{t2}.csv": dds_csv(
            GLENTRY_COLUMNS,
            [
                glentry_row("2", "2026-11-01T12:00:00Z", read=read[t2], amount="20.00", change="update"),
                glentry_row("6", "2026-11-01T13:00:00Z", read=read[t2], change="create"),
            ],
        ),
        f"GLENTRY.delete.{t3}.csv": dds_csv(DELETE_COLUMNS, [["3", "2026-11-02T09:00:00Z", read[t3], "delete"]]),
        f"GLENTRY.all.{t4}.csv": dds_csv(
            GLENTRY_COLUMNS,
            [
                glentry_row("1", "2026-10-01T00:00:00Z", read=read[t4], change=""),
                glentry_row("2", "2026-11-01T12:00:00Z", read=read[t4], amount="20.00", change=""),
                glentry_row("4", "2026-10-01T00:00:00Z", read=read[t4], change=""),
                glentry_row("6", "2026-11-01T13:00:00Z", read=read[t4], change=""),
            ],
        ),
    }


EXPECTED = [
    ("1", "10.0000000000", False),
    ("2", "20.0000000000", False),
    ("3", "10.0000000000", True),
    ("4", "10.0000000000", False),
    ("5", "10.0000000000", True),
    ("6", "10.0000000000", False),
]


def put_all(s3, bucket, files: dict[str, bytes]) -> None:
    for key, data in files.items():
        s3.put_object(Bucket=bucket, Key=key, Body=data)


def business_rows(warehouse, table="glentry"):
    with warehouse.connect() as connection:
        return run(connection, f"SELECT RECORDNO, AMOUNT::VARCHAR, _intacct_deleted FROM dds.{table} ORDER BY RECORDNO")
