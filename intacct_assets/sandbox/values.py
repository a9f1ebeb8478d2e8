"""Value formats. Records store canonical text close to the wire: ids/text as str, RECORDNO and integers
as int, decimals as plain strings ("1450.80"), dates "YYYY-MM-DD", timestamps "YYYY-MM-DDTHH:MM:SSZ" (UTC),
booleans as bool. REST and DDS then need almost no conversion; XML shows dates and timestamps in the Web
Services user's date format and time zone (:class:`XmlStyle`; US ``mm/dd/yyyy`` and UTC by default)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from intacct_assets.sandbox.errors import SandboxError

_TWO_PLACES = Decimal("0.01")
_XML_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_XML_TS = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2}):(\d{2})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_TS = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]00:?00)?$")


_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
_FIELDS = {"m": r"(?P<m>\d{1,2})", "d": r"(?P<d>\d{1,2})", "Y": r"(?P<Y>\d{4})", "y": r"(?P<y>\d{2})"}


@dataclass(frozen=True)
class XmlStyle:
    """A Web Services user's date preferences as ``readUserFormatting`` reports them
    (developer.intacct.com/api/company-console/users): ``dateformat`` is the separator then the order of
    ``m``, ``d`` and ``Y`` (four-digit year) or ``y`` (two digits), e.g. ``/mdY``; ``gmtoffset`` ``+hh:mm``;
    ``clock`` 12 or 24. XML values and filter values are read and written in it."""

    dateformat: str = "/mdY"
    gmtoffset: str = "+00:00"
    clock: str = "24"

    def __post_init__(self) -> None:
        sep, order = self.dateformat[:1], self.dateformat[1:]
        if sep not in "/-. " or sorted(order.replace("y", "Y")) != ["Y", "d", "m"]:
            raise ValueError(f"dateformat {self.dateformat!r}: a separator, then m, d and Y (or y) in some order")
        if not _OFFSET.match(self.gmtoffset):
            raise ValueError(f"gmtoffset {self.gmtoffset!r} must look like +hh:mm or -hhmm")
        if self.clock not in ("12", "24"):
            raise ValueError("clock must be 12 or 24")

    @property
    def zone(self) -> timezone:
        sign, hours, minutes = _OFFSET.match(self.gmtoffset).groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        return timezone(-delta if sign == "-" else delta)

    def date_text(self, day: date) -> str:
        parts = {"m": f"{day.month:02d}", "d": f"{day.day:02d}", "Y": f"{day.year:04d}", "y": f"{day.year % 100:02d}"}
        return self.dateformat[0].join(parts[letter] for letter in self.dateformat[1:])

    def timestamp_text(self, moment: datetime) -> str:
        """A UTC moment as the user sees it."""
        local = moment.replace(tzinfo=UTC).astimezone(self.zone)
        clock = local.strftime("%H:%M:%S") if self.clock == "24" else local.strftime("%I:%M:%S %p")
        return f"{self.date_text(local.date())} {clock}"

    def parse(self, text: str, with_time: bool) -> tuple[date, tuple[int, int, int] | None] | None:
        sep = re.escape(self.dateformat[0])
        day_part = sep.join(_FIELDS[letter] for letter in self.dateformat[1:])
        time_part = r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2}):(?P<S>\d{2})(?: ?(?P<p>[AaPp][Mm]))?)"
        match = re.match(f"^{day_part}{time_part if with_time else ''}{'?' if with_time else ''}$", text)
        if match is None:
            return None
        year = int(match["Y"]) if match.groupdict().get("Y") else 2000 + int(match["y"])
        found = date(year, int(match["m"]), int(match["d"]))
        if not with_time or match["H"] is None:
            return found, None
        hour = int(match["H"])
        if match["p"]:
            hour = hour % 12 + (12 if match["p"].lower() == "pm" else 0)
        return found, (hour, int(match["M"]), int(match["S"]))


US_UTC = XmlStyle()


def canon_decimal(value: object, field: str = "") -> str:
    """Decimal text with at least two places, no exponent, no thousands separators."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise SandboxError("invalid_value", f"'{value}' is not a valid number for {field}", field=field) from None
    if not number.is_finite():
        raise SandboxError("invalid_value", f"'{value}' is not a valid number for {field}", field=field)
    if number == number.quantize(_TWO_PLACES):
        number = number.quantize(_TWO_PLACES)
    return f"{number:f}"


def _check_date(y: int, m: int, d: int, raw: object, field: str) -> str:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        raise SandboxError("invalid_value", f"'{raw}' is not a valid date for {field}", field=field) from None


