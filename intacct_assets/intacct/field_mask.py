"""Masking the values of named fields in REST (JSON), XML gateway and form bodies, as text.

Captures hide configured fields (names, e-mails, amounts) with it, and the sandbox's replay ignores the
same fields when it matches requests. A field is named by its last segment, case-insensitively: ``email1``
covers the JSON keys ``email1`` and ``contacts.default.email1`` and the XML elements ``<EMAIL1>`` and
``<DISPLAYCONTACT.EMAIL1>``; XML query filters (``<field>NAME</field><value>…</value>``) are covered too.
Only scalar values are masked (strings, numbers, lists of them): ``null``, booleans and empty strings keep
their meaning. Bodies are rewritten in place, so everything else stays byte for byte as it was.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable
from urllib.parse import quote, unquote_plus

Mask = Callable[[str], str]  # a value (decoded text) -> what stands in its place

_STRING = r'"(?:[^"\\]|\\.)*"'
_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"
_SCALAR = rf"(?:{_STRING}|{_NUMBER}|true|false|null)"
_SCALAR_TOKEN = re.compile(_SCALAR)
_XML_VALUE = re.compile(r"(<value>)([^<]*)(</value>)")
NUMBER = re.compile(_NUMBER)


class FieldMask:
    """The fields to mask; :meth:`apply` rewrites a body with ``mask`` standing in for each value."""

    def __init__(self, fields: Iterable[str]) -> None:
        self.fields = tuple(sorted({name.strip().lower() for name in fields if name.strip()}))
        names = "|".join(re.escape(name) for name in self.fields) or r"(?!)"  # no field: matches nothing
        self._json = re.compile(
            rf'("(?:[^"\\]*\.)?(?:{names})"\s*:\s*)({_STRING}|{_NUMBER}|\[\s*(?:{_SCALAR}(?:\s*,\s*{_SCALAR})*)?\s*\])',
            re.IGNORECASE,
        )
        self._xml = re.compile(
            rf"(<((?:[\w-]+\.)*(?:{names}))(?:\s[^<>]*)?>)(?:([^<]*)|<!\[CDATA\[(.*?)\]\]>)(</\2\s*>)",
            re.IGNORECASE | re.DOTALL,
        )
        self._xml_filter = re.compile(
            rf"(<field>\s*(?:[\w-]+\.)*(?:{names})\s*</field>)((?:\s*<value>[^<]*</value>)+)", re.IGNORECASE
        )
        self._form = re.compile(rf"((?:^|&)(?:[^=&]*\.)?(?:{names})=)([^&]*)", re.IGNORECASE)

    def __bool__(self) -> bool:
        return bool(self.fields)

    def apply(self, text: str, mask: Mask) -> str:
        """``text`` with every value of a masked field replaced by ``mask(value)`` (empty values stay empty)."""
        if not self.fields or not text:
            return text
        first = text.lstrip()[:1]
        if first in ("{", "["):
            return self._json.sub(lambda m: m.group(1) + _json_value(m.group(2), mask), text)
        if first == "<":
            text = self._xml.sub(lambda m: m.group(1) + _xml_text(m.group(3), m.group(4), mask) + m.group(5), text)
            return self._xml_filter.sub(
                lambda m: (
                    m.group(1)
                    + _XML_VALUE.sub(lambda v: v.group(1) + _xml_text(v.group(2), None, mask) + v.group(3), m.group(2))
                ),
                text,
            )
        return self._form.sub(lambda m: m.group(1) + _form_value(m.group(2), mask), text)


def _json_value(token: str, mask: Mask) -> str:
    if token.startswith("["):
        return _SCALAR_TOKEN.sub(lambda m: _json_value(m.group(0), mask), token)
    if token.startswith('"'):
        value = json.loads(token)
        return json.dumps(mask(value)) if value else token
    if NUMBER.fullmatch(token):
        masked = mask(token)
        return masked if NUMBER.fullmatch(masked) else json.dumps(masked)
    return token  # true, false, null


def _xml_text(text: str | None, cdata: str | None, mask: Mask) -> str:
    value = cdata if cdata is not None else html.unescape(text or "")
    return html.escape(mask(value), quote=False) if value else ""


def _form_value(raw: str, mask: Mask) -> str:
    value = unquote_plus(raw)
    return quote(mask(value), safe="") if value else raw
