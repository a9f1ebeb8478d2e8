"""DBSync-style SQL for custom query assets, parsed with sqlglot into an XML ``query``.

    select CUSTOMERID, NAME from CUSTOMER where STATUS = 'active' and WHENMODIFIED > '01/01/2026 00:00:00'
    order by RECORDNO asc

What is accepted is a whitelist: one ``SELECT`` of plain fields (or ``*``) from one object, a
``WHERE`` of comparisons with literals (``= != <> < <= > >=``, ``[NOT] IN``, ``BETWEEN``,
``[NOT] LIKE``, ``IS [NOT] NULL``) joined by ``AND`` / ``OR`` / ``NOT`` and parentheses, and
``ORDER BY`` fields. Everything else (joins, functions, sub-queries, aggregates, aliases, LIMIT,
several statements, field-to-field comparisons…) is refused with a message that says what and
where. Values are data: they travel as XML text escaped by lxml, so quotes or markup in a value
cannot change the query. Identifiers are upper-cased (Intacct field names are).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from intacct_assets.intacct.filters import Compare, Filter, all_of, any_of

MAX_SQL_LENGTH = 20_000
MAX_DEPTH = 50
MAX_IN_VALUES = 1000
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,79}$")
_COMPARISONS = {exp.EQ: "eq", exp.NEQ: "ne", exp.LT: "lt", exp.LTE: "lte", exp.GT: "gt", exp.GTE: "gte"}
_MIRRORED = {"eq": "eq", "ne": "ne", "lt": "gt", "lte": "gte", "gt": "lt", "gte": "lte"}
_NEGATED = {
    "eq": "ne",
    "ne": "eq",
    "in": "notin",
    "notin": "in",
    "like": "notlike",
    "notlike": "like",
    "isnull": "isnotnull",
    "isnotnull": "isnull",
}
_SELECT_PARTS = {"expressions", "from", "from_", "where", "order"}


class QuerySyntaxError(ValueError):
    """The query cannot be run as an Intacct XML ``query``; the message says why."""


@dataclass(frozen=True)
class ParsedQuery:
    object: str
    fields: tuple[str, ...]  # () = every field of the object (``select *``)
    filter: Filter | None
    order_by: tuple[tuple[str, str], ...]


def parse(sql: str) -> ParsedQuery:
    if not isinstance(sql, str) or not sql.strip():
        raise QuerySyntaxError("the query is empty")
    if len(sql) > MAX_SQL_LENGTH:
        raise QuerySyntaxError(f"the query is longer than {MAX_SQL_LENGTH} characters")
    if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in sql):
        raise QuerySyntaxError("the query contains control characters")
    try:
        statements = [s for s in sqlglot.parse(sql) if s is not None]
    except (ParseError, TokenError) as error:
        raise QuerySyntaxError(f"not valid SQL: {_first_error(error)}") from None
    except RecursionError:
        raise QuerySyntaxError("the query is nested too deeply") from None
    if len(statements) != 1:
        raise QuerySyntaxError(f"expected exactly one SELECT statement, found {len(statements)}")
    select = statements[0]
    if not isinstance(select, exp.Select):
        raise QuerySyntaxError(f"only SELECT is supported, not {select.key.upper()}")
    extra = [name for name, value in select.args.items() if value and name not in _SELECT_PARTS]
    if extra:
        raise QuerySyntaxError(
            f"{', '.join(sorted(p.upper() for p in extra))} is not supported "
            "(only SELECT fields FROM object [WHERE …] [ORDER BY …])"
        )
    obj = _object(select)
    where = select.args.get("where")
    return ParsedQuery(
        object=obj,
        fields=_fields(select, obj),
        filter=_condition(where.this, obj, 0) if where is not None else None,
        order_by=tuple(
            _order(item, obj) for item in (select.args.get("order").expressions if select.args.get("order") else [])
        ),
    )


def _first_error(error: Exception) -> str:
    details = getattr(error, "errors", None)
    if details:
        first = details[0]
        return f"{first.get('description')} (line {first.get('line')}, column {first.get('col')})"
    return str(error).splitlines()[0][:200]


def _object(select: exp.Select) -> str:
    source = select.args.get("from_") or select.args.get("from")
    if source is None:
        raise QuerySyntaxError("FROM <object> is missing")
    table = source.this
    if not isinstance(table, exp.Table) or table.args.get("db") or table.args.get("catalog"):
        raise QuerySyntaxError("FROM takes one Intacct object name (no sub-query, schema or function)")
    if table.alias:
        raise QuerySyntaxError("aliases are not supported")
    return _identifier(table.this, "object name")


def _identifier(node: exp.Expression, what: str) -> str:
    name = node.name if isinstance(node, exp.Identifier) else str(node)
    if not _IDENTIFIER.match(name):
        raise QuerySyntaxError(f"{what} {name!r} is not a plain Intacct name (letters, digits, _)")
    return name.upper()


def _field(node: exp.Expression, obj: str) -> str:
    if isinstance(node, exp.Alias):
        raise QuerySyntaxError(f"aliases are not supported ({node.sql()})")
    if not isinstance(node, exp.Column) or isinstance(node.this, exp.Star):
        raise QuerySyntaxError(f"{_describe(node)} is not supported; use plain field names")
    _only(node, "this", "table", "db", "catalog")
    parts = [_identifier(part, "field") for part in node.parts]
    if len(parts) > 1 and parts[0] == obj:  # CUSTOMER.NAME in a query FROM CUSTOMER
        parts = parts[1:]
    return ".".join(parts)


def _fields(select: exp.Select, obj: str) -> tuple[str, ...]:
    items = select.expressions
    if len(items) == 1 and isinstance(items[0], exp.Star):
        return ()
    if any(isinstance(item, exp.Star) for item in items):
        raise QuerySyntaxError("* cannot be combined with other fields")
    fields = tuple(_field(item, obj) for item in items)
    duplicates = sorted({f for f in fields if fields.count(f) > 1})
    if duplicates:
        raise QuerySyntaxError(f"field(s) selected twice: {', '.join(duplicates)}")
    return fields


def _order(item: exp.Expression, obj: str) -> tuple[str, str]:
    if not isinstance(item, exp.Ordered):
        raise QuerySyntaxError(f"cannot order by {_describe(item)}")
    _only(item, "this", "desc", "nulls_first")  # where nulls sort is Intacct's choice
    return _field(item.this, obj), "desc" if item.args.get("desc") else "asc"


def _literal(node: exp.Expression) -> str:
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and not node.this.is_string:
        return f"-{node.this.this}"
    if isinstance(node, exp.Boolean):
        return "true" if node.this else "false"
    if isinstance(node, exp.Null):
        raise QuerySyntaxError("compare with NULL using IS NULL / IS NOT NULL")
    if not isinstance(node, exp.Literal):
        raise QuerySyntaxError(f"{_describe(node)} is not supported: compare fields with literal values only")
    return str(node.this)


def _only(node: exp.Expression, *allowed: str) -> exp.Expression:
    """Refuse any part of a node we do not translate (sqlglot keeps ESCAPE, ANY, … as extra args)."""
    extra = sorted(name for name, value in node.args.items() if value and name not in allowed)
    if extra:
        raise QuerySyntaxError(f"{_describe(node)}: {', '.join(extra).upper()} is not supported")
    return node


def _condition(node: exp.Expression, obj: str, depth: int) -> Filter:
    if depth > MAX_DEPTH:
        raise QuerySyntaxError("the WHERE clause is nested too deeply")
    if node.args.get("negate"):  # sqlglot's form of "a NOT LIKE b", "a NOT IN (...)"
        positive = node.copy()
        positive.set("negate", None)
        return _negate(_condition(positive, obj, depth + 1), node)
    if isinstance(node, exp.Paren):
        return _condition(node.this, obj, depth + 1)
    if isinstance(node, exp.And):
        return all_of(_condition(node.this, obj, depth + 1), _condition(node.expression, obj, depth + 1))
    if isinstance(node, exp.Or):
        return any_of(_condition(node.this, obj, depth + 1), _condition(node.expression, obj, depth + 1))
    if isinstance(node, exp.Not):
        return _negate(_condition(node.this, obj, depth + 1), node)
    if type(node) in _COMPARISONS:
        _only(node, "this", "expression")
        op = _COMPARISONS[type(node)]
        left, right = node.this, node.expression
        if isinstance(left, exp.Column) and isinstance(right, exp.Column):
            raise QuerySyntaxError(f"{node.sql()}: comparing two fields is not supported")
        if isinstance(right, exp.Column):  # 'x' = FIELD
            left, right, op = right, left, _MIRRORED[op]
        return Compare(op, _field(left, obj), _literal(right))
    if isinstance(node, exp.In):
        if node.args.get("query") or node.args.get("field"):
            raise QuerySyntaxError("IN takes a list of values, not a sub-query")
        _only(node, "this", "expressions")
        values = [_literal(value) for value in node.expressions]
        if not 1 <= len(values) <= MAX_IN_VALUES:
            raise QuerySyntaxError(f"IN takes 1 to {MAX_IN_VALUES} values")
        return Compare("in", _field(node.this, obj), tuple(values))
    if isinstance(node, exp.Between):
        _only(node, "this", "low", "high")
        return Compare("between", _field(node.this, obj), (_literal(node.args["low"]), _literal(node.args["high"])))
    if isinstance(node, exp.Like):
        _only(node, "this", "expression")
        return Compare("like", _field(node.this, obj), _literal(node.expression))
    if isinstance(node, exp.Is):
        _only(node, "this", "expression")
        if not isinstance(node.expression, exp.Null):
            raise QuerySyntaxError(f"{node.sql()}: only IS NULL / IS NOT NULL are supported")
        return Compare("isnull", _field(node.this, obj))
    raise QuerySyntaxError(f"{_describe(node)} is not supported in WHERE")


def _negate(condition: Filter, node: exp.Expression) -> Filter:
    """NOT, pushed down: De Morgan over AND/OR, and operators that have an exact opposite in Intacct."""
    if isinstance(condition, Compare):
        opposite = _NEGATED.get(condition.op)
        if opposite is None:
            raise QuerySyntaxError(
                f"{node.sql()}: NOT before {condition.op.upper()} is not supported; "
                "write the opposite comparison instead"
            )
        return Compare(opposite, condition.field, condition.value)
    negated = [_negate(item, node) for item in condition.items]
    return any_of(*negated) if condition.op == "and" else all_of(*negated)


def _describe(node: exp.Expression) -> str:
    text = node.sql()
    return f"{node.key.upper()} ({text[:80]})"
