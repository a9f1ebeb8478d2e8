"""The Web Services user's date format and time zone, which the XML gateway's values follow.

XML dates and timestamps are written in the user's preferences, not in one fixed format (estuary/connectors
source-sage-intacct reads them so, and ``readUserFormatting`` reports them:
developer.intacct.com/api/company-console/users): ``dateformat`` is a separator then the order of ``m``,
``d`` and ``Y`` (``/mdY`` = 12/31/2026, ``.dmY`` = 31.12.2026, ``-Ymd`` = 2026-12-31; ``y`` is a two-digit
year), ``gmtoffset`` the time zone of timestamps (``-08:00``), ``clock`` 12 or 24. Dates have no time
zone. Values are read in the user's format and zone and kept as UTC; every filter bound is sent back in
them. What cannot be read unambiguously is refused with a message saying what to change: a two-digit
year (which century?) and a 12-hour clock (how the gateway writes it is not documented).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from intacct_assets.intacct.errors import IntacctConfigError
from intacct_assets.intacct.filters import Compare, Filter, Junction
from intacct_assets.warehouse.column_types import TextForms, cast

CANONICAL_TIMESTAMP = "%Y-%m-%dT%H:%M:%SZ"  # what XML timestamps become: UTC, ISO-8601
CANONICAL_DATE = "%Y-%m-%d"
_DIRECTIVES = {"m": "%m", "d": "%d", "Y": "%Y"}
_CODE = re.compile(r"^([/.\- ])([mdYy]{3})$")  # Intacct's own notation: separator, then the order
_SPELLED = re.compile(r"^([mdYy])([/.\- ])([mdYy])\2([mdYy])$")  # m/d/Y
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
_FIX = (
    "Change the Web Services user's preferences in Intacct (date format and time zone), or set "
    "INTACCT_XML_DATE_FORMAT and INTACCT_XML_TIMEZONE to what they are."
)


class UnreadableDates(IntacctConfigError):
    """A date format or time zone the client cannot read XML values in: ``reason``, and the ``fix`` (what to change
    in Intacct, or which setting to set)."""

    def __init__(self, reason: str, fix: str) -> None:
        super().__init__(f"{reason}. {fix}")
        self.reason, self.fix = reason, fix


@dataclass(frozen=True)
class UserFormatting:
    """What ``readUserFormatting`` reports of a user, as text: ``locale`` (``en_US``), ``dateformat`` (``/mdY``),
    ``gmtoffset`` (``-08:00``) and ``clock`` (``12`` or ``24``)."""

    user: str
    locale: str
    dateformat: str
    gmtoffset: str
    clock: str

    def dates(self, date_format: str = "", zone: str = "") -> UserDates:
        """The format and zone XML values are read in: these preferences, but for what the settings
        (INTACCT_XML_DATE_FORMAT, INTACCT_XML_TIMEZONE) name; a date format setting means 24-hour times."""
        return UserDates.of(
            date_format or self.dateformat,
            zone or self.gmtoffset,
            "24" if date_format else self.clock,
            source=f"user {self.user}'s preferences",
        )


@dataclass(frozen=True)
class UserDates:
    """A date format (``order`` of ``m``, ``d``, ``Y``; ``separator``) and a time zone (``zone``: ``+hh:mm``,
    ``UTC`` or an IANA name, as polars takes them)."""

    order: str = "mdY"
    separator: str = "/"
    zone: str = "UTC"

    @classmethod
    def of(cls, date_format: str, zone: str, clock: str = "24", *, source: str = "readUserFormatting") -> UserDates:
        """From Intacct's notation (``/mdY``, or spelled ``m/d/Y``) and an offset or zone name; ``source`` names
        where they came from in the error (:class:`UnreadableDates`)."""
        text = (date_format or "").strip()
        found = _CODE.match(text) or _SPELLED.match(text)
        if found is None:
            raise UnreadableDates(
                f"the XML date format {text!r} ({source}) is not a separator and m, d, Y in some order", _FIX
            )
        separator, order = (found[1], found[2]) if found.re is _CODE else (found[2], found[1] + found[3] + found[4])
        if sorted(order.replace("y", "Y")) != ["Y", "d", "m"]:
            raise UnreadableDates(f"the XML date format {text!r} ({source}) needs each of m, d and Y once", _FIX)
        if "y" in order:
            raise UnreadableDates(
                f"the Web Services user's date format {text!r} ({source}) has a two-digit year, which cannot be "
                "read unambiguously (which century?)",
                "Give the user a four-digit year (Y) in Intacct.",
            )
        if str(clock).strip() != "24":
            raise UnreadableDates(
                f"the Web Services user shows times on a {clock}-hour clock ({source}); how the XML gateway writes "
                "such times is not documented, so they cannot be read safely",
                "Give the user the 24-hour clock in Intacct.",
            )
        return cls(order, separator, _zone_name(zone, source))

    @property
    def date_pattern(self) -> str:
        return self.separator.join(_DIRECTIVES[letter] for letter in self.order)

    @property
    def timestamp_pattern(self) -> str:
        return f"{self.date_pattern} %H:%M:%S"

    @property
    def tz(self) -> tzinfo:
        found = _OFFSET.match(self.zone)
        if found is None:
            return UTC if self.zone == "UTC" else ZoneInfo(self.zone)
        delta = timedelta(hours=int(found[2]), minutes=int(found[3]))
        return timezone(-delta if found[1] == "-" else delta)

    def timestamp_text(self, moment: datetime) -> str:
        """A naive UTC moment as the gateway expects it from this user."""
        return moment.replace(tzinfo=UTC).astimezone(self.tz).strftime(self.timestamp_pattern)

    def date_text(self, day: date) -> str:
        return day.strftime(self.date_pattern)

    # ------------------------------------------------------------------ reading pages
    @property
    def forms(self) -> TextForms:
        """How this user's values are written, for ``warehouse.column_types``."""
        return TextForms(dates=(self.date_pattern,), timestamps=(self.timestamp_pattern,), zone=self.zone)

    def canonical(self, frame: pl.DataFrame, types: dict[str, str]) -> pl.DataFrame:
        """Timestamp and date columns of a page of XML text as ISO text (timestamps in UTC). A value that is
        not one of the user's, or that reading would change, is marked so that nothing reads it (it is rejected
        with its record)."""
        columns = []
        for name in frame.columns:
            kind = types.get(name)
            if kind in ("timestamp", "date"):
                value, unreadable = cast(pl.col(name), kind, self.forms)
                shown = value.dt.strftime(CANONICAL_TIMESTAMP if kind == "timestamp" else CANONICAL_DATE)
                marked = pl.col(name) + pl.lit(f" (not a {kind} in the user's format {self.date_pattern} {self.zone})")
                columns.append(pl.when(unreadable).then(marked).otherwise(shown).alias(name))
        return frame.with_columns(columns) if columns else frame

    # ------------------------------------------------------------------ writing filters
    def wire(self, node: Filter | None, types: dict[str, str]) -> Filter | None:
        """A filter whose bounds on timestamp and date fields are canonical (ISO, UTC) text, in this user's
        format and zone; other values are left as they are."""
        if node is None:
            return None
        if isinstance(node, Junction):
            return Junction(node.op, tuple(self.wire(item, types) for item in node.items))
        kind = types.get(node.field)
        if kind not in ("timestamp", "date") or node.value is None:
            return node
        values = node.value if isinstance(node.value, list | tuple) else (node.value,)
        shown = [self._value(kind, value) for value in values]
        return Compare(node.op, node.field, shown if isinstance(node.value, list | tuple) else shown[0])

    def _value(self, kind: str, value: object) -> object:
        try:
            if kind == "timestamp":
                return self.timestamp_text(datetime.strptime(str(value), CANONICAL_TIMESTAMP))
            return self.date_text(datetime.strptime(str(value), CANONICAL_DATE).date())
        except ValueError:
            return value  # not a bound of ours (a custom query's own text): sent as written


def _zone_name(text: str, source: str) -> str:
    """``-08:00``, ``-0800``, ``UTC`` / ``Z`` / ``+00:00``, or an IANA name such as ``America/Los_Angeles``."""
    value = (text or "").strip()
    found = _OFFSET.match(value)
    if found:
        return "UTC" if found[2] == found[3] == "00" else f"{found[1]}{found[2]}:{found[3]}"
    if value.upper() in ("UTC", "Z", "GMT"):
        return "UTC"
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnreadableDates(
            f"the XML time zone {value!r} ({source}) is neither an offset like -08:00 nor a "
            "time zone name like America/Los_Angeles",
            _FIX,
        ) from None
    return value
