"""XML read functions: readByQuery (+ readMore cursors), query, read, readByName and lookup."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from xml.etree.ElementTree import Element as InElement
from xml.etree.ElementTree import tostring

from lxml import etree
from lxml.etree import SubElement

from intacct_assets.sandbox.company.query import Accessor, BoolOp, Cond, Resolver
from intacct_assets.sandbox.company.service import Company
from intacct_assets.sandbox.objects import ObjectDef
from intacct_assets.sandbox.xml_gateway.envelope import XmlContext, bad, child, child_text, text
from intacct_assets.sandbox.xml_gateway.sqlish import QueryParser

MAX_READ_KEYS = 100
CURSORS_KEPT = 200
OPERATORS = {
    "equalto": "eq",
    "notequalto": "ne",
    "lessthan": "lt",
    "lessthanorequalto": "lte",
    "greaterthan": "gt",
    "greaterthanorequalto": "gte",
    "between": "between",
    "in": "in",
    "notin": "notin",
    "like": "like",
    "notlike": "notlike",
    "isnull": "isnull",
    "isnotnull": "isnotnull",
}


@dataclass
class ResultSet:
    """A readByQuery cursor served page by page through readMore."""

    defn: ObjectDef
    accessors: list[Accessor]
    rows: list[dict]
    position: int
    page_size: int
    created: float


def object_of(company: Company, body: InElement, *, writable: bool = False) -> ObjectDef:
    """The ``<object>`` a function names, if the Web Services user may read it."""
    name = child_text(body, "object").upper()
    defn = company.registry.get(name) if name else None
    if defn is None or defn.owner and writable:
        raise bad(f"Invalid object '{name}'", "DL02000001")
    if not company.readable(defn):
        raise bad(f"You do not have permission for API operation READ on objects of type {name.lower()}")
    return defn


def records(data: etree._Element, tag: str, accessors: list[Accessor], rows: list[dict]) -> None:
    for row in rows:
        element = SubElement(data, tag)
        for accessor in accessors:
            SubElement(element, accessor.name).text = accessor.xml(row)


class Reads:
    """Billed as one API transaction each (readByQuery, readMore, query, read, readByName); lookup is free."""

    BILLED = frozenset({"readByQuery", "readMore", "query", "read", "readByName"})

    def __init__(self, company: Company) -> None:
        self.company = company
        self._cursors: OrderedDict[str, ResultSet] = OrderedDict()
        self._lock = threading.Lock()
        self.functions = {
            "readByQuery": self.read_by_query,
            "readMore": self.read_more,
            "query": self.query,
            "read": self.read,
            "readByName": self.read_by_name,
            "lookup": self.lookup,
        }

    # ------------------------------------------------------------------ readByQuery / readMore
    def read_by_query(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        defn = object_of(self.company, body)
        _check_format(body)
        resolver = self.company.resolver(defn, "xml")
        accessors = _accessors(defn, child_text(body, "fields", "*"), resolver)
        query_text = child_text(body, "query")
        where = QueryParser(query_text, resolver).parse()
        page_size = _page_size(body, 1000)
        rows = self.company.rows(defn, ctx.caller, where, cache_key="rbq:" + query_text)
        self._page(ResultSet(defn, accessors, rows, 0, page_size, time.monotonic()), secrets.token_hex(16), result)

    def read_more(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        result_id = child_text(body, "resultId")
        with self._lock:
            cursor = self._cursors.get(result_id)
            if cursor is None and not result_id:  # <object>X</object>: the newest cursor of that object
                wanted = child_text(body, "object").upper()
                cursor_id = next((k for k, c in reversed(self._cursors.items()) if c.defn.name == wanted), None)
                cursor, result_id = (self._cursors.get(cursor_id), cursor_id) if cursor_id else (None, "")
        if cursor is None:
            raise bad(
                f"Unknown or exhausted resultId '{result_id}'. Result sets are kept until read to the end "
                f"(the {CURSORS_KEPT} newest).",
                "DL02000001",
            )
        self._page(cursor, result_id, result)

    def _page(self, cursor: ResultSet, result_id: str, result: etree._Element) -> None:
        page = cursor.rows[cursor.position : cursor.position + cursor.page_size]
        cursor.position += len(page)
        remaining = len(cursor.rows) - cursor.position
        tag = cursor.defn.name.lower()
        with self._lock:
            if remaining:
                self._cursors[result_id] = cursor
                while len(self._cursors) > CURSORS_KEPT:
                    self._cursors.popitem(last=False)
            else:
                self._cursors.pop(result_id, None)
        data = SubElement(
            result,
            "data",
            listtype=tag,
            count=str(len(page)),
            totalcount=str(len(cursor.rows)),
            numremaining=str(remaining),
            resultId=result_id if remaining else "",
        )
        records(data, tag, cursor.accessors, page)

    # ------------------------------------------------------------------ query
    def query(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        company = self.company
        defn = object_of(company, body)
        _check_format(body)
        resolver = company.resolver(defn, "xml")
        select = child(body, "select")
        if select is None or not len(select):
            raise bad("<select> with at least one <field> is required", "DL02000001")
        accessors = []
        for item in select:
            if item.tag != "field":
                raise bad(f"<{item.tag}> aggregates are not supported by the sandbox", "DL02000001")
            name = text(item).upper()
            accessors.append(resolver.accessor(name))
            if not company.queryable(defn, name):
                raise bad(f"The field {name} of {defn.name} cannot be used in a query", "DL02000001")
        filter_node = child(body, "filter")
        where = None
        if filter_node is not None:
            if len(filter_node) != 1:
                raise bad("<filter> takes exactly one top-level operator", "DL02000001")
            where = _filter(filter_node[0], resolver)
        orderby = child(body, "orderby")
        order = [
            (resolver.accessor(child_text(item, "field").upper()), child(item, "descending") is not None)
            for item in (orderby if orderby is not None else [])
        ]
        options = child(body, "options")
        option = (lambda name: child_text(options, name) == "true") if options is not None else (lambda name: False)
        page_size = _page_size(body, 2000)
        offset_text = child_text(body, "offset", "0")
        if not offset_text.isdigit():
            raise bad("offset must be a non-negative integer", "DL02000001")
        offset = int(offset_text)
        key = (
            "q:"
            + (tostring(filter_node, encoding="unicode") if filter_node is not None else "")
            + str([(a.name, d) for a, d in order])
        )
        rows = company.rows(
            defn,
            ctx.caller,
            where,
            order,
            case_sensitive=not option("caseinsensitive"),
            cache_key=key,
            include_private=option("showprivate"),
        )
        page = rows[offset : offset + page_size]
        data = SubElement(
            result,
            "data",
            listtype=defn.name,
            totalcount=str(len(rows)),
            offset=str(offset),
            count=str(len(page)),
            numremaining=str(max(0, len(rows) - offset - len(page))),
        )
        records(data, defn.name, accessors, page)

    # ------------------------------------------------------------------ read / readByName
    def read(self, body: InElement, ctx: XmlContext, result: etree._Element, *, by_name: bool = False) -> None:
        company = self.company
        defn = object_of(company, body)
        _check_format(body)
        keys = [k.strip() for k in child_text(body, "keys").split(",") if k.strip()]
        if len(keys) > MAX_READ_KEYS:
            raise bad(f"read accepts at most {MAX_READ_KEYS} keys", "DL02000001")
        if by_name and not defn.id_field:
            raise bad(f"readByName is not available for {defn.name}", "DL02000001")
        if not keys:
            rows = company.rows(defn, ctx.caller)[:100]
        elif by_name:
            rows = [company.find(defn, k, ctx.caller) for k in keys]
        else:
            rows = [company.record(defn, int(k), ctx.caller) if k.isdigit() else None for k in keys]
        rows = [r for r in rows if r is not None]
        accessors = _accessors(defn, child_text(body, "fields", "*"), company.resolver(defn, "xml"))
        data = SubElement(result, "data", listtype=defn.name, count=str(len(rows)))
        for row in rows:
            self._nested_record(data, defn, row, accessors)

    def read_by_name(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        self.read(body, ctx, result, by_name=True)

    def _nested_record(self, parent: etree._Element, defn: ObjectDef, row: dict, accessors: list[Accessor]) -> None:
        """``read`` output: dotted fields become nested groups, owned lines are included."""
        element = SubElement(parent, defn.name)
        groups: dict[str, etree._Element] = {}
        for accessor in accessors:
            *path, leaf = accessor.name.split(".") if accessor.name in defn.by_name else [accessor.name]
            holder = element
            for depth in range(len(path)):
                key = ".".join(path[: depth + 1])
                if key not in groups:
                    groups[key] = SubElement(holder, path[depth])
                holder = groups[key]
            SubElement(holder, leaf).text = accessor.xml(row)
        if defn.lines:
            line_def = self.company.registry[defn.lines.object]
            container = SubElement(element, defn.lines.xml)
            line_resolver = self.company.resolver(line_def, "xml")
            line_accessors = [line_resolver.accessor(f.name) for f in line_def.fields if f.xml]
            for line in self.company.store.lines_of(defn, row["RECORDNO"]):
                records(container, defn.lines.xml_item, line_accessors, [line])

    # ------------------------------------------------------------------ lookup
    def lookup(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        defn = object_of(self.company, body)
        data = SubElement(result, "data", listtype="All", count="1")
        type_node = SubElement(data, "Type", Name=defn.name, DocumentType="")
        fields = SubElement(type_node, "Fields")
        for f in (f for f in defn.fields if f.xml):
            field = SubElement(fields, "Field")
            for tag, value in (
                ("ID", f.name),
                ("LABEL", f.name.title()),
                ("DESCRIPTION", ""),
                ("REQUIRED", str(f.required).lower()),
                ("READONLY", str(f.readonly).lower()),
                ("DATATYPE", f.type.upper()),
                ("ISCUSTOM", "false"),
            ):
                SubElement(field, tag).text = value
            if f.enum:
                valid = SubElement(field, "VALIDVALUES")
                for value in self.company.registry.enums[f.enum]:
                    SubElement(valid, "VALIDVALUE").text = str(value)
        SubElement(type_node, "Relationships")


def _accessors(defn: ObjectDef, fields_text: str, resolver: Resolver) -> list[Accessor]:
    names = [f.strip().upper() for f in fields_text.split(",") if f.strip()]
    if not names or names == ["*"]:
        names = [f.name for f in defn.fields if f.xml]
    return [resolver.accessor(n) for n in names]


def _page_size(body: InElement, maximum: int) -> int:
    raw = child_text(body, "pagesize", "100")
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise bad(f"pagesize must be between 1 and {maximum}", "DL02000001")
    return int(raw)


def _check_format(body: InElement) -> None:
    options = child(body, "options")
    fmt = child_text(body, "returnFormat") or (child_text(options, "returnformat") if options is not None else "")
    if fmt and fmt.lower() != "xml":
        raise bad(f"returnFormat '{fmt}' is not supported by the sandbox (xml only)", "DL02000001")


def _filter(node: InElement, resolver: Resolver) -> Cond | BoolOp:
    if node.tag in ("and", "or"):
        if len(node) < 2:
            raise bad(f"<{node.tag}> needs at least two conditions", "DL02000001")
        return BoolOp(node.tag, tuple(_filter(item, resolver) for item in node))
    op = OPERATORS.get(node.tag)
    if op is None:
        raise bad(f"Unknown filter operator <{node.tag}>", "DL02000001")
    accessor = resolver.accessor(child_text(node, "field").upper())
    given = [text(v) for v in node if v.tag == "value"]
    if op in ("isnull", "isnotnull"):
        return Cond(accessor, op)
    if op == "between" and len(given) != 2:
        raise bad("<between> takes exactly two <value> elements", "DL02000001")
    if op in ("in", "notin"):
        if not 1 <= len(given) <= 1000:
            raise bad("<in>/<notin> take 1 to 1000 values", "DL02000001")
    elif op != "between" and len(given) != 1:
        raise bad(f"<{node.tag}> takes exactly one <value>", "DL02000001")
    if op in ("like", "notlike"):
        return Cond(accessor, op, given[0])
    coerced = tuple(accessor.coerce(v, xml=True) for v in given)
    return Cond(accessor, op, coerced if op in ("in", "notin", "between") else coerced[0])
