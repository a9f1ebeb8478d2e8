"""Where rows come from: the REST query service or the XML ``query`` function, behind one interface.

A source answers "rows ``start``..``start+size-1`` of this ordered, filtered set, plus the set's
current size" as text columns named like the wire fields. The pager only ever talks to this.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import polars as pl

from intacct_assets.api.schema import FieldSpec, rest_fields, xml_fields
from intacct_assets.intacct import IntacctClient
from intacct_assets.intacct.errors import UnexpectedAnswerError
from intacct_assets.intacct.filters import Filter, all_of, to_read_by_query
from intacct_assets.intacct.rest import MAX_QUERY_SIZE, Query
from intacct_assets.intacct.xml_request import MAX_QUERY_PAGE, MAX_READ_BY_QUERY_PAGE

REST_MODIFIED = "audit.modifiedDateTime"


@dataclass(frozen=True)
class PageRequest:
    fields: tuple[str, ...]
    filter: Filter | None
    order: tuple[str, ...]  # ascending sort fields, the last one unique (the key)
    start: int  # 1-based position of the first row
    size: int
    descending: bool = False


@dataclass
class Page:
    frame: pl.DataFrame  # text columns named like the requested fields
    total: int  # size of the whole filtered set when this page was read

    def row(self, index: int, fields: tuple[str, ...]) -> tuple[str | None, ...]:
        return tuple(self.frame[f][index] for f in fields)


class RestSource:
    """An object of the REST query service (``accounts-receivable/customer``)."""

    def __init__(self, client: IntacctClient, object_name: str, entity: str | None, page_size: int) -> None:
        self.client, self.object_name, self.entity = client, object_name, entity
        self.page_limit = min(page_size, MAX_QUERY_SIZE)
        self.key = ("key",)
        self.modified = REST_MODIFIED

    def discover(self) -> list[FieldSpec]:
        model = self.client.rest.model(self.object_name)
        try:
            return rest_fields(model, self.key)
        except (AttributeError, TypeError):  # a group, reference or field that is not an object
            raise UnexpectedAnswerError(f"the model of {self.object_name} has an unexpected shape: "
                                        f"{json.dumps(model)[:200]}") from None

    def fetch(self, request: PageRequest, answered: Callable[[], None] | None = None) -> Page:
        """``answered``: called once the server has answered (before the page is read and decoded)."""
        direction = "desc" if request.descending else "asc"
        order = tuple((name, direction) for name in request.order)
        page = self.client.rest.query(Query(self.object_name, request.fields, filter=request.filter, order_by=order,
                                            start=request.start, size=request.size), entity=self.entity,
                                      answered=answered)
        return _decode_rest(page.body, request.fields)

    @staticmethod
    def timestamp_text(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class XmlSource:
    """An object of the XML gateway: ``query`` pages (offset), or a ``readByQuery`` result set."""

    def __init__(self, client: IntacctClient, object_name: str, entity: str | None, page_size: int, *,
                 key: tuple[str, ...], modified: str | None, declared: dict[str, str], function: str = "query",
                 base_filter: Filter | None = None) -> None:
        self.client, self.object_name, self.entity = client, object_name, entity
        self.page_limit = min(page_size, MAX_QUERY_PAGE)
        self.key, self.modified, self.declared, self.function = key, modified, declared, function
        self.base_filter = base_filter  # custom queries: the user's WHERE, ANDed to every request

    def discover(self) -> list[FieldSpec]:
        return xml_fields(self.client.xml.lookup(self.object_name, entity=self.entity), self.declared, self.key)

    def fetch(self, request: PageRequest, answered: Callable[[], None] | None = None) -> Page:
        """``answered``: called once the page is back (the XML answer is read whole)."""
        result = self.client.xml.query(
            self.object_name, request.fields, filter=all_of(self.base_filter, request.filter),
            order_by=[(f, "desc" if request.descending else "asc") for f in request.order],
            offset=request.start - 1, pagesize=request.size, entity=self.entity)
        if answered is not None:
            answered()
        return Page(_frame(result.records, request.fields), result.total)

    def read_all(self, fields: tuple[str, ...], filter: Filter | None):
        """Pages of a ``readByQuery`` result set (a server-side cursor: consistent, but unordered)."""
        where = to_read_by_query(all_of(self.base_filter, filter))
        for page in self.client.xml.read_by_query(self.object_name, fields=",".join(fields), where=where,
                                                  pagesize=MAX_READ_BY_QUERY_PAGE, entity=self.entity):
            yield Page(_frame(page.records, fields), page.total)

    @staticmethod
    def timestamp_text(moment: datetime) -> str:
        return moment.strftime("%m/%d/%Y %H:%M:%S")


Source = RestSource | XmlSource


def _decode_rest(body: bytes, fields: tuple[str, ...]) -> Page:
    """Decode a query answer with polars (fast, off the GIL); every value is read as text.

    A value polars cannot read as text (an object or a list, e.g. a group field named in a custom query)
    sends the page through :func:`_decode_rest_slowly`, which keeps such values as JSON text.
    """
    schema = {f: pl.String for f in fields}
    try:
        decoded = pl.read_json(io.BytesIO(body), schema={
            "ia::result": pl.List(pl.Struct(schema)), "ia::meta": pl.Struct({"totalCount": pl.Int64})})
    except pl.exceptions.PolarsError:
        return _decode_rest_slowly(body, fields)
    total = decoded["ia::meta"].struct.field("totalCount")[0] if decoded.height == 1 else None
    if total is None or decoded["ia::result"][0] is None:
        raise UnexpectedAnswerError("a query answer without its ia::result list or ia::meta.totalCount")
    if not decoded["ia::result"].list.len()[0]:
        return Page(pl.DataFrame(schema=schema), total)
    return Page(decoded.select(pl.col("ia::result").explode()).unnest("ia::result"), total)


def _decode_rest_slowly(body: bytes, fields: tuple[str, ...]) -> Page:
    """The exact decoder: numbers keep their digits, objects and lists become JSON text."""
    try:
        payload = json.loads(body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as error:
        raise UnexpectedAnswerError(f"a query answer that is not JSON ({error})") from None
    records = payload.get("ia::result") if isinstance(payload, dict) else None
    meta = payload.get("ia::meta") if isinstance(payload, dict) else None
    total = meta.get("totalCount") if isinstance(meta, dict) else None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records) or \
            not (isinstance(total, int) and not isinstance(total, bool) and total >= 0):
        raise UnexpectedAnswerError("a query answer without its ia::result list of records or ia::meta.totalCount")
    return Page(_frame([{f: _text(record.get(f)) for f in fields} for record in records], fields), total)


def _text(value: object) -> str | None:
    """A JSON value as the text polars' fast path would give it (objects and lists as compact JSON)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=float)


def _frame(records: list[dict], fields: tuple[str, ...]) -> pl.DataFrame:
    schema = {f: pl.String for f in fields}
    return pl.from_dicts([{f: record.get(f) for f in fields} for record in records], schema=schema) if records \
        else pl.DataFrame(schema=schema)
