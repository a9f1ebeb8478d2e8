"""Where rows come from: the REST query service or the XML ``query`` function, behind one interface.

A source answers "rows ``start``..``start+size-1`` of this ordered, filtered set, plus the set's
current size" as text columns named like the wire fields. The pager only ever talks to this.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import polars as pl

from intacct_assets.api_ingest.schema import FieldSpec, rest_fields, xml_fields
from intacct_assets.intacct import IntacctClient
from intacct_assets.intacct.errors import IntacctApiError, IntacctXmlError, UnexpectedAnswerError
from intacct_assets.intacct.filters import Compare, Filter, all_of, to_read_by_query
from intacct_assets.intacct.rest import MAX_QUERY_SIZE, Query
from intacct_assets.intacct.xml_dates import CANONICAL_TIMESTAMP
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


class RefusedFields:
    """Fields Intacct refused to query, dropped from every later request of the source.

    A request refused for a field it selects (and neither filters nor sorts on) is sent again without
    it; the caller remembers :attr:`names` in the sync state so that later runs never ask again. A
    ``fixed`` list drops nothing: a field someone named (a custom query's) is theirs to correct.
    """

    def __init__(self, known: Iterable[str] = (), *, fixed: bool = False) -> None:
        self.names: set[str] = set(known)
        self.fixed = fixed
        self._lock = threading.Lock()

    def kept(self, request: PageRequest) -> tuple[str, ...]:
        with self._lock:
            return tuple(f for f in request.fields if f not in self.names)

    def refuse(self, name: str | None, request: PageRequest, sent: tuple[str, ...]) -> bool:
        """True when ``name`` can be dropped from the request (then it is, for good)."""
        if (
            self.fixed
            or not name
            or name not in sent
            or name in request.order
            or name in _filter_fields(request.filter)
        ):
            return False
        with self._lock:
            self.names.add(name)
        return True


class RestSource:
    """An object of the REST query service (``accounts-receivable/customer``)."""

    def __init__(
        self,
        client: IntacctClient,
        object_name: str,
        entity: str | None,
        page_size: int,
        *,
        include_private: bool = False,
        refused: RefusedFields | None = None,
    ) -> None:
        self.client, self.object_name, self.entity = client, object_name, entity
        self.page_limit = min(page_size, MAX_QUERY_SIZE)
        self.key = ("key",)
        self.modified = REST_MODIFIED
        self.include_private = include_private  # top level: also the records of private entities
        self.refused = refused or RefusedFields(fixed=True)

    def discover(self) -> list[FieldSpec]:
        model = self.client.rest.model(self.object_name)
        try:
            return rest_fields(model, self.key)
        except (AttributeError, TypeError):  # a group, reference or field that is not an object
            raise UnexpectedAnswerError(
                f"the model of {self.object_name} has an unexpected shape: {json.dumps(model)[:200]}"
            ) from None

    def fetch(self, request: PageRequest, answered: Callable[[], None] | None = None) -> Page:
        """``answered``: called once the server has answered (before the page is read and decoded)."""
        direction = "desc" if request.descending else "asc"
        order = tuple((name, direction) for name in request.order)
        while True:
            fields = self.refused.kept(request)
            try:
                page = self.client.rest.query(
                    Query(
                        self.object_name,
                        fields,
                        filter=request.filter,
                        order_by=order,
                        start=request.start,
                        size=request.size,
                        include_private=self.include_private or None,
                    ),
                    entity=self.entity,
                    answered=answered,
                )
            except IntacctApiError as error:
                if self.refused.refuse(error.unqueryable_field, request, fields):
                    continue
                raise
            return _decode_rest(page.body, fields)

    def know(self, fields: list[FieldSpec]) -> None:
        """REST values are the same whoever asks: nothing to learn."""

    @staticmethod
    def timestamp_text(moment: datetime) -> str:
        return moment.strftime(CANONICAL_TIMESTAMP)


class XmlSource:
    """An object of the XML gateway: ``query`` pages (offset), or a ``readByQuery`` result set."""

    def __init__(
        self,
        client: IntacctClient,
        object_name: str,
        entity: str | None,
        page_size: int,
        *,
        key: tuple[str, ...],
        modified: str | None,
        declared: dict[str, str],
        function: str = "query",
        base_filter: Filter | None = None,
        include_private: bool = False,
        refused: RefusedFields | None = None,
    ) -> None:
        self.client, self.object_name, self.entity = client, object_name, entity
        self.page_limit = min(page_size, MAX_QUERY_PAGE)
        self.key, self.modified, self.declared, self.function = key, modified, declared, function
        self.base_filter = base_filter  # custom queries: the user's WHERE, ANDed to every request
        self.include_private = include_private  # top level: also the records of private entities
        self.refused = refused or RefusedFields(fixed=True)
        self.types = dict(declared)  # field -> type; dates and timestamps follow the user's preferences

    def discover(self) -> list[FieldSpec]:
        return xml_fields(self.client.xml.lookup(self.object_name, entity=self.entity), self.declared, self.key)

    def know(self, fields: list[FieldSpec]) -> None:
        """The field types of the object (which values are dates and timestamps)."""
        self.types.update((f.source, f.type) for f in fields)

    def fetch(self, request: PageRequest, answered: Callable[[], None] | None = None) -> Page:
        """``answered``: called once the page is back (the XML answer is read whole). Dates and timestamps
        arrive in the user's format and zone; the page holds them as ISO text (timestamps in UTC)."""
        dates = self.client.xml.user_dates()
        while True:
            fields = self.refused.kept(request)
            try:
                result = self.client.xml.query(
                    self.object_name,
                    fields,
                    filter=all_of(self.base_filter, dates.wire(request.filter, self.types)),
                    order_by=[(f, "desc" if request.descending else "asc") for f in request.order],
                    offset=request.start - 1,
                    pagesize=request.size,
                    entity=self.entity,
                    show_private=self.include_private,
                )
            except IntacctXmlError as error:
                if self.refused.refuse(error.named_field(fields), request, fields):
                    continue
                raise
            if answered is not None:
                answered()
            return Page(dates.canonical(_frame(result.records, fields), self.types), result.total)

    def read_all(self, fields: tuple[str, ...], filter: Filter | None):
        """Pages of a ``readByQuery`` result set (a server-side cursor: consistent, but unordered)."""
        dates = self.client.xml.user_dates()
        where = to_read_by_query(all_of(self.base_filter, dates.wire(filter, self.types)))
        for page in self.client.xml.read_by_query(
            self.object_name, fields=",".join(fields), where=where, pagesize=MAX_READ_BY_QUERY_PAGE, entity=self.entity
        ):
            yield Page(dates.canonical(_frame(page.records, fields), self.types), page.total)

    @staticmethod
    def timestamp_text(moment: datetime) -> str:
        """A bound as the pages show values (ISO, UTC); sent in the user's format and zone."""
        return moment.strftime(CANONICAL_TIMESTAMP)


PageSource = RestSource | XmlSource


def _filter_fields(node: Filter | None) -> set[str]:
    if node is None:
        return set()
    if isinstance(node, Compare):
        return {node.field}
    return set().union(*(_filter_fields(item) for item in node.items))


def _decode_rest(body: bytes, fields: tuple[str, ...]) -> Page:
    """Decode a query answer with polars (fast, off the GIL); every value is read as text.

    A value polars cannot read as text (an object or a list, e.g. a group field named in a custom query)
    sends the page through :func:`_decode_rest_slowly`, which keeps such values as JSON text.
    """
    schema = {f: pl.String for f in fields}
    try:
        decoded = pl.read_json(
            io.BytesIO(body),
            schema={"ia::result": pl.List(pl.Struct(schema)), "ia::meta": pl.Struct({"totalCount": pl.Int64})},
        )
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
    if (
        not isinstance(records, list)
        or not all(isinstance(r, dict) for r in records)
        or not (isinstance(total, int) and not isinstance(total, bool) and total >= 0)
    ):
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
    return (
        pl.from_dicts([{f: record.get(f) for f in fields} for record in records], schema=schema)
        if records
        else pl.DataFrame(schema=schema)
    )
