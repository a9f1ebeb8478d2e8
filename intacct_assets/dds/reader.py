"""Reading one DDS CSV file into a typed polars frame, setting malformed records aside.

Fast path: polars parses every field as text (no inference), then each declared column is typed by
``warehouse.column_types`` (the rules API pages follow too): a value that does not parse, or one a cast
would change, rejects its record instead of being changed. When polars cannot parse the file at all
(a record with too many fields, a broken enclosure, invalid UTF-8), the slow path walks the records with
the standard ``csv`` module, keeps the good ones and records the bad ones with their physical line and
text. Blank lines outside enclosed values are not records: both paths skip them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from intacct_assets.dds.dialect import (
    CHANGE_TYPE,
    MAX_SAMPLE_BYTES,
    READ_TIME,
    SAMPLE_BYTES,
    Dialect,
    DialectHints,
    detect_dialect,
)
from intacct_assets.dds.filenames import JobType
from intacct_assets.warehouse.column_types import STANDARD, describe, is_blank, read_typed, unreadable
from intacct_assets.warehouse.merge import is_reserved_column
from intacct_assets.warehouse.sql import UnsafeIdentifierError, quote

LINE_COLUMN = "_line"
ROW_COLUMN = "_row"
# Columns that every DDS record has: a record without them was cut short.
_ALWAYS_PRESENT = (READ_TIME,)
# What a record of a change file says happened to it (any case, like the merge reads it).
CHANGE_TYPES = ("create", "update", "delete")


class FileRejectedError(ValueError):
    """The whole file cannot be loaded (no header and no DDL, duplicate column names, …)."""


@dataclass(frozen=True)
class RejectedRecord:
    line: int
    reason: str
    raw: str


@dataclass
class ParsedFile:
    """Good records as typed columns, plus what was set aside."""

    frame: pl.DataFrame
    columns: dict[str, str]
    dialect: Dialect
    records: int
    rejected: list[RejectedRecord] = field(default_factory=list)
    rejected_count: int = 0
    # added to a record's row number (ROW_COLUMN, counted within its piece) to order it within the whole file:
    # the piece's first byte, which no earlier piece's row number reaches
    position_offset: int = 0


@dataclass(frozen=True)
class ReadOptions:
    """What the reader knows about the object before opening the file.

    ``load_ddl`` is called only for a file without a header row; it returns the object's
    columns in file order with their types, or None (the file is then rejected with
    ``missing_ddl_hint`` telling the user where to put the DDL). ``job`` is the file's job type
    (from its name): every record of a ``change`` file must say how it changed, while ``all`` files
    leave ``ddsChangeType`` empty or out.
    """

    key: tuple[str, ...]
    column_types: Mapping[str, str]
    load_ddl: Callable[[], Sequence[tuple[str, str]] | None] = lambda: None
    missing_ddl_hint: str = "turn on includeHeaders for the DDS job or provide the object's getDdsDdl output"
    hints: DialectHints = DialectHints()
    max_rejected_stored: int = 10_000
    job: JobType | None = None


class DdsFile:
    """A DDS file whose layout (dialect, columns, types) is known, read in batches of records.

    Opening it looks at the first records only; ``batches`` then parses the file a piece at a time, so
    memory stays bounded whatever the file's size. Every piece ends at a line break outside enclosed
    values, so a multi-line value is never cut, and records keep their physical line numbers.
    """

    def __init__(self, path: Path, options: ReadOptions):
        self.path = path
        self.options = options
        sample, truncated = _sample(path, SAMPLE_BYTES)
        self.empty = not sample.strip(b"\xef\xbb\xbf \r\n\t")
        if self.empty:  # a job with no records
            self.dialect, self.columns = Dialect(), {}
            return
        known = [*options.key, *options.column_types]
        dialect = detect_dialect(sample, truncated=truncated, known_columns=known, hints=options.hints)
        # A first record larger than the sample: no dialect sees two complete records, or only a wrong one
        # (one field per line) does. Every DDS file has at least two columns (the key and ddsReadTime).
        while truncated and (dialect.sampled < 2 or dialect.width < 2) and len(sample) < MAX_SAMPLE_BYTES:
            sample, truncated = _sample(path, 4 * len(sample))
            dialect = detect_dialect(sample, truncated=truncated, known_columns=known, hints=options.hints)
        column_types = dict(options.column_types)
        ddl_columns: list[str] | None = None
        if not dialect.has_header:
            ddl = options.load_ddl()
            if not ddl:
                raise FileRejectedError(f"the file has no header row and no DDL is known: {options.missing_ddl_hint}")
            ddl_columns = [name for name, _ in ddl]
            column_types = {**dict(ddl), **column_types}
            dialect = detect_dialect(sample, truncated=truncated, known_columns=[*known, *ddl_columns],
                                     expected_width=len(ddl_columns), hints=options.hints)
            if dialect.width == len(ddl_columns) + 1 and CHANGE_TYPE not in ddl_columns:
                ddl_columns.append(CHANGE_TYPE)  # change jobs add ddsChangeType after the DDL's columns
        names = _column_names(path, dialect, ddl_columns)
        if options.job == "change" and CHANGE_TYPE not in names:
            raise FileRejectedError(_without_change_type(names, ddl_columns))
        types = {name: column_types.get(name, "string") for name in names}
        absent_keys = [k for k in options.key if k not in types]
        if absent_keys:
            raise FileRejectedError(
                f"the file has no key column {', '.join(absent_keys)} (columns: {', '.join(names)})")
        self.dialect, self.columns = dialect, types

    def batches(self, batch_bytes: int | None = None) -> Iterator[ParsedFile]:
        """The file's records, parsed and typed, in pieces of about ``batch_bytes`` of text (None: one piece).

        The pieces come last first: where one key has records with the very same version in two pieces,
        the one further down the file is then merged first and wins, as it does inside one piece.
        """
        if self.empty:
            yield ParsedFile(frame=pl.DataFrame(), columns={}, dialect=self.dialect, records=0)
            return
        spans = list(_record_spans(self.path, batch_bytes, self.dialect))
        with self.path.open("rb") as handle:
            for span in reversed(spans):
                handle.seek(span.start)
                yield self._parse(handle.read(span.end - span.start), span)

    def _parse(self, data: bytes, span: _Span) -> ParsedFile:
        header = self.dialect.has_header and span.start == 0
        piece = _Piece(data, first_line=span.first_line, has_header=header, at_start=span.start == 0)
        names = list(self.columns)
        try:
            parsed = _typed(_text_columns(piece, self.dialect, names).lazy(), self.columns, self.dialect,
                            self.options, [], piece)
        except pl.exceptions.PolarsError:
            salvaged, structural = _salvage_records(piece, self.dialect, names)
            parsed = _typed(salvaged.lazy().with_row_index(ROW_COLUMN), self.columns, self.dialect, self.options,
                            structural, piece)
        parsed.position_offset = span.start
        return parsed


def read_dds_file(path: Path, options: ReadOptions) -> ParsedFile:
    """Parse a local, decompressed DDS file in one piece."""
    return next(DdsFile(path, options).batches())


@dataclass(frozen=True)
class _Span:
    """A piece of the file: bytes ``start``-``end`` (ending after a line break), from physical line ``first_line``."""

    start: int
    end: int
    first_line: int


@dataclass(frozen=True)
class _Piece:
    data: bytes
    first_line: int  # physical line number of data's first byte
    has_header: bool
    at_start: bool  # the file's first piece (a BOM may open it)


def _record_spans(path: Path, batch_bytes: int | None, dialect: Dialect) -> Iterator[_Span]:
    """Consecutive spans of about ``batch_bytes`` that each end at a line break outside enclosed values.

    Inside an enclosed value, enclosure characters come in pairs (doubled to escape one), so a line
    break preceded by an even number of them since the span's start is outside any value.
    """
    size = path.stat().st_size
    if batch_bytes is None or size <= batch_bytes:
        yield _Span(0, size, 1)
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
            yield _Span(start, start + cut, line)
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


def _sample(path: Path, size: int) -> tuple[bytes, bool]:
    """The first ``size`` bytes, and whether the file goes on."""
    with path.open("rb") as handle:
        sample = handle.read(size)
    return sample, path.stat().st_size > len(sample)


def _without_change_type(names: list[str], ddl_columns: list[str] | None) -> str:
    """Why a change file without ``ddsChangeType`` is not loaded: its deletes would load as live records."""
    if ddl_columns is None:
        return (f"a change file must have a {CHANGE_TYPE} column saying how each record changed; this one's "
                f"header has none ({len(names)} columns), so its deletes cannot be told from updates")
    return (f"the file has {len(names)} columns, as many as the DDL lists, but a change file carries {CHANGE_TYPE} "
            "after the DDL's columns: the DDL does not match the file (save a fresh getDdsDdl output), or "
            "turn on includeHeaders for the DDS job")


def _column_names(path: Path, dialect: Dialect, ddl_columns: list[str] | None) -> list[str]:
    if dialect.has_header:
        with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as handle:
            header = next(csv.reader(handle, delimiter=dialect.delimiter, quotechar=dialect.enclosure), [])
        names = [name.strip() for name in header]
    else:
        names = list(ddl_columns or [])
    _check_names(names)
    return names


def _check_names(names: list[str]) -> None:
    seen: dict[str, str] = {}
    for name in names:
        try:
            quote(name)
        except UnsafeIdentifierError as error:
            raise FileRejectedError(str(error)) from error
        if is_reserved_column(name) or name in (LINE_COLUMN, ROW_COLUMN):
            raise FileRejectedError(f"column name {name!r} is reserved for bookkeeping")
        if name.lower() in seen:
            raise FileRejectedError(f"columns {seen[name.lower()]!r} and {name!r} differ only by case")
        seen[name.lower()] = name


def _text_columns(piece: _Piece, dialect: Dialect, names: list[str]) -> pl.DataFrame:
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


def _salvage_records(piece: _Piece, dialect: Dialect, names: list[str]) -> tuple[pl.DataFrame, list[RejectedRecord]]:
    """Slow path: keep well-formed records (with their first line number), describe the others."""
    rejected: list[RejectedRecord] = []
    good: list[list[str | None]] = []
    lines_of_good: list[int] = []
    width = len(names)
    encoding = "utf-8-sig" if piece.at_start else "utf-8"
    with io.TextIOWrapper(io.BytesIO(piece.data), encoding=encoding, errors="surrogateescape", newline="") as handle:
        recorder = _RecordingLines(iter(handle))
        reader = csv.reader(recorder, delimiter=dialect.delimiter, quotechar=dialect.enclosure,
                            doublequote=True, strict=True)
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


# --- typing ------------------------------------------------------------------------------------


def _invalid(types: dict[str, str], options: ReadOptions) -> list[pl.Expr]:
    """Records that cannot load whatever their values' types: without their key (parts of a composite key may be
    empty, e.g. no department), cut short before a column every record has, or a change file's record that does
    not say how it changed (or says what the merge does not know): it would load a delete as a live record."""
    invalid = [pl.all_horizontal([is_blank(pl.col(k)) for k in options.key])]
    invalid += [is_blank(pl.col(c)) for c in _ALWAYS_PRESENT if c in types]
    if _needs_change_type(options, types):
        invalid.append(~pl.col(CHANGE_TYPE).str.to_lowercase().is_in(CHANGE_TYPES).fill_null(False))
    return invalid


def _needs_change_type(options: ReadOptions, columns: Iterable[str]) -> bool:
    return options.job == "change" and CHANGE_TYPE in columns


def _typed(source: pl.LazyFrame, types: dict[str, str], dialect: Dialect, options: ReadOptions,
           structural: list[RejectedRecord], piece: _Piece) -> ParsedFile:
    typed = read_typed(source, types, STANDARD, row=ROW_COLUMN, invalid=_invalid(types, options))
    rejected = structural + _describe_bad(typed.rejected, source, types, options, dialect, piece)
    return ParsedFile(frame=typed.frame, columns=types, dialect=dialect, records=typed.frame.height + len(rejected),
                      rejected=sorted(rejected, key=lambda r: r.line)[: options.max_rejected_stored],
                      rejected_count=len(rejected))


def _describe_bad(bad: pl.DataFrame, source: pl.LazyFrame, types: dict[str, str], options: ReadOptions,
                  dialect: Dialect, piece: _Piece) -> list[RejectedRecord]:
    """Reasons, physical line numbers and text for records whose values failed their types.

    Blank lines are left out: polars reads one as a record whose fields are all empty.
    """
    if not bad.height:
        return []
    fields = [name for name in bad.columns if name not in (ROW_COLUMN, LINE_COLUMN)]
    blank: set[int] = set()
    if LINE_COLUMN in bad.columns:  # the slow path, which skipped blank lines itself
        lines = bad[LINE_COLUMN].to_list()
    else:
        eol = "\r" if dialect.line_ending == "mac" else "\n"
        first_record_line = piece.first_line + (1 if piece.has_header else 0)
        lines = _physical_lines(source, bad[ROW_COLUMN].to_list(), first_line=first_record_line, eol=eol)
        empty = bad.select(pl.all_horizontal(pl.col(fields).is_null())).to_series()
        blank = _blank_lines(piece, eol, {line for line, is_empty in zip(lines, empty, strict=True) if is_empty})
    failed = unreadable(bad, types)
    described: list[RejectedRecord] = []
    for record, line, names in zip(bad.select(fields).iter_rows(named=True), lines, failed, strict=True):
        if line in blank:
            continue
        if len(described) >= options.max_rejected_stored:
            described.append(RejectedRecord(line, "rejected (details not stored: too many rejected rows)", ""))
            continue
        described.append(RejectedRecord(line, _reason(record, types, options, names), _as_csv(record, dialect)))
    return described


def _blank_lines(piece: _Piece, eol: str, lines: set[int]) -> set[int]:
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


def _physical_lines(source: pl.LazyFrame, rows: list[int], first_line: int, eol: str) -> list[int]:
    """Line numbers counting line breaks inside enclosed values of earlier records."""
    breaks = source.select(
        pl.sum_horizontal(pl.all().exclude(ROW_COLUMN).str.count_matches(eol, literal=True).fill_null(0))
    ).collect(engine="streaming").to_series()
    starts = breaks.cum_sum() - breaks + pl.int_range(0, breaks.len(), eager=True) + first_line
    return [int(starts[row]) for row in rows]


def _reason(record: dict[str, str | None], types: dict[str, str], options: ReadOptions,
            unreadable_columns: list[str]) -> str:
    if all(not (record.get(key) or "").strip() for key in options.key):
        return f"record key {', '.join(options.key)} is empty"
    for column in _ALWAYS_PRESENT:
        if column in record and not (record[column] or "").strip():
            return f"{column} is empty: the record was cut short (fewer fields than the header)"
    if _needs_change_type(options, record):
        change = record[CHANGE_TYPE]
        if change is None:
            return (f"{CHANGE_TYPE} is empty: a record of a change file must say create, update or delete "
                    "(was it cut short?)")
        if change.lower() not in CHANGE_TYPES:
            return f"{CHANGE_TYPE}: {change!r} is not create, update or delete"
    name = next(iter(unreadable_columns), None)
    return f"{name}: {describe(record[name], types[name])}" if name else "rejected"


def _as_csv(record: dict[str, str | None], dialect: Dialect) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=dialect.delimiter, quotechar=dialect.enclosure, lineterminator="").writerow(
        ["" if value is None else value for value in record.values()])
    return buffer.getvalue()
