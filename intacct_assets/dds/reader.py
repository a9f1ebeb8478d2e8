"""Reading one DDS CSV file into a typed polars frame, setting malformed records aside.

The file is read in pieces of whole records, every field as text (``dds.pieces``); each declared column is then
typed by ``warehouse.column_types``, the rules API pages follow too: a value that does not parse, or one a cast
would change, rejects its record instead of being changed. A rejected record is kept with its physical line, its
text and the reason. Blank lines outside enclosed values are not records.
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
from intacct_assets.dds.pieces import (
    LINE_COLUMN,
    ROW_COLUMN,
    Piece,
    RejectedRecord,
    Span,
    blank_lines,
    physical_lines,
    record_spans,
    salvage_records,
    text_columns,
)
from intacct_assets.warehouse.column_types import STANDARD, describe, is_blank, read_typed, unreadable
from intacct_assets.warehouse.merge import is_reserved_column
from intacct_assets.warehouse.sql import UnsafeIdentifierError, quote

# Columns that every DDS record has: a record without them was cut short.
_ALWAYS_PRESENT = (READ_TIME,)
# What a record of a change file says happened to it (any case, like the merge reads it).
CHANGE_TYPES = ("create", "update", "delete")


class FileRejectedError(ValueError):
    """The whole file cannot be loaded (no header and no DDL, duplicate column names, …)."""


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
            dialect = detect_dialect(
                sample,
                truncated=truncated,
                known_columns=[*known, *ddl_columns],
                expected_width=len(ddl_columns),
                hints=options.hints,
            )
            if dialect.width == len(ddl_columns) + 1 and CHANGE_TYPE not in ddl_columns:
                ddl_columns.append(CHANGE_TYPE)  # change jobs add ddsChangeType after the DDL's columns
        names = _column_names(path, dialect, ddl_columns)
        if options.job == "change" and CHANGE_TYPE not in names:
            raise FileRejectedError(_without_change_type(names, ddl_columns))
        types = {name: column_types.get(name, "string") for name in names}
        absent_keys = [k for k in options.key if k not in types]
        if absent_keys:
            raise FileRejectedError(
                f"the file has no key column {', '.join(absent_keys)} (columns: {', '.join(names)})"
            )
        self.dialect, self.columns = dialect, types

    def batches(self, batch_bytes: int | None = None) -> Iterator[ParsedFile]:
        """The file's records, parsed and typed, in pieces of about ``batch_bytes`` of text (None: one piece).

        The pieces come last first: where one key has records with the very same version in two pieces,
        the one further down the file is then merged first and wins, as it does inside one piece.
        """
        if self.empty:
            yield ParsedFile(frame=pl.DataFrame(), columns={}, dialect=self.dialect, records=0)
            return
        spans = list(record_spans(self.path, batch_bytes, self.dialect))
        with self.path.open("rb") as handle:
            for span in reversed(spans):
                handle.seek(span.start)
                yield self._parse(handle.read(span.end - span.start), span)

    def _parse(self, data: bytes, span: Span) -> ParsedFile:
        header = self.dialect.has_header and span.start == 0
        piece = Piece(data, first_line=span.first_line, has_header=header, at_start=span.start == 0)
        names = list(self.columns)
        try:
            parsed = _typed(
                text_columns(piece, self.dialect, names).lazy(), self.columns, self.dialect, self.options, [], piece
            )
        except pl.exceptions.PolarsError:
            salvaged, structural = salvage_records(piece, self.dialect, names)
            parsed = _typed(
                salvaged.lazy().with_row_index(ROW_COLUMN), self.columns, self.dialect, self.options, structural, piece
            )
        parsed.position_offset = span.start
        return parsed


def read_dds_file(path: Path, options: ReadOptions) -> ParsedFile:
    """Parse a local, decompressed DDS file in one piece."""
    return next(DdsFile(path, options).batches())


def _sample(path: Path, size: int) -> tuple[bytes, bool]:
    """The first ``size`` bytes, and whether the file goes on."""
    with path.open("rb") as handle:
        sample = handle.read(size)
    return sample, path.stat().st_size > len(sample)


def _without_change_type(names: list[str], ddl_columns: list[str] | None) -> str:
    """Why a change file without ``ddsChangeType`` is not loaded: its deletes would load as live records."""
    if ddl_columns is None:
        return (
            f"a change file must have a {CHANGE_TYPE} column saying how each record changed; this one's "
            f"header has none ({len(names)} columns), so its deletes cannot be told from updates"
        )
    return (
        f"the file has {len(names)} columns, as many as the DDL lists, but a change file carries {CHANGE_TYPE} "
        "after the DDL's columns: the DDL does not match the file (save a fresh getDdsDdl output), or "
        "turn on includeHeaders for the DDS job"
    )


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


def _typed(
    source: pl.LazyFrame,
    types: dict[str, str],
    dialect: Dialect,
    options: ReadOptions,
    structural: list[RejectedRecord],
    piece: Piece,
) -> ParsedFile:
    typed = read_typed(source, types, STANDARD, row=ROW_COLUMN, invalid=_invalid(types, options))
    rejected = structural + _describe_bad(typed.rejected, source, types, options, dialect, piece)
    return ParsedFile(
        frame=typed.frame,
        columns=types,
        dialect=dialect,
        records=typed.frame.height + len(rejected),
        rejected=sorted(rejected, key=lambda r: r.line)[: options.max_rejected_stored],
        rejected_count=len(rejected),
    )


def _describe_bad(
    bad: pl.DataFrame, source: pl.LazyFrame, types: dict[str, str], options: ReadOptions, dialect: Dialect, piece: Piece
) -> list[RejectedRecord]:
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
        lines = physical_lines(source, bad[ROW_COLUMN].to_list(), first_line=first_record_line, eol=eol)
        empty = bad.select(pl.all_horizontal(pl.col(fields).is_null())).to_series()
        blank = blank_lines(piece, eol, {line for line, is_empty in zip(lines, empty, strict=True) if is_empty})
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


def _reason(
    record: dict[str, str | None], types: dict[str, str], options: ReadOptions, unreadable_columns: list[str]
) -> str:
    if all(not (record.get(key) or "").strip() for key in options.key):
        return f"record key {', '.join(options.key)} is empty"
    for column in _ALWAYS_PRESENT:
        if column in record and not (record[column] or "").strip():
            return f"{column} is empty: the record was cut short (fewer fields than the header)"
    if _needs_change_type(options, record):
        change = record[CHANGE_TYPE]
        if change is None:
            return (
                f"{CHANGE_TYPE} is empty: a record of a change file must say create, update or delete "
                "(was it cut short?)"
            )
        if change.lower() not in CHANGE_TYPES:
            return f"{CHANGE_TYPE}: {change!r} is not create, update or delete"
    name = next(iter(unreadable_columns), None)
    return f"{name}: {describe(record[name], types[name])}" if name else "rejected"


def _as_csv(record: dict[str, str | None], dialect: Dialect) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=dialect.delimiter, quotechar=dialect.enclosure, lineterminator="").writerow(
        ["" if value is None else value for value in record.values()]
    )
    return buffer.getvalue()
