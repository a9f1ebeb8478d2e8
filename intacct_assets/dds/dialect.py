"""Working out a DDS file's CSV dialect from its first bytes.

DDS lets each job choose a delimiter (``, ; .``), an enclosure (``" ' [ /``), line endings
(unix / windows / mac) and whether a header row is written (off by default). Files carry no
marker of these choices, so we try every combination on a sample and keep the one under which
the sample parses into a consistent number of fields that matches what we know of the object.
Settings can pin any of them.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

LineEnding = Literal["unix", "windows", "mac"]

DELIMITERS = (",", ";", ".", "\t", "|")
ENCLOSURES = ('"', "'", "[", "/")
UTF8_BOM = b"\xef\xbb\xbf"
SAMPLE_BYTES = 256 * 1024
MAX_SAMPLE_BYTES = 64 * 1024 * 1024  # a sample grows (x4) up to this while it shows no plausible dialect
SAMPLE_RECORDS = 50
# Columns DDS adds to every file (ddsChangeType: change files only); in a first row they mark a header.
READ_TIME = "ddsReadTime"
CHANGE_TYPE = "ddsChangeType"
DDS_STANDARD_COLUMNS = frozenset({READ_TIME.lower(), CHANGE_TYPE.lower()})
# A first record is a header when it holds at least this many known column names: one could be a value.
HEADER_MIN_NAMES = 2
# The csv module refuses fields over 128 KiB by default; DDS values (long descriptions) can be larger.
csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))


class DialectError(ValueError):
    """No dialect parses the file's first records consistently."""


@dataclass(frozen=True)
class Dialect:
    delimiter: str = ","
    enclosure: str = '"'
    line_ending: LineEnding = "unix"
    has_header: bool = True
    bom: bool = False
    width: int = 0  # fields per record in the sample (the most common count)
    sampled: int = 0  # complete records the sample held (a header counts)


@dataclass(frozen=True)
class DialectHints:
    """Settings that pin parts of the dialect (None = detect)."""

    delimiter: str | None = None
    enclosure: str | None = None
    has_header: bool | None = None


def detect_line_ending(sample: bytes) -> LineEnding:
    """The end of the first line tells: values further down may hold other line breaks."""
    for index, byte in enumerate(sample):
        if byte == 0x0A:
            return "unix"
        if byte == 0x0D:
            return "windows" if sample[index + 1 : index + 2] == b"\n" else "mac"
    return "unix"


def _records(text: str, delimiter: str, enclosure: str, limit: int, truncated: bool) -> tuple[list[list[str]], bool]:
    """The first records, and whether a malformed one cut the reading short (the records before it
    still count: one broken enclosure must not make the right enclosure lose to a wrong one). A sample
    cut inside an enclosed multi-line value simply ends there: that is not a malformed record."""
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter, quotechar=enclosure, doublequote=True, strict=True
    )
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
            if len(records) >= limit:
                break
    except csv.Error as error:
        return records, not (truncated and str(error) == "unexpected end of data")
    return records, False


def _complete_records(sample: bytes, truncated: bool, eol: str) -> str:
    """The sample as text, without the last (possibly cut) line when the file is longer."""
    text = sample.decode("utf-8", errors="replace")
    if truncated and eol in text:
        text = text[: text.rfind(eol) + 1]
    return text


def _still_enclosed(records: list[list[str]], enclosure: str, delimiter: str) -> int:
    """Fields that still look enclosed by another character, around text a writer would have enclosed (a
    delimiter, a space, a line break): a sign of the wrong enclosure. (A value like 'N/A' is just a value.)"""
    others = set(ENCLOSURES) - {enclosure}
    return sum(
        1
        for record in records
        for field in record
        if len(field) >= 2
        and field[0] == field[-1]
        and field[0] in others
        and any(char in field[1:-1] for char in (delimiter, " ", "\n", "\r", field[0]))
    )


def _score(
    records: list[list[str]],
    broken: bool,
    delimiter: str,
    enclosure: str,
    known_columns: set[str],
    expected_width: int | None,
    has_header: bool | None,
) -> tuple[float, ...] | None:
    """Higher is better: header names recognized, DDL width matched, consistent widths, nothing left
    enclosed, no malformed record."""
    if not records:
        return None
    first = {field.strip().lower() for field in records[0]}
    header_hits = len(first & known_columns)
    body = records[1:] if (has_header or (has_header is None and header_hits >= HEADER_MIN_NAMES)) else records
    widths = Counter(len(record) for record in body if record) or Counter(len(records[0]) for _ in [0])
    width, count = widths.most_common(1)[0]
    consistency = round(count / sum(widths.values()), 1)
    # change files carry ddsChangeType after the DDL's columns
    width_matches = int(expected_width is not None and width in (expected_width, expected_width + 1))
    return (
        header_hits,
        width_matches,
        consistency,
        -_still_enclosed(records, enclosure, delimiter),
        -int(broken),
        int(width > 1),
        width,
    )


def detect_dialect(
    sample: bytes,
    *,
    truncated: bool,
    known_columns: Iterable[str] = (),
    expected_width: int | None = None,
    hints: DialectHints = DialectHints(),
) -> Dialect:
    """Choose delimiter, enclosure and header presence that make the sample parse consistently.

    ``known_columns`` are names the object is known to have (catalog, DDL, DDS standard columns):
    a first record that contains them is a header. ``expected_width`` is the DDL column count,
    used when the file has no header (change files carry one more: ``ddsChangeType``).
    """
    bom = sample.startswith(UTF8_BOM)
    body = sample[len(UTF8_BOM) :] if bom else sample
    line_ending = detect_line_ending(body[:SAMPLE_BYTES])
    text = _complete_records(body, truncated, "\r" if line_ending == "mac" else "\n")
    known = {name.lower() for name in known_columns} | DDS_STANDARD_COLUMNS
    best: tuple[tuple[float, ...], Dialect] | None = None
    for delimiter in [hints.delimiter] if hints.delimiter else DELIMITERS:
        for enclosure in [hints.enclosure] if hints.enclosure else ENCLOSURES:
            records, broken = _records(text, delimiter, enclosure, SAMPLE_RECORDS, truncated)
            score = _score(records, broken, delimiter, enclosure, known, expected_width, hints.has_header)
            if score is not None and (best is None or score[:-1] > best[0][:-1]):
                has_header = hints.has_header if hints.has_header is not None else score[0] >= HEADER_MIN_NAMES
                best = (
                    score,
                    Dialect(delimiter, enclosure, line_ending, has_header, bom, int(score[-1]), len(records)),
                )
    if best is None:
        raise DialectError("no delimiter/enclosure combination parses the first records of the file consistently")
    return best[1]
