"""A file read and merged in batches gives the same table, ledger and rejected rows as in one piece."""

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intacct_assets.catalog import load_catalog
from intacct_assets.dds.filenames import FileNameParser
from intacct_assets.dds.ingest import WHOLE_FILE_BATCHES, DdsIngest
from intacct_assets.dds.s3 import S3Object
from intacct_assets.dds.settings import DdsSettings
from intacct_assets.warehouse.connection import Warehouse, run
from intacct_assets_tests.dds.files import GLENTRY_COLUMNS, dds_csv, glentry_row

GLENTRY = load_catalog().get("GLENTRY")
NAME = "GLENTRY.all.2026-11-04T06-00-00Z.csv"

# What a record can be: a plain one, one with a multi-line value (and enclosed delimiters and enclosures), one a
# value rejects, one with a field too many (the csv slow path), a blank line (no record at all), and record 1 again
# with the very same version but another amount (the one further down the file wins).
KINDS = ("plain", "multi-line", "bad value", "too many fields", "blank line", "record 1 again")


def record(kind: str, number: int, line_ending: str) -> bytes:
    if kind == "blank line":
        return line_ending.encode()
    description = {"multi-line": f'first, "quoted"{line_ending}second{line_ending}{line_ending}third'}.get(kind, "x")
    if kind == "record 1 again":
        number = 1
    row = glentry_row(
        str(number),
        read="2026-11-04T06:00:00Z",
        change="",
        description=description,
        amount={"bad value": "1,000", "record 1 again": "99.5"}.get(kind, f"{number}.25"),
    )
    if kind == "too many fields":
        row.append("extra")
    return dds_csv(GLENTRY_COLUMNS, [row], header=False, line_ending=line_ending)


def load(data: bytes, batch_bytes: int) -> dict:
    folder = Path(tempfile.mkdtemp())
    path = folder / NAME
    path.write_bytes(data)
    warehouse = Warehouse(str(folder / "warehouse.duckdb"))
    ingest = DdsIngest(warehouse, s3_client=None, settings=DdsSettings(bucket="local", batch_bytes=batch_bytes))
    file = S3Object(NAME, "etag", len(data), datetime(2026, 11, 4, 6, tzinfo=UTC))
    outcome = ingest.load_local(GLENTRY, file, FileNameParser().parse(NAME), path)
    with warehouse.connect() as connection:
        columns = [
            c
            for (c,) in run(
                connection,
                "SELECT column_name FROM information_schema.columns WHERE "
                "table_name = 'glentry' AND column_name <> '_intacct_synced_at'",
            )
        ]
        table = run(connection, f"SELECT {', '.join(columns)} FROM dds.glentry ORDER BY ALL") if columns else []
        rejected = run(connection, "SELECT line, reason, raw_text FROM intacct_meta.rejected_rows ORDER BY line")
        ledger = run(connection, "SELECT outcome, records, rejected FROM intacct_meta.dds_files")
    return {
        "outcome": (outcome.outcome, outcome.records, outcome.rejected),
        "table": table,
        "rejected": rejected,
        "ledger": ledger,
        "deleted": outcome.counts.deleted,
    }


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=14),
    line_ending=st.sampled_from(["\n", "\r\n"]),
    data=st.data(),
)
def test_any_batch_size_gives_the_same_result_as_one_piece(kinds, line_ending, data):
    body = b"".join(record(kind, number, line_ending) for number, kind in enumerate(kinds, start=1))
    file = dds_csv(GLENTRY_COLUMNS, [], line_ending=line_ending) + body
    # a file of up to WHOLE_FILE_BATCHES batches is read in one piece anyway
    batch_bytes = data.draw(st.integers(1, max(1, (len(file) - 1) // WHOLE_FILE_BATCHES)), label="batch_bytes")
    assert load(file, batch_bytes) == load(file, 1 << 40)


def test_a_batch_boundary_inside_a_multi_line_value_and_inside_a_rejected_record():
    """Pieces end only at a line break outside enclosed values; records keep their physical lines."""
    lines = [
        record("plain", 1, "\n"),
        record("multi-line", 2, "\n"),
        record("too many fields", 3, "\n"),
        record("bad value", 4, "\n"),
        record("multi-line", 5, "\n"),
        *(record("plain", n, "\n") for n in range(6, 40)),
    ]  # long enough to be read in pieces
    file = dds_csv(GLENTRY_COLUMNS, []) + b"".join(lines)
    inside_value = file.index(b"second")  # a batch that would end inside record 2's enclosed value
    inside_rejected = file.index(b"extra")  # ... or inside record 3, which has a field too many
    assert len(file) > WHOLE_FILE_BATCHES * inside_rejected
    one_piece = load(file, 1 << 40)
    assert [line for line, _, _ in one_piece["rejected"]] == [7, 8]
    assert one_piece["outcome"] == ("ingested", 39, 2)
    for batch_bytes in (inside_value, inside_rejected, 1, 40):
        assert load(file, batch_bytes) == one_piece
