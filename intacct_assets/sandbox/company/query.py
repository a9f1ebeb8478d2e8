"""One query engine for REST query, XML readByQuery and XML query.

Faces parse their syntax into the small AST below (``Cond``/``BoolOp``) using field ``Accessor``s from a
``Resolver`` (REST camelCase paths or XML UPPERCASE names, with one-hop traversal through references).
Filtered, sorted key lists are cached per (object, query, entity, data version), so paging through a large
result costs one filter+sort in total, then only slicing and formatting; an object's rows in one field's order
are kept per data version too, so a query sorted like an earlier one only filters.
"""

from __future__ import annotations

import operator
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from intacct_assets.sandbox import values
from intacct_assets.sandbox.company import views
from intacct_assets.sandbox.errors import SandboxError
from intacct_assets.sandbox.objects import ENUMS, QUERY_CODES, Field, ObjectDef, Ref

if TYPE_CHECKING:
    from intacct_assets.sandbox.company.store import Store

Getter = Callable[[dict], object]
ORDERS_KEPT = 8  # objects x sort fields whose ordered rows are kept
NEGATED = {"ne", "notin", "notbetween", "notcontains", "notstartswith", "notendswith", "notlike"}


@dataclass(frozen=True)
class Accessor:
    """How to read one requested field from a stored record, and how to show it on each face."""

    name: str
    kind: str
    get: Getter
    enum: str | None = None
    filterable: bool = True
    is_key: bool = False  # RECORDNO-like: REST shows it as a string
    stored: str | None = None  # the stored field name when REST shows the stored value as is
    field: str | None = None  # the stored field ``get`` reads, when it reads one of the record's own
    style: values.XmlStyle = values.US_UTC  # XML: the user's date format and time zone

    def rest(self, record: dict) -> object:
        value = self.get(record)
        if value is None:
            return None
        if self.enum:
            return ENUMS[self.enum].get(value, value)
        if self.is_key:
            return str(value)
        return value

    def xml(self, record: dict) -> str:
        return values.xml_text(self.kind, self.get(record), self.style)

    def coerce(self, raw: object, *, xml: bool, codes: bool = False) -> object:
        """Filter value (face text) -> stored form, so comparisons run on stored values."""
        if raw is None:
            return None
        if self.enum:
            mapping = ENUMS[self.enum]
            if codes and str(raw) in QUERY_CODES.get(self.enum, {}):
                return QUERY_CODES[self.enum][str(raw)]
            if not xml:
                reverse = {v: k for k, v in mapping.items()}
                if raw in reverse:
                    return reverse[raw]
            if self.kind == "integer":
                return values.parse_value("integer", raw, self.name)
            return raw
        if self.is_key:
            try:
                return int(str(raw))
            except ValueError:
                return -1  # never matches, like an unknown key
        return values.parse_value(self.kind, raw, self.name, xml=xml, style=self.style if xml else None)


@dataclass(frozen=True)
class Cond:
    accessor: Accessor
    op: str  # eq ne lt lte gt gte in notin between notbetween contains ... like notlike isnull isnotnull
    value: object = None


@dataclass(frozen=True)
class BoolOp:
    op: str  # and | or | not
    items: tuple


