"""Which fields an object has and what warehouse columns they become.

REST: every queryable field of ``/services/core/model`` (groups and references joined with dots,
references as ``<ref>.key`` / ``<ref>.id``). ``writeOnly`` fields are skipped: a real tenant refuses
them in a query with HTTP 400 ``REST-1106`` (keboola/component-sage-intacct-extractor recorded it for
``accounts-receivable/invoice``'s ``action`` and ``createAPBill``); ``deprecated`` ones are kept, the
same tenant still answers them. Money is declared ``{"type": "string", "format": "decimal-precision-2"}``
and sent as strings: it is typed as an exact decimal. XML: every field of ``lookup``. Dots become ``__``
in column names (``audit.modifiedDateTime`` -> ``audit__modifiedDateTime``). Unknown data types stay
text, so a new Intacct type never breaks a sync.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

ENTITY_COLUMN = "intacct_entity"  # the entity context a row was read in ("" = top level / default)
_XML_TYPES = {
    "INTEGER": "integer",
    "DECIMAL": "decimal",
    "CURRENCY": "decimal",
    "PERCENT": "decimal",
    "NUMBER": "decimal",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "DATETIME": "timestamp",
    "BOOLEAN": "boolean",
}


@dataclass(frozen=True)
class FieldSpec:
    source: str  # name on the wire (REST dot path / XML field)
    column: str  # warehouse column
    type: str  # string | integer | decimal | date | timestamp | boolean


def column_name(source: str) -> str:
    return source.replace(".", "__")


def rest_fields(model: dict, key_fields: tuple[str, ...] = ("key",)) -> list[FieldSpec]:
    """Every queryable path of a REST model; IDs (``key``, ``id``, references) stay text."""
    specs: list[FieldSpec] = []

    def walk(node: dict, prefix: str) -> None:
        for name, spec in (node.get("fields") or {}).items():
            if name == "href" or spec.get("writeOnly") is True:
                continue
            path = prefix + name
            kind = "string" if path in key_fields or name in ("key", "id") else _rest_type(spec)
            specs.append(FieldSpec(path, column_name(path), kind))
        for name, group in (node.get("groups") or {}).items():
            walk(group, f"{prefix}{name}.")
        for name in node.get("refs") or {}:
            for part in ("key", "id"):
                path = f"{prefix}{name}.{part}"
                specs.append(FieldSpec(path, column_name(path), "string"))

    walk(model, "")
    return specs


def _rest_type(spec: dict) -> str:
    kind, fmt = spec.get("type"), spec.get("format")
    if spec.get("enum"):
        return "string"  # enumerations travel as their names ("debit"), whatever the stored type
    if kind == "integer":
        return "integer"
    if kind == "number" or str(fmt or "").startswith("decimal-precision"):
        return "decimal"
    if kind == "boolean":
        return "boolean"
    if fmt == "date":
        return "date"
    if fmt == "date-time":
        return "timestamp"
    return "string"


def xml_fields(lookup: list[dict], declared: dict[str, str], key_fields: tuple[str, ...] = ()) -> list[FieldSpec]:
    """Fields of an XML ``lookup``; types declared in the catalog win over Intacct's, keys stay text."""
    specs = []
    for field in lookup:
        name = (field.get("ID") or "").strip()
        if not name:
            continue
        kind = (
            "string"
            if name in key_fields
            else declared.get(name) or _XML_TYPES.get((field.get("DATATYPE") or "").upper(), "string")
        )
        specs.append(FieldSpec(name, column_name(name), kind))
    return specs


def dumps(specs: list[FieldSpec]) -> str:
    return json.dumps([asdict(s) for s in specs])


def loads(text: str) -> list[FieldSpec]:
    return [FieldSpec(**item) for item in json.loads(text)]
