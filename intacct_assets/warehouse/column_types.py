"""The warehouse's column types, and the one reading of Intacct's text into them, for DDS files and API pages alike.

Every value arrives as text (a CSV field, a JSON string, an XML element) and is read by the rules below whichever
way it came, so the same text gets the same type and value. Text the rules cannot read, or that a cast would
silently change, rejects its record (kept in ``intacct_meta.rejected_rows``): nothing is rounded, cut or guessed.

- Blank text (empty, or spaces only) is no value (NULL) in a typed column, and spaces around a value are not part
  of it. A ``string`` column keeps its text as it came.
- ``integer``: an optional sign and digits, within BIGINT.
- ``decimal``: DECIMAL(38,10): plain (``-1234.50``) or with an exponent (``1e5``), at most 28 integer digits.
  An 11th non-zero decimal place or a negative exponent (``1e-11`` would become 0) is rejected, never rounded.
- ``boolean``: ``true``/``false``, ``t``/``f``, ``1``/``0``, ``yes``/``no``, in any case (the XML gateway writes
  true/false, its legacy stores T/F: developer.intacct.com "Parameter Formats").
- ``timestamp``: naive UTC, to the microsecond, in the source's :class:`TextForms`. A timestamp with an offset
  (``Z``, ``+02:00``, ``-0500``, ``+02``) names one moment and is converted to UTC; one without is read in the
  source's zone (UTC for DDS and REST, the user's for XML). A date alone is the start of its day in that zone.
- ``date``: a date has no zone ("Dates in Sage Intacct do not have associated timezones", developer.intacct.com
  "Parameter Formats"). A timestamp in a date column is its date only at midnight, with no offset other than
  UTC's; any other time of day is rejected (which day would it be?).
- Rejected as what a parse would change: digits finer than a microsecond, a leap second (rolled into the next
  minute), a year before 100 (``26-11-01`` read literally: a two-digit year).

Where the forms come from: DDS writes ISO-8601 UTC, ``YYYY-MM-DDTHH:MM:SSZ`` and ``YYYY-MM-DD`` (Intacct's own DDS
loader: intacctaaron/intacct-dds ``DdsLoader/DBs/DdsDbRedshift.php``, ``timeformat 'YYYY-MM-DDTHH:MI:SSZ'``). REST
writes the same, and the OpenAPI examples also show zone-less ``2023-08-01T01:20:30`` (``createdDateTime`` of a
bulk job) and ``05/28/2024 11:45:17`` (``startDateTime`` of a bank rule-set run log), mirrored in
dgaretz-oss/intacct-mcp ``docs/rest/common-resources.md`` and ``docs/rest/cash-management.md``. XML values follow
the Web Services user's preferences: ``intacct.xml_dates`` passes them as a :class:`TextForms`.

Speed: :func:`read_typed` reads each column in the one pattern that fits its first values, as the text is (no
stripping), and reads again by every rule only the records that failed; where the fast reading gives a value,
it is the value the full rules give. It looks for decimal places a cast would cut only in a column whose longest
text could hold them, or that has an exponent: most amounts cannot, and the pattern match per value was the
costliest check of a DDS file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, NamedTuple

import polars as pl

ColumnType = Literal["string", "integer", "decimal", "date", "timestamp", "boolean"]
DECIMAL = pl.Decimal(38, 10)  # DUCKDB_TYPES["decimal"]
BOOLEAN_WORDS = {"true": True, "false": False, "t": True, "f": False, "1": True, "0": False, "yes": True, "no": False}

# What a cast accepts but changes. A wider probe decimal cannot find lost digits: it cannot hold the 21-28 integer
# digits DECIMAL(38,10) can.
_DECIMAL_LOSS = r"\.\d{10}\d*[1-9]|[eE]-"
# The shortest text _DECIMAL_LOSS finds without an exponent: a point, ten digits and a non-zero eleventh.
_DECIMAL_LOSS_LENGTH = 12
_DECIMAL_LOSS_REASON = "more than 10 decimal places, or a negative exponent"
_FINER_THAN_MICROSECONDS = r"\.\d{6}\d*[1-9]"
_TIME_OF_DAY = r"\d:\d\d"
_MIDNIGHT = r"[T ]00:00(?::00(?:\.0+)?)?(?:Z|[+-]00(?::?00)?)?$"
_OFFSET_DIRECTIVE = re.compile(r"%[:#]?z")
_FIXED_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
_FIRST_VALUES = 20
_UNREADABLE = "_intacct_unreadable"  # the flag column of a record that did not fit


@dataclass(frozen=True)
class TextForms:
    """How a source writes dates and timestamps: patterns (chrono's, as polars takes them) tried in order, and
    the time zone of a timestamp that names none (``UTC``, an offset such as ``-08:00``, or an IANA name)."""

    dates: tuple[str, ...]
    timestamps: tuple[str, ...]
    zone: str = "UTC"

    def patterns(self, kind: str) -> tuple[str, ...]:
        """A column's own patterns first, then the other kind's (a date in a timestamp column, a timestamp in a
        date column)."""
        return self.timestamps + self.dates if kind == "timestamp" else self.dates + self.timestamps

    def fitting(self, kind: str, sample: pl.Series) -> TextForms:
        """Only the first pattern that reads each of the column's first values (or the first pattern): one
        pattern reads a column several times faster than a coalesce of them all."""
        if kind not in ("date", "timestamp"):
            return self
        values = sample.drop_nulls().head(_FIRST_VALUES).to_frame("text")
        patterns = self.patterns(kind)
        chosen = next(
            (
                p
                for p in patterns
                if values.select(_parsed(pl.col("text"), kind, p, self.zone).null_count()).item() == 0
            ),
            patterns[0],
        )
        return TextForms(
            tuple(p for p in self.dates if p == chosen), tuple(p for p in self.timestamps if p == chosen), self.zone
        )


STANDARD = TextForms(
    dates=("%Y-%m-%d", "%m/%d/%Y"),
    # what DDS and REST write first: it parses fastest, and needs no check of fractions
    timestamps=(
        "%Y-%m-%dT%H:%M:%SZ",
        "%Y-%m-%dT%H:%M:%S%.f%#z",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f%#z",
        "%Y-%m-%d %H:%M:%S%.f",
        "%m/%d/%Y %H:%M:%S",
    ),
)


class Cast(NamedTuple):
    value: pl.Expr
    unreadable: pl.Expr  # the text holds something that is not a value of the type, or one a cast would change


def cast(
    text: pl.Expr, kind: str, forms: TextForms = STANDARD, *, lenient: bool = True, lossless: bool = False
) -> Cast:
    """``text`` read as ``kind``. ``lenient=False`` takes the text as it is (no blank or space handling): faster,
    and where it gives a value, the lenient reading gives the same one. ``lossless``: the caller knows no text is
    one a decimal cast would cut (:func:`_lossless_decimals`), so it is not looked for."""
    if kind == "string":
        return Cast(text, pl.lit(False))
    if lenient:
        stripped = text.str.strip_chars()
        text = pl.when(stripped != "").then(stripped)
    value, changes = _read(text, kind, forms)
    if lossless:
        changes = [(why, expr) for why, expr in changes if why != _DECIMAL_LOSS_REASON]
    changed = pl.any_horizontal([expr for _, expr in changes]) if changes else pl.lit(False)
    return Cast(value, text.is_not_null() & (value.is_null() | changed))


def is_blank(text: pl.Expr) -> pl.Expr:
    """No value: null, empty, or spaces only."""
    return text.is_null() | ~text.str.contains(r"\S")


def timestamp(text: pl.Expr) -> pl.Expr:
    """The moment ``text`` names, naive UTC (null for anything else)."""
    return cast(text, "timestamp").value


def parse_timestamp(text: str | None) -> datetime | None:
    return pl.select(timestamp(pl.lit(text, pl.String))).item()


@dataclass(frozen=True)
class Typed:
    """Records read as their columns' types (``frame``), and those that did not fit, as their text (``rejected``)."""

    frame: pl.DataFrame
    rejected: pl.DataFrame


def read_typed(
    source: pl.LazyFrame,
    types: Mapping[str, str],
    forms: TextForms = STANDARD,
    *,
    row: str,
    invalid: Sequence[pl.Expr] = (),
) -> Typed:
    """Every record of ``source`` (text columns, and a ``row`` number) typed in one streaming pass that reads each
    column in the pattern its first values fit; the records that failed are read again by every rule. Records that
    still fail, or meet a condition of ``invalid`` (on the text: an empty key…), are rejected."""
    sample = source.head(200).collect()
    first = _checked(source, types, forms, invalid, sample)
    if not first[_UNREADABLE].any():
        return Typed(first.drop(_UNREADABLE), sample.clear())
    failed = first.filter(pl.col(_UNREADABLE))[row]
    text = source.filter(pl.col(row).is_in(failed.implode())).collect()
    second = _checked(text.lazy(), types, forms, invalid, None)
    good = pl.concat([first.filter(~pl.col(_UNREADABLE)), second.filter(~pl.col(_UNREADABLE))])
    return Typed(good.drop(_UNREADABLE), text.filter(second[_UNREADABLE]))


def unreadable(text: pl.DataFrame, types: Mapping[str, str], forms: TextForms = STANDARD) -> list[list[str]]:
    """For each record of ``text``, the typed columns whose text is not a value of the column's type."""
    typed = [name for name, kind in types.items() if kind != "string"]
    if not typed:
        return [[] for _ in range(text.height)]
    flags = text.select(cast(pl.col(name), types[name], forms).unreadable.alias(name) for name in typed)
    return [[name for name, bad in row.items() if bad] for row in flags.iter_rows(named=True)]


def describe(text: str, kind: str, forms: TextForms = STANDARD) -> str:
    """Why ``text`` (a value :func:`unreadable` flags) is not a ``kind``, for a rejected record's reason."""
    value, changes = _read(pl.lit(text.strip(), pl.String), kind, forms)
    found = pl.select(value.is_null().alias("missing"), *(expr.alias(why) for why, expr in changes)).row(0, named=True)
    whys = [why for why, _ in changes if found[why]]
    if (
        kind == "decimal"
        and found["missing"]
        and pl.select(pl.lit(text.strip()).cast(pl.Float64, strict=False)).item() is not None
    ):
        whys.append("more than 28 integer digits")
    return f"{text!r} is not a valid {kind}" + (f" ({', '.join(whys)})" if whys else "")


def _checked(
    source: pl.LazyFrame,
    types: Mapping[str, str],
    forms: TextForms,
    invalid: Sequence[pl.Expr],
    sample: pl.DataFrame | None,
) -> pl.DataFrame:
    """Typed columns in place of their text and an ``_UNREADABLE`` flag; with a ``sample``, each column in the one
    pattern it fits (as the text is), else leniently by every rule."""
    casts, flags = {}, list(invalid)
    lossless = _lossless_decimals(source, [n for n, k in types.items() if k == "decimal"]) if sample is not None else ()
    for name, kind in types.items():
        if kind != "string":
            narrowed = forms.fitting(kind, sample[name]) if sample is not None else forms
            casts[name], bad = cast(pl.col(name), kind, narrowed, lenient=sample is None, lossless=name in lossless)
            flags.append(bad)
    # one projection, so each cast is computed once for both its value and its flag
    flag = pl.any_horizontal(flags) if flags else pl.lit(False)
    return source.with_columns(flag.alias(_UNREADABLE), **casts).collect(engine="streaming")


def _lossless_decimals(source: pl.LazyFrame, columns: list[str]) -> set[str]:
    """The decimal columns no text of which a cast could cut: none has an exponent, or room for an 11th decimal
    place. One pass of cheap per-column aggregates instead of a pattern match per value."""
    if not columns:
        return set()
    fits = source.select(
        (
            (pl.col(name).str.len_bytes().max() < _DECIMAL_LOSS_LENGTH)
            & ~pl.col(name).str.contains_any(["e", "E"]).any()
        ).alias(name)
        for name in columns
    ).collect(engine="streaming")
    return {name for name in columns if fits[name].item()}  # null (no text at all): looked for, harmlessly


def _read(text: pl.Expr, kind: str, forms: TextForms) -> tuple[pl.Expr, list[tuple[str, pl.Expr]]]:
    """(the value, [(why, whether the text is one a cast accepts but changes)])."""
    if kind == "integer":
        return text.cast(pl.Int64, strict=False), []
    if kind == "decimal":
        return text.cast(DECIMAL, strict=False), [(_DECIMAL_LOSS_REASON, text.str.contains(_DECIMAL_LOSS))]
    if kind == "boolean":
        return text.str.to_lowercase().replace_strict(BOOLEAN_WORDS, default=None, return_dtype=pl.Boolean), []
    if kind in ("date", "timestamp"):
        patterns = forms.patterns(kind)
        parsed = [_parsed(text, kind, pattern, forms.zone) for pattern in patterns]
        value = pl.coalesce(parsed) if len(parsed) > 1 else parsed[0]
        return value, _moment_changes(text, value, kind, patterns)
    raise ValueError(f"unknown column type {kind!r}")


def _parsed(text: pl.Expr, kind: str, pattern: str, zone: str) -> pl.Expr:
    """A date as written (dates have no zone); a timestamp in UTC."""
    if kind == "date":
        return text.str.to_date(pattern, strict=False)
    moment = text.str.to_datetime(pattern, strict=False, time_unit="us")
    if _OFFSET_DIRECTIVE.search(pattern):
        return moment.dt.replace_time_zone(None)  # parsed with its offset into UTC
    if pattern.endswith("Z") or zone == "UTC":
        return moment
    return _in_utc(moment, zone)


def _in_utc(local: pl.Expr, zone: str) -> pl.Expr:
    """Wall times of ``zone`` as naive UTC. A named zone's wall time that occurs twice (when clocks go back) is
    taken as the earlier moment: a cursor read so is early, and a sync re-reads rather than misses; one that never
    occurs (when clocks go forward) is unreadable."""
    fixed = _FIXED_OFFSET.match(zone)
    if fixed:
        seconds = (int(fixed[2]) * 60 + int(fixed[3])) * 60
        return local - pl.duration(seconds=-seconds if fixed[1] == "-" else seconds)
    return (
        local.dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
        .dt.replace_time_zone(None)
    )


def _moment_changes(text: pl.Expr, value: pl.Expr, kind: str, patterns: Sequence[str]) -> list[tuple[str, pl.Expr]]:
    """What a parse with ``patterns`` accepts but changes; a check the patterns cannot need is left out (each
    costs a pass over the text)."""
    changes = [("a year before 100: two digits?", value < (date(100, 1, 1) if kind == "date" else datetime(100, 1, 1)))]
    if any("%S" in pattern for pattern in patterns):
        changes.append(("a leap second", text.str.contains(":60", literal=True)))
    if any("%.f" in pattern for pattern in patterns):
        changes.append(("finer than a microsecond", text.str.contains(_FINER_THAN_MICROSECONDS)))
    if kind == "date" and any("%H" in pattern for pattern in patterns):
        changes.append(
            (
                "a time of day, or an offset, in a date column",
                text.str.contains(_TIME_OF_DAY) & ~text.str.contains(_MIDNIGHT),
            )
        )
    return changes