class Resolver:
    """Field names -> accessors for one object on one face ("rest" or "xml", in a user's date ``style``)."""

    def __init__(self, store: Store, defn: ObjectDef, face: str, style: values.XmlStyle = values.US_UTC) -> None:
        self.store, self.defn, self.face, self.style = store, defn, face, style

    def accessor(self, path: str, *, hops: int = 1) -> Accessor:
        found = self._rest(path, hops) if self.face == "rest" else self._xml(path, hops)
        if found is not None and self.face == "xml" and found.style is not self.style:
            found = replace(found, style=self.style)
        if found is None:
            raise SandboxError(
                "invalid_field",
                f"'{path}' is not a valid field of {self._label()}",
                field=path,
                errorno="DL02000001",
                description="Invalid field",
            )
        return found

    def _label(self) -> str:
        return self.defn.rest or self.defn.name

    @staticmethod
    def _plain(f: Field) -> Accessor:
        name = f.name
        is_key = name == "RECORDNO"
        return Accessor(
            name,
            f.type,
            lambda r: r.get(name),
            f.enum,
            is_key=is_key,
            stored=None if f.enum or is_key else name,
            field=name,
        )

    def _rest(self, path: str, hops: int) -> Accessor | None:
        defn = self.defn
        if path == "id":
            id_field = defn.id_field or "RECORDNO"
            return Accessor(
                "id",
                "integer" if id_field == "RECORDNO" else "string",
                lambda r: r.get(id_field),
                is_key=id_field == "RECORDNO",
            )
        if path == "href":
            return Accessor("href", "string", lambda r: defn.href(r["RECORDNO"]), filterable=False)
        if path in defn.by_rest:
            return self._plain(defn.by_rest[path])
        for ref in defn.refs:
            if path.startswith(ref.rest + "."):
                return self._through(ref, path[len(ref.rest) + 1 :], "rest", hops)
        return None

    def _xml(self, path: str, hops: int) -> Accessor | None:
        found = self.defn.by_name.get(path)
        if found is not None and found.xml:
            return self._plain(found)
        prefix, _, rest = path.partition(".")
        for ref in self.defn.refs:
            if ref.xml and ref.xml == prefix and rest:
                return self._through(ref, rest, "xml", hops)
        return None

    def _through(self, ref: Ref, rest: str, face: str, hops: int) -> Accessor | None:
        """One hop through a reference: local ID field, stored/looked-up key, or the target's field."""
        if face == "rest" and rest == "id":
            return Accessor(ref.rest + ".id", "string", lambda r: r.get(ref.field))
        find, target = self.store.find, ref.target
        if face == "rest" and rest == "key":
            if ref.key_field:
                key_field = ref.key_field
                return Accessor(ref.rest + ".key", "integer", lambda r: _int(r.get(key_field)), is_key=True)
            return Accessor(
                ref.rest + ".key",
                "integer",
                lambda r: (t := find(target, r.get(ref.field)) if r.get(ref.field) else None) and t["RECORDNO"],
                is_key=True,
            )
        if hops <= 0:
            return None
        inner = Resolver(self.store, self.store.registry[target], face, self.style)
        try:
            nested = inner.accessor(rest, hops=hops - 1)
        except SandboxError:
            return None

        def through(record: dict) -> object:
            ident = record.get(ref.field)
            linked = find(target, ident) if ident not in (None, "") else None
            return nested.get(linked) if linked is not None else None

        name = f"{ref.rest if face == 'rest' else ref.xml}.{rest}"
        return Accessor(name, nested.kind, through, nested.enum, is_key=nested.is_key)


def _int(value: object) -> int | None:
    return int(value) if value not in (None, "") else None