def parse_value(kind: str, raw: object, field: str, *, xml: bool = False, style: XmlStyle | None = None) -> object:
    """Turn wire input (REST JSON value or XML text) into the canonical stored value; '' / None => None.
    ``style``: XML dates and timestamps in a user's format and time zone (ISO forms are always read)."""
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    if kind == "string":
        if isinstance(raw, (dict, list)):
            raise SandboxError("invalid_value", f"{field} expects a string", field=field)
        return str(raw)
    if kind == "integer":
        try:
            if isinstance(raw, bool):
                raise ValueError
            return int(str(raw).strip())
        except ValueError:
            raise SandboxError("invalid_value", f"'{raw}' is not a valid integer for {field}", field=field) from None
    if kind == "decimal":
        if isinstance(raw, bool):
            raise SandboxError("invalid_value", f"'{raw}' is not a valid number for {field}", field=field)
        return canon_decimal(raw, field)
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "t", "1"):
            return True
        if text in ("false", "f", "0"):
            return False
        raise SandboxError("invalid_value", f"'{raw}' is not a valid boolean for {field}", field=field)
    text = str(raw).strip()
    if style is not None and kind in ("date", "timestamp"):
        try:
            parsed = style.parse(text, with_time=kind == "timestamp")
        except ValueError:
            raise SandboxError("invalid_value", f"'{raw}' is not a valid {kind} for {field}", field=field) from None
        if parsed is not None:
            day, clock = parsed
            if kind == "date":
                return day.isoformat()
            local = datetime(day.year, day.month, day.day, *(clock or (0, 0, 0)), tzinfo=style.zone)
            return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if kind == "date":
        if m := _XML_DATE.match(text):
            return _check_date(int(m[3]), int(m[1]), int(m[2]), raw, field)
        if _ISO_DATE.match(text):
            return _check_date(int(text[:4]), int(text[5:7]), int(text[8:10]), raw, field)
        if m := _ISO_TS.match(text):
            return parse_value("date", m[1], field)
        raise SandboxError("invalid_value", f"'{raw}' is not a valid date for {field}", field=field)
    if kind == "timestamp":
        if m := _XML_TS.match(text):
            day = _check_date(int(m[3]), int(m[1]), int(m[2]), raw, field)
            return f"{day}T{int(m[4]):02d}:{m[5]}:{m[6]}Z"
        if m := _ISO_TS.match(text):
            return f"{_check_date(int(m[1][:4]), int(m[1][5:7]), int(m[1][8:10]), raw, field)}T{m[2]}Z"
        if _XML_DATE.match(text) or _ISO_DATE.match(text):
            return parse_value("date", text, field) + "T00:00:00Z"
        raise SandboxError("invalid_value", f"'{raw}' is not a valid timestamp for {field}", field=field)
    raise AssertionError(kind)


def xml_text(kind: str, value: object, style: XmlStyle = US_UTC) -> str:
    """Stored value -> XML text (dates and timestamps in the user's style: by default mm/dd/yyyy and
    MM/DD/YYYY HH:MM:SS in UTC; booleans true/false)."""
    if value is None:
        return ""
    if style is US_UTC:  # the common case, without date arithmetic
        if kind == "date":
            return f"{value[5:7]}/{value[8:10]}/{value[:4]}"
        if kind == "timestamp":
            return f"{value[5:7]}/{value[8:10]}/{value[:4]} {value[11:19]}"
    elif kind == "date":
        return style.date_text(date.fromisoformat(value))
    elif kind == "timestamp":
        return style.timestamp_text(datetime.fromisoformat(value.removesuffix("Z")))
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def dds_text(kind: str, value: object) -> str:
    """Stored value -> DDS CSV text (ISO dates/timestamps, plain decimals, true/false, NULL = '')."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def sort_key(kind: str):
    """Key function for ordering stored values of ``kind`` (None first)."""
    if kind == "decimal":
        return lambda v: (v is not None, Decimal(v) if v is not None else 0)
    if kind in ("integer",):
        return lambda v: (v is not None, v if v is not None else 0)
    if kind == "boolean":
        return lambda v: (v is not None, bool(v))
    return lambda v: (v is not None, v if v is not None else "")


def comparable(kind: str, value: object) -> object:
    """Stored value -> something ordered correctly for comparisons (decimals as Decimal)."""
    if value is None:
        return None
    if kind == "decimal":
        return Decimal(value)
    return value
