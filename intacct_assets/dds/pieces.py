"""A DDS file in pieces of whole records, and each piece's records as text with their physical lines.

A piece ends only at a line break outside enclosed values, so a multi-line value is never cut. Its records are
read by polars, every field as text; when polars cannot read them (a record with too many fields, a broken
enclosure, invalid UTF-8), the standard ``csv`` module walks them instead, keeps the well-formed ones and
describes the others with their physical line and text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from intacct_assets.dds.dialect import Dialect

LINE_COLUMN = "_line"  # a record's first physical line (the csv path)
ROW_COLUMN = "_row"  # a record's position in its piece (the polars path)


@dataclass(frozen=True)
class RejectedRecord:
    line: int
    reason: str
    raw: str


@dataclass(frozen=True)
class Span:
    """A piece of the file: bytes ``start``-``end`` (ending after a line break), from physical line ``first_line``."""

    start: int
    end: int
    first_line: int


@dataclass(frozen=True)
class Piece:
    data: bytes
    first_line: int  # physical line number of data's first byte
    has_header: bool
    at_start: bool  # the file's first piece (a BOM may open it)


def record_spans(path: Path, batch_bytes: int | None, dialect: Dialect) -> Iterator[Span]:
    """Consecutive spans of about ``batch_bytes`` that each end at a line break outside enclosed values.

    Inside an enclosed value, enclosure characters come in pairs (doubled to escape one), so a line
    break preceded by an even number of them since the span's start is outside any value.
    """
    size = path.stat().st_size
    if batch_bytes is None or size <= batch_bytes:
        yield Span(0, size, 1)
        return
    eol = b"\r" if dialect.line_ending == "mac" else b"\n"
    enclosure = dialect.enclosure.encode()
    start, line = 0, 1
    with path.open("rb") as handle:
        while start < size:
            window = batch_bytes
            while True:
                handle.seek(start)
                data = handle.read(window)
                cut = len(data) if start + len(data) >= size else _last_boundary(data, enclosure, eol)
                if cut:
                    break
                window *= 2  # no boundary yet (a value longer than a batch): look further
            yield Span(start, start + cut, line)
            line += data.count(eol, 0, cut)
            start += cut


def _last_boundary(data: bytes, enclosure: bytes, eol: bytes) -> int | None:
    """The end of the last line break in ``data`` with an even number of enclosure characters before it."""
    position = data.rfind(eol)
    after = data.count(enclosure, position) if position >= 0 else 0
    total = data.count(enclosure)
    while position >= 0:
        if (total - after) % 2 == 0:
            return position + len(eol)
        previous = data.rfind(eol, 0, position)
        after += data.count(enclosure, max(previous, 0), position)
        position = previous
    return None


def text_columns(piece: Piece, dialect: Dialect, names: list[str]) -> pl.DataFrame:
    """Every field as text, with the record's position in the piece; nothing is inferred."""
    return pl.read_csv(
        piece.data,
        has_header=piece.has_header,
        new_columns=names,
        schema={name: pl.String for name in names},
        separator=dialect.delimiter,
        quote_char=dialect.enclosure,
        infer_schema=False,
        encoding="utf8",
        truncate_ragged_lines=False,
        raise_if_empty=False,
        row_index_name=ROW_COLUMN,
        eol_char="\r" if dialect.line_ending == "mac" else "\n",
    )


class _RecordingLines:
    """Feeds lines to csv.reader and remembers them, so a bad record's exact text is known."""

    def __init__(self, lines: Iterator[str]):
        self._lines = lines
        self.taken: list[str] = []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.taken.append(line)
        return line


def salvage_records(piece: Piece, dialect: Dialect, names: list[str]) -> tuple[pl.DataFrame, list[RejectedRecord]]:
    """Slow path: keep well-formed records (with their first line number), describe the others."""
    rejected: list[RejectedRecord] = []
    good: list[list[str | None]] = []
    lines_of_good: list[int] = []
    width = len(names)
    encoding = "utf-8-sig" if piece.at_start else "utf-8"
    with io.TextIOWrapper(io.BytesIO(piece.data), encoding=encoding, errors="surrogateescape", newline="") as handle:
        recorder = _RecordingLines(iter(handle))
        reader = csv.reader(
            recorder, delimiter=dialect.delimiter, quotechar=dialect.enclosure, doublequote=True, strict=True
        )
        line = piece.first_line
        if piece.has_header:
            next(reader, None)
            line += len(recorder.taken)
        while True:
            recorder.taken = []
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                rejected.append(RejectedRecord(line, f"malformed CSV: {error}", _text(recorder.taken)))
                line += len(recorder.taken)
                continue
            start, line = line, line + len(recorder.taken)
            if not record:  # a blank line is not a record
                continue
            reason = _structural_problem(record, width)
            if reason:
                rejected.append(RejectedRecord(start, reason, _text(recorder.taken)))
                continue
            good.append([value if value != "" else None for value in record])
            lines_of_good.append(start)
    frame = pl.DataFrame(good, schema={name: pl.String for name in names}, orient="row")
    return frame.with_columns(pl.Series(LINE_COLUMN, lines_of_good, dtype=pl.Int64)), rejected


def _text(lines: list[str]) -> str:
    return "".join(lines).rstrip("\r\n").encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")


def _structural_problem(record: list[str], width: int) -> str | None:
    if len(record) != width:
        return f"expected {width} fields, found {len(record)}"
    if any("\udc80" <= char <= "\udcff" for value in record for char in value):
        return "invalid UTF-8"
    return None


def blank_lines(piece: Piece, eol: str, lines: set[int]) -> set[int]:
    """Which of these physical lines hold nothing but their line break.

    To polars a blank line looks like a line of bare delimiters (a record, with every field empty,
    that is rejected): only the line's text tells them apart.
    """
    if not lines:
        return set()
    last = max(lines)
    found = set()
    encoding = "utf-8-sig" if piece.at_start else "utf-8"
    with io.TextIOWrapper(io.BytesIO(piece.data), encoding=encoding, errors="replace", newline=eol) as handle:
        for number, text in enumerate(handle, start=piece.first_line):
            if number in lines and not text.rstrip("\r\n"):
                found.add(number)
            if number >= last:
                break
    return found


def physical_lines(source: pl.LazyFrame, rows: list[int], first_line: int, eol: str) -> list[int]:
    """Line numbers counting line breaks inside enclosed values of earlier records."""
    breaks = (
        source.select(pl.sum_horizontal(pl.all().exclude(ROW_COLUMN).str.count_matches(eol, literal=True).fill_null(0)))
        .collect(engine="streaming")
        .to_series()
    )
    starts = breaks.cum_sum() - breaks + pl.int_range(0, breaks.len(), eager=True) + first_line
    return [int(starts[row]) for row in rows]