# ---------------------------------------------------------------------------- predicates
def like_regex(pattern: str, case_sensitive: bool) -> re.Pattern:
    parts = [".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern]
    return re.compile("".join(parts) + r"\Z", 0 if case_sensitive else re.IGNORECASE | re.DOTALL)


def compile_filter(node: Cond | BoolOp | None, case_sensitive: bool) -> Callable[[dict], bool] | None:
    if node is None:
        return None
    if isinstance(node, BoolOp):
        parts = [compile_filter(item, case_sensitive) for item in node.items]
        if node.op == "and":
            return lambda r: all(p(r) for p in parts)
        if node.op == "or":
            return lambda r: any(p(r) for p in parts)
        inner = parts[0]
        return lambda r: not inner(r)
    return _compile_cond(node, case_sensitive)


def _compile_cond(cond: Cond, case_sensitive: bool) -> Callable[[dict], bool]:
    """Leaf predicate. Negated operators (ne, notin, ...) are the positive test inverted; a NULL value
    fails every positive test and passes every negated one."""
    acc = cond.accessor
    if not acc.filterable:
        raise SandboxError("invalid_field", f"'{acc.name}' cannot be used in a filter", field=acc.name)
    get = acc.get
    if cond.op == "isnull":
        return lambda r: get(r) in (None, "")
    if cond.op == "isnotnull":
        return lambda r: get(r) not in (None, "")
    negated = cond.op in NEGATED
    op = "eq" if cond.op == "ne" else cond.op.removeprefix("not") if negated else cond.op
    fold = acc.kind == "string" and not acc.enum and not case_sensitive

    def conv(v: object) -> object:
        v = values.comparable(acc.kind, v)
        return v.lower() if fold and isinstance(v, str) else v

    target = [conv(v) for v in cond.value] if isinstance(cond.value, (list, tuple)) else conv(cond.value)
    if op == "like":
        regex = like_regex(str(cond.value), case_sensitive)
        test = lambda v: regex.match(str(v)) is not None  # noqa: E731
    elif op in ("contains", "startswith", "endswith"):
        needle, method = str(target), {"contains": "__contains__"}.get(op, op)
        test = lambda v: getattr(str(v), method)(needle)  # noqa: E731
    elif op == "in":
        pool = set(target)
        test = lambda v: v in pool  # noqa: E731
    elif op == "between":
        low, high = target
        test = lambda v: low <= v <= high  # noqa: E731
    else:
        compare = {"eq": operator.eq, "lt": operator.lt, "lte": operator.le, "gt": operator.gt, "gte": operator.ge}[op]
        test = lambda v: compare(v, target)  # noqa: E731

    read = (lambda r: conv(get(r))) if acc.kind == "decimal" or fold else get  # conv is the identity otherwise

    def predicate(record: dict) -> bool:
        value = read(record)
        if value is None:
            return negated
        try:
            return test(value) != negated
        except TypeError:
            return False

    return predicate


# ---------------------------------------------------------------------------- execution
class QueryEngine:
    """Filter + order + entity scoping with a small LRU of sorted results."""

    def __init__(
        self, store: Store, entity_sees_top_level: bool, cache_size: int = 64, private_entities: tuple[str, ...] = ()
    ) -> None:
        self.store = store
        self.entity_sees_top_level = entity_sees_top_level
        self.private_entities = frozenset(private_entities)
        self._cache: OrderedDict[tuple, list[dict]] = OrderedDict()
        self._lock = threading.Lock()
        self._cache_size = cache_size
        self._orders: OrderedDict[tuple, list[dict]] = OrderedDict()  # every row of an object, in one field's order

    def _ordered(self, defn: ObjectDef, accessor: Accessor, descending: bool) -> list[dict]:
        """Every row of an object sorted by one field, kept per data version, so that queries sorted
        alike (another filter, another entity) sort nothing. The record key is unique: its descending
        order is the ascending one reversed."""
        unique = accessor.field == "RECORDNO"
        key = (defn.name, accessor.name, accessor.kind, descending and not unique, self.store.version(defn.name))
        with self._lock:
            rows = self._orders.get(key)
        if rows is None:
            rows = _sorted(views.rows(self.store, defn), accessor, descending and not unique)
            with self._lock:
                self._orders[key] = rows
                while len(self._orders) > ORDERS_KEPT:
                    self._orders.popitem(last=False)
        return rows[::-1] if descending and unique else rows

    def visible(
        self, defn: ObjectDef, entity: str | None, include_private: bool = True
    ) -> Callable[[dict], bool] | None:
        """``include_private=False``: the top level does not see records of private entities (query service
        ``includePrivate`` / XML ``showprivate`` off)."""
        if entity is None and not include_private and self.private_entities and defn.entity_scoped:
            return lambda r: r.get("MEGAENTITYID") not in self.private_entities
        if entity is None or not defn.entity_scoped:
            return None
        if self.entity_sees_top_level:
            return lambda r: r.get("MEGAENTITYID") in (entity, None)
        return lambda r: r.get("MEGAENTITYID") == entity

    def run(
        self,
        defn: ObjectDef,
        where: Cond | BoolOp | None,
        order: list[tuple[Accessor, bool]],
        *,
        entity: str | None,
        case_sensitive: bool,
        cache_key: str,
        include_private: bool = True,
    ) -> list[dict]:
        key = (defn.name, cache_key, entity, case_sensitive, include_private, self.store.version(defn.name))
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        # one sort field: filter the object's rows already in that order (filtering keeps it)
        rows = self._ordered(defn, *order[0]) if len(order) == 1 else views.rows(self.store, defn)
        scope = self.visible(defn, entity, include_private)
        predicate = compile_filter(where, case_sensitive)
        if scope and predicate:
            rows = [r for r in rows if scope(r) and predicate(r)]
        elif scope or predicate:
            rows = list(filter(scope or predicate, rows))
        else:
            rows = list(rows)
        if len(order) > 1:
            for accessor, descending in reversed(order):
                rows = _sorted(rows, accessor, descending)
        with self._lock:
            self._cache[key] = rows
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return rows


def _sorted(rows: list[dict], accessor: Accessor, descending: bool) -> list[dict]:
    """Stable sort by one field, None first (last when descending). Without None, a field's values are
    their own sort keys: sorting positions by a key list is several times faster than a key function
    per row. Python loops rather than ``map``: other requests' threads get the GIL meanwhile."""
    field, get = accessor.field, accessor.get
    keys = [row.get(field) for row in rows] if field else [get(row) for row in rows]
    if None in keys or accessor.kind in ("decimal", "boolean"):
        sorter = values.sort_key(accessor.kind)
        return sorted(rows, key=lambda r: sorter(get(r)), reverse=descending)
    return [rows[i] for i in sorted(range(len(rows)), key=keys.__getitem__, reverse=descending)]
