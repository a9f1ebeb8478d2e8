"""A small filter tree rendered for both faces: REST query ``filters`` + ``filterExpression``, and the
XML ``query`` ``<filter>`` element. Values are data, never spliced into text (lxml escapes them)."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

REST_OPERATORS = {
    "eq": "$eq",
    "ne": "$ne",
    "lt": "$lt",
    "lte": "$lte",
    "gt": "$gt",
    "gte": "$gte",
    "in": "$in",
    "notin": "$notIn",
    "between": "$between",
}
XML_OPERATORS = {
    "eq": "equalto",
    "ne": "notequalto",
    "lt": "lessthan",
    "lte": "lessthanorequalto",
    "gt": "greaterthan",
    "gte": "greaterthanorequalto",
    "in": "in",
    "notin": "notin",
    "between": "between",
    "like": "like",
    "notlike": "notlike",
    "isnull": "isnull",
    "isnotnull": "isnotnull",
}
MULTI_VALUE = frozenset({"in", "notin", "between"})
NO_VALUE = frozenset({"isnull", "isnotnull"})


@dataclass(frozen=True)
class Compare:
    op: str
    field: str
    value: object = None

    def __post_init__(self) -> None:
        if self.op not in XML_OPERATORS:
            raise ValueError(f"unknown filter operator {self.op!r}")


@dataclass(frozen=True)
class Junction:
    op: str  # and | or
    items: tuple[Filter, ...]


Filter = Compare | Junction


def all_of(*items: Filter | None) -> Filter | None:
    return _join("and", items)


def any_of(*items: Filter | None) -> Filter | None:
    return _join("or", items)


def _join(op: str, items: tuple[Filter | None, ...]) -> Filter | None:
    kept: list[Filter] = []
    for item in items:
        if item is None:
            continue
        kept.extend(item.items if isinstance(item, Junction) and item.op == op else (item,))
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else Junction(op, tuple(kept))


def to_rest(node: Filter | None) -> tuple[list[dict], str | None]:
    """``(filters, filterExpression)`` for the REST query service."""
    if node is None:
        return [], None
    filters: list[dict] = []

    def render(item: Filter, nested: bool) -> str:
        if isinstance(item, Compare):
            operator = REST_OPERATORS.get(item.op)
            if operator is None:
                raise ValueError(f"the REST query service has no {item.op!r} operator")
            filters.append({operator: {item.field: list(item.value) if item.op in MULTI_VALUE else item.value}})
            return str(len(filters))
        text = f" {item.op} ".join(render(child, True) for child in item.items)
        return f"({text})" if nested else text

    expression = render(node, False)
    return filters, expression if isinstance(node, Junction) else None


def to_xml(node: Filter) -> etree._Element:
    """The single top-level operator element of an XML ``<filter>``."""
    if isinstance(node, Junction):
        element = etree.Element(node.op)
        element.extend(to_xml(child) for child in node.items)
        return element
    element = etree.Element(XML_OPERATORS[node.op])
    etree.SubElement(element, "field").text = node.field
    if node.op in NO_VALUE:
        return element
    values = node.value if node.op in MULTI_VALUE else (node.value,)
    for value in values:
        etree.SubElement(element, "value").text = "" if value is None else str(value)
    return element


READ_BY_QUERY_OPERATORS = {
    "eq": "=",
    "ne": "!=",
    "lt": "<",
    "lte": "<=",
    "gt": ">",
    "gte": ">=",
    "in": "IN",
    "notin": "NOT IN",
    "like": "LIKE",
    "notlike": "NOT LIKE",
    "isnull": "IS NULL",
    "isnotnull": "IS NOT NULL",
}


def to_read_by_query(node: Filter | None) -> str:
    """The SQL-like ``<query>`` text of ``readByQuery`` (quotes escaped as ``\\'``)."""
    if node is None:
        return ""
    if isinstance(node, Junction):
        return "(" + f" {node.op.upper()} ".join(to_read_by_query(child) for child in node.items) + ")"
    if node.op == "between":
        low, high = node.value
        return f"({node.field} >= {_literal(low)} AND {node.field} <= {_literal(high)})"
    operator = READ_BY_QUERY_OPERATORS[node.op]
    if node.op in NO_VALUE:
        return f"{node.field} {operator}"
    if node.op in MULTI_VALUE:
        return f"{node.field} {operator} ({', '.join(_literal(v) for v in node.value)})"
    return f"{node.field} {operator} {_literal(node.value)}"


def _literal(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
