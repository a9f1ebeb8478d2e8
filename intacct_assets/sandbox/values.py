"""Value formats. Records store canonical text close to the wire: ids/text as str, RECORDNO and integers
as int, decimals as plain strings ("1450.80"), dates "YYYY-MM-DD", timestamps "YYYY-MM-DDTHH:MM:SSZ",
booleans as bool. REST and DDS then need almost no conversion; XML reshapes dates to mm/dd/yyyy."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from intacct_assets.sandbox.errors import SandboxError

_TWO_PLACES = Decimal("0.01")
_XML_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_XML_TS = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ T](\d{1,2}):(\d{2}):(\d{2})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_TS = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]00:?00)?$")


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


def parse_value(kind: str, raw: object, field: str, *, xml: bool = False) -> object:
    """Turn wire input (REST JSON value or XML text) into the canonical stored value; '' / None => None."""
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


def xml_text(kind: str, value: object) -> str:
    """Stored value -> XML text (dates mm/dd/yyyy, timestamps MM/DD/YYYY HH:MM:SS, booleans true/false)."""
    if value is None:
        return ""
    if kind == "date":
        return f"{value[5:7]}/{value[8:10]}/{value[:4]}"
    if kind == "timestamp":
        return f"{value[5:7]}/{value[8:10]}/{value[:4]} {value[11:19]}"
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
