"""The REST API (``/ia/api/v1``): query service, model, reads, and batch writes with per-item results.

Answers are read by ``rest_answers`` (per-record results, errors in both of Intacct's shapes). Writes are batches of at
most 500 records; ``atomic=True`` sends ``X-IA-API-Param-Transaction: true``; an
``idempotency_key`` makes a write safe to resend after a lost answer (Intacct replays it). Sage documents
the key for POST and PATCH requests (developer.sage.com "Batch, bulk, and composite requests") but not
whether it covers a JSON array: with ``INTACCT_API_BATCH_IDEMPOTENCY=verify`` (the default) a create batch
whose answer was lost is not resent (the caller reads it back); an update batch is (the same values again).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

import httpx

from intacct_assets.intacct.errors import (
    IntacctAuthError,
    IntacctError,
    UnexpectedAnswerError,
)
from intacct_assets.intacct.filters import Filter, to_rest
from intacct_assets.intacct.redaction import Redactor
from intacct_assets.intacct.rest_answers import (
    ItemResult,
    WriteResult,
    answer_result,
    item_failures,
    nested_error,
    parse_error,
    transactions,
    write_result,
)
from intacct_assets.intacct.retry import Replay
from intacct_assets.intacct.settings import IntacctSettings
from intacct_assets.intacct.transport import Authorizer, Exchange, Transport, json_object

MAX_BATCH = 500
MAX_QUERY_SIZE = 4000
ENTITY_HEADER = "X-IA-API-Param-Entity"
TRANSACTION_HEADER = "X-IA-API-Param-Transaction"
UNCOVERED_BATCH = (
    "no public source says whether Intacct's Idempotency-Key covers a create batch "
    "(INTACCT_API_BATCH_IDEMPOTENCY=verify)"
)


@dataclass(frozen=True)
class Query:
    """A query-service request. ``order_by`` holds ``(field, "asc" | "desc")`` pairs."""

    object: str
    fields: tuple[str, ...]
    filter: Filter | None = None
    order_by: tuple[tuple[str, str], ...] = ()
    start: int = 1
    size: int = MAX_QUERY_SIZE
    case_sensitive: bool | None = None
    include_private: bool | None = None

    def body(self) -> dict:
        if not 1 <= self.size <= MAX_QUERY_SIZE:
            raise ValueError(f"query size must be between 1 and {MAX_QUERY_SIZE}")
        body: dict = {"object": self.object, "fields": list(self.fields), "start": self.start, "size": self.size}
        filters, expression = to_rest(self.filter)
        if filters:
            body["filters"] = filters
        if expression:
            body["filterExpression"] = expression
        if self.order_by:
            body["orderBy"] = [{name: direction} for name, direction in self.order_by]
        parameters = {
            name: value
            for name, value in (
                ("caseSensitiveComparison", self.case_sensitive),
                ("includePrivate", self.include_private),
            )
            if value is not None
        }
        if parameters:
            body["filterParameters"] = parameters
        return body


@dataclass
class QueryPage:
    """One page of query results; the body is decoded only when asked (callers may decode it faster)."""

    body: bytes

    @cached_property
    def payload(self) -> dict:
        return json.loads(self.body)

    @property
    def rows(self) -> list[dict]:
        return self.payload.get("ia::result") or []

    @property
    def meta(self) -> dict:
        return self.payload.get("ia::meta") or {}

    @property
    def total(self) -> int:
        return int(self.meta.get("totalCount") or 0)


def batches(records: Sequence, size: int = MAX_BATCH) -> Iterator[Sequence]:
    """Consecutive slices of at most ``size`` records (Intacct's batch limit is 500)."""
    for start in range(0, len(records), size):
        yield records[start : start + size]


class RestClient:
    def __init__(
        self, settings: IntacctSettings, transport: Transport, authorizer: Authorizer, redactor: Redactor
    ) -> None:
        self.settings, self._transport, self._authorizer, self._redactor = settings, transport, authorizer, redactor

    # ------------------------------------------------------------------ generic
    def request(
        self,
        method: str,
        path: str,
        *,
        body: object = None,
        params: dict[str, str] | None = None,
        entity: str | None = None,
        idempotency_key: str | None = None,
        atomic: bool = False,
        operation: str = "",
        per_item: bool = False,
        answered: Callable[[], None] | None = None,
    ) -> httpx.Response:
        """Send one request; returns the response or raises the error it represents.

        ``per_item``: a batch write whose 207/4xx answer lists per-record results (not an error).
        ``answered``: called when a success answer starts, before its body is read.
        """
        if idempotency_key is not None and method not in ("POST", "PATCH"):
            raise ValueError("Intacct honours Idempotency-Key on POST and PATCH only")
        if idempotency_key is not None and not 0 < len(idempotency_key) <= 256:
            raise ValueError("an Idempotency-Key has 1 to 256 characters")
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        context = self.settings.entity_id if entity is None else entity
        if context:
            headers[ENTITY_HEADER] = context
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        if atomic:
            headers[TRANSACTION_HEADER] = "true"
        reading = method == "GET" or path == "/services/core/query"
        response = self._transport.send(
            Exchange(
                face="rest",
                method=method,
                url=f"{self.settings.api_url}{path}",
                operation=operation or f"{method} {path}",
                replay=self._replay(method, body, reading, idempotency_key),
                judge=lambda r: self._judge(r, method, path, per_item),
                transactions=lambda r: transactions(method, path, r),
                failures=item_failures if per_item else None,
                entity=context,
                headers=headers,
                params=params,
                answered=answered,
                content=json.dumps(body, separators=(",", ":")).encode() if body is not None else None,
            ),
            self._authorizer,
        )
        return response

    def _replay(self, method: str, body: object, reading: bool, idempotency_key: str | None) -> Replay:
        """Reads and keyed writes may be resent, except a keyed create batch unless the key is trusted to cover it."""
        if reading:
            return Replay(safe=True)
        if idempotency_key is None:
            return Replay(safe=False)
        if method == "POST" and isinstance(body, list) and not self.settings.trusts_batch_keys:
            return Replay(safe=False, not_resent_because=UNCOVERED_BATCH)
        return Replay(safe=True, keyed=True)

    def _judge(self, response: httpx.Response, method: str, path: str, per_item: bool) -> IntacctError | None:
        status = response.status_code
        if status < 400 and not nested_error(response):
            return None
        if per_item and status < 500 and status != 429 and isinstance(answer_result(response), list):
            return None
        error = parse_error(response, method, path, self._redactor)
        if status == 401:
            return IntacctAuthError(f"{error} (the access token was refused even after a refresh)", status)
        return error

    # ------------------------------------------------------------------ reads
    def query(
        self, query: Query, *, entity: str | None = None, answered: Callable[[], None] | None = None
    ) -> QueryPage:
        response = self.request(
            "POST",
            "/services/core/query",
            body=query.body(),
            entity=entity,
            operation=f"query {query.object}",
            answered=answered,
        )
        return QueryPage(response.content)

    def model(self, object_name: str) -> dict:
        """``fields`` / ``groups`` / ``refs`` / ``lists`` of an object (free: no API transaction)."""
        response = self.request(
            "GET", "/services/core/model", params={"name": object_name}, operation=f"model {object_name}"
        )
        result = json_object(response, f"the model of {object_name}", self._redactor).get("ia::result")
        if not isinstance(result, dict) or not isinstance(result.get("fields"), dict):
            raise UnexpectedAnswerError(
                f"the model of {object_name} has no 'fields' object: {self._redactor.text(response.content, 200)!r}"
            )
        return result

    def get(self, object_name: str, keys: Sequence[str], *, entity: str | None = None) -> list[dict]:
        """Full records by key (at most 500 per call)."""
        if not 0 < len(keys) <= MAX_BATCH:
            raise ValueError(f"get takes 1 to {MAX_BATCH} keys")
        response = self.request(
            "GET", f"/objects/{object_name}/{','.join(keys)}", entity=entity, operation=f"read {object_name}"
        )
        result = answer_result(response)
        return result if isinstance(result, list) else [result]

    def xml_session(self, *, entity: str | None = None) -> tuple[str, str, float | None]:
        """(session id, XML endpoint, seconds it lives: ``expiresIn``) for the XML gateway, opened with the OAuth
        token (free)."""
        response = self.request("GET", "/services/core/session/id", entity=entity, operation="session")
        result = json_object(response, "the XML session bridge", self._redactor).get("ia::result")
        session = result.get("sessionId") if isinstance(result, dict) else None
        if not isinstance(session, str) or not session:
            raise UnexpectedAnswerError(
                f"the XML session bridge answered without a sessionId: {self._redactor.text(response.content, 200)!r}"
            )
        self._redactor.add(session)
        endpoint, lifetime = result.get("endpoint"), result.get("expiresIn")
        return (
            session,
            endpoint if isinstance(endpoint, str) and endpoint else self.settings.xml_url,
            float(lifetime) if isinstance(lifetime, int | float) and not isinstance(lifetime, bool) else None,
        )

    # ------------------------------------------------------------------ writes
    def create(
        self,
        object_name: str,
        records: Sequence[dict],
        *,
        entity: str | None = None,
        atomic: bool = False,
        idempotency_key: str | None = None,
    ) -> WriteResult:
        return self._write("POST", object_name, records, entity, atomic, idempotency_key)

    def update(
        self,
        object_name: str,
        records: Sequence[dict],
        *,
        entity: str | None = None,
        atomic: bool = False,
        idempotency_key: str | None = None,
    ) -> WriteResult:
        """Partial updates; every record carries its ``key``."""
        if any("key" not in record for record in records):
            raise ValueError("every record of an update needs its 'key'")
        return self._write("PATCH", object_name, records, entity, atomic, idempotency_key)

    def delete(
        self, object_name: str, keys: Sequence[str], *, entity: str | None = None, atomic: bool = False
    ) -> WriteResult:
        """Deletes by key. A 204 (no body) means every key was deleted, one key or ``k1,k2,k3`` alike; a
        per-record body (a 207 partial failure) is read record by record. Not resent after a lost answer:
        Intacct has no idempotency for DELETE."""
        _check_batch(keys)
        response = self.request(
            "DELETE",
            f"/objects/{object_name}/{','.join(keys)}",
            entity=entity,
            atomic=atomic,
            operation=f"delete {object_name}",
            per_item=len(keys) > 1,
        )
        if response.status_code == 204:
            return WriteResult(204, [ItemResult(index, 204, key=key) for index, key in enumerate(keys)])
        return write_result(response, self._redactor, "DELETE", object_name, keys)

    def _write(
        self,
        method: str,
        object_name: str,
        records: Sequence[dict],
        entity: str | None,
        atomic: bool,
        idempotency_key: str | None,
    ) -> WriteResult:
        _check_batch(records)
        response = self.request(
            method,
            f"/objects/{object_name}",
            body=list(records),
            entity=entity,
            atomic=atomic,
            idempotency_key=idempotency_key,
            per_item=True,
            operation=f"{'create' if method == 'POST' else 'update'} {object_name}",
        )
        return write_result(response, self._redactor, method, object_name, None)


def _check_batch(items: Sequence) -> None:
    if not 0 < len(items) <= MAX_BATCH:
        raise ValueError(f"a write batch holds 1 to {MAX_BATCH} records; split it with batches()")
