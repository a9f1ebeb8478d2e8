"""Sending planned writes to Intacct: bulk lookups, REST batches, XML legacy creates.

Every create is idempotent. A REST batch carries an ``Idempotency-Key`` derived from the sync and
the rows in it (with when each row's last outcome was recorded, so that a row sent again after a
recorded failure is a new request, not a replay of the cached failure). Whether Intacct's key covers
a batch (a JSON array) is undocumented: with ``INTACCT_API_BATCH_IDEMPOTENCY=trust`` the client resends
a batch after a lost answer and Intacct replays its first result; with ``verify`` (the default) an
update batch is resent (it sets the same values again) but a create batch is not: its records are
looked for by ``match.field`` instead, and a batch not wholly found stays pending. Every batch is
remembered before it is sent and forgotten with its recorded outcome; what is left (an answer lost,
or a run that died) is settled by the next run (``pending.py``). An XML legacy create carries
``uniqueid`` and a ``controlid`` derived from the sync and the row, so the gateway refuses to run it
twice, whatever the run; it counts as written only with evidence (success, a refusal that says it
already ran, or the record read back by the match field).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from intacct_assets.intacct.client import IntacctClient
from intacct_assets.intacct.errors import IntacctApiError, IntacctError, IntacctXmlError, OutcomeUnknownError
from intacct_assets.intacct.filters import Compare
from intacct_assets.intacct.rest import MAX_QUERY_SIZE, Query
from intacct_assets.intacct.rest_answers import WriteResult
from intacct_assets.intacct.xml_request import function
from intacct_assets.reverse_sync.legacy_xml import LegacyElementError, legacy_body
from intacct_assets.reverse_sync.objects import LegacyCreate, WriteObject
from intacct_assets.reverse_sync.plan import PlannedWrite
from intacct_assets.reverse_sync.state import RowResult

LOOKUP_CHUNK = 1000
XML_FUNCTIONS_PER_REQUEST = 100
UNTRUSTED = (
    "a create batch is not resent under its key (INTACCT_API_BATCH_IDEMPOTENCY=verify: no public source "
    "says Intacct's Idempotency-Key covers a batch)"
)
OUTCOME_OF = {"create": "created", "update": "updated", "delete": "deleted", "clear": "cleared", "absent": "absent"}


@dataclass
class WriteOutcome:
    match_value: str
    ok: bool
    key: str | None = None
    error: str | None = None
    unknown: bool = False  # sent, but no answer (or a 409 for its key): still pending, settled by the next run
    gone: bool = False  # Intacct has no record with that key (404): deleted outside the sync

    def row(self, operation: str, hashes: dict[str, str | None]) -> RowResult:
        """The row's recorded result; ``hashes`` holds the hash of what was sent, per match value."""
        if not self.ok:
            return RowResult(self.match_value, operation, "failed", error=self.error)
        return RowResult(
            self.match_value, operation, OUTCOME_OF[operation], self.key, payload_hash=hashes.get(self.match_value)
        )


@dataclass(frozen=True)
class PendingRequest:
    """A REST write whose outcome is not recorded yet: replayed verbatim (same key) by the next run."""

    idempotency_key: str
    operation: str  # create | update
    body: list[dict]
    members: list[str]

    def carries(self, path: str | None) -> bool:
        """Whether each record sets ``path`` to its row's match value: only then can a read-back by that field
        tell which records Intacct has."""
        return bool(path) and all(
            _carried(item, path) == member for member, item in zip(self.members, self.body, strict=True)
        )


def ask_the_user(request: PendingRequest, unanswered: str) -> str:
    """Why the rows of a create that cannot be read back are held, and the config that releases them."""
    key = request.idempotency_key
    return (
        f"{unanswered}; the sync cannot read whether Intacct created it (no match.field carried by the record), "
        f"so it sends nothing. Check Intacct, then run the sync with config pending_written: ['{key}'] if the "
        f"record is there, or pending_resend: ['{key}'] if it is not"
    )


def stable_key(*parts: object) -> str:
    """An idempotency key / controlid that only depends on what is being written."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:48]


def error_text(error: Exception) -> str:
    """Intacct's own words: message, error number and description2, without our request details."""
    if isinstance(error, IntacctApiError):
        details = "; ".join(f"{d.code + ' ' if d.code else ''}{d.message}" for d in error.details if d.message)
        head = " ".join(p for p in (error.code, error.error_id) if p)
        return f"{head}: {error.message}" + (f" ({details})" if details and details != error.message else "")
    if isinstance(error, IntacctXmlError):
        return "; ".join(e.text() for e in error.errors) or str(error)
    return f"{type(error).__name__}: {error}"


class IntacctWriter:
    """Writes of one sync target, within the client's concurrency limit and retry rules."""

    def __init__(
        self,
        client: IntacctClient,
        target: WriteObject,
        sync_name: str,
        entity: str | None = None,
        batch_size: int = 500,
        on_sending: Callable[[list[PendingRequest]], None] = lambda requests: None,
        match_field: str | None = None,
    ):
        self.client, self.target, self.sync_name, self.entity = client, target, sync_name, entity
        self.batch_size = batch_size
        self.match_field = match_field  # the Intacct field holding a row's match value: how a write is read back
        # Told of every REST batch of an operation before the first leaves (write-ahead): a run that dies after
        # Intacct committed a write but before its outcome was recorded leaves the request behind, and the next
        # run settles it (replayed with the same key, or read back).
        self.on_sending = on_sending
        self.answered: list[str] = []  # idempotency keys of the writes that got an answer

    # ------------------------------------------------------------------ lookups
    def lookup(self, field: str, values: Sequence[str]) -> tuple[dict[str, str], dict[str, str]]:
        """Intacct keys of the records whose ``field`` holds one of ``values`` (``$in``, in chunks),
        and the values whose lookup failed (with the reason; those rows are retried next run)."""
        found: dict[str, str] = {}
        failed: dict[str, str] = {}
        unique = sorted(set(values))
        for start in range(0, len(unique), LOOKUP_CHUNK):
            chunk = unique[start : start + LOOKUP_CHUNK]
            try:
                page = self.client.rest.query(
                    Query(self.target.rest, ("key", field), Compare("in", field, chunk), size=MAX_QUERY_SIZE),
                    entity=self.entity,
                )
            except IntacctError as error:
                failed.update(dict.fromkeys(chunk, f"looking up {field} failed: {error_text(error)}"))
                continue
            for row in page.rows:
                if row.get(field) is not None:
                    found[str(row[field])] = str(row["key"])
        return found, failed

    # ------------------------------------------------------------------ REST
    def create(self, writes: Sequence[PlannedWrite]) -> list[WriteOutcome]:
        if self.target.legacy_create:
            return self._legacy_create(writes, self.target.legacy_create)
        return self._rest_batches("create", writes, lambda w: w.payload)

    def update(self, writes: Sequence[PlannedWrite]) -> list[WriteOutcome]:
        return self._rest_batches("update", writes, lambda w: {"key": w.intacct_key, **w.payload})

    def delete(self, writes: Sequence[PlannedWrite]) -> list[WriteOutcome]:
        outcomes = []
        for batch in _chunks(writes, self.batch_size):
            try:
                result = self.client.rest.delete(self.target.rest, [w.intacct_key for w in batch], entity=self.entity)
            except IntacctApiError as error:
                if error.status == 404:  # already gone (e.g. deleted by an earlier run whose answer was lost)
                    outcomes += [WriteOutcome(w.match_value, True, w.intacct_key) for w in batch]
                    continue
                outcomes += [WriteOutcome(w.match_value, False, error=error_text(error)) for w in batch]
                continue
            except IntacctError as error:
                outcomes += [WriteOutcome(w.match_value, False, error=error_text(error)) for w in batch]
                continue
            outcomes += self._itemized(batch, result, deleting=True)
        return outcomes

    def replay(self, request: PendingRequest) -> list[WriteOutcome]:
        """Resend a write whose answer was lost; Intacct answers from its idempotency cache."""
        members = [PlannedWrite(m, request.operation) for m in request.members]  # type: ignore[arg-type]
        return self._send(request.operation, members, request.body, request.idempotency_key)

    def _rest_batches(
        self, operation: str, writes: Sequence[PlannedWrite], body_of: Callable[[PlannedWrite], dict]
    ) -> list[WriteOutcome]:
        batches = _chunks(writes, self.batch_size)
        requests = [
            PendingRequest(
                stable_key(
                    self.sync_name, operation, [(w.match_value, w.hash, w.intacct_key, w.attempt) for w in batch]
                ),
                operation,
                [body_of(w) for w in batch],
                [w.match_value for w in batch],
            )
            for batch in batches
        ]
        if requests:
            self.on_sending(requests)
        sent = [
            (request, self._send(operation, batch, request.body, request.idempotency_key))
            for batch, request in zip(batches, requests, strict=True)
        ]
        if operation == "create" and not self.client.settings.trusts_batch_keys:
            return self._read_back_lost(sent)
        return [
            replace(outcome, error=f"{outcome.error}; the next run replays it under the same Idempotency-Key")
            if outcome.unknown
            else outcome
            for _, outcomes in sent
            for outcome in outcomes
        ]

    def _read_back_lost(self, sent: list[tuple[PendingRequest, list[WriteOutcome]]]) -> list[WriteOutcome]:
        """Create batches whose answer was lost, looked for by ``match.field`` instead of being resent. A batch whose
        records are all found is recorded with their keys; any other stays pending: Intacct may still be running it,
        so the next run reads it back again before any of its rows is sent (``pending.py``)."""
        lost = {
            request.idempotency_key: request
            for request, outcomes in sent
            if any(outcome.unknown for outcome in outcomes)
        }
        readable = [m for request in lost.values() if request.carries(self.match_field) for m in request.members]
        found, unreadable = self.lookup(self.match_field, readable) if readable else ({}, {})
        checked: list[WriteOutcome] = []
        for request, outcomes in sent:
            missing = [member for member in request.members if member not in found]
            if request.idempotency_key not in lost:
                checked += outcomes
            elif not missing:
                self.answered.append(request.idempotency_key)
                checked += [WriteOutcome(member, True, found[member]) for member in request.members]
            else:
                why = self._why_pending(request, missing, unreadable)
                checked += [replace(outcome, error=f"{outcome.error}; {why}") for outcome in outcomes]
        return checked

    def _why_pending(self, request: PendingRequest, missing: list[str], unreadable: dict[str, str]) -> str:
        if not request.carries(self.match_field):
            return ask_the_user(request, UNTRUSTED)
        if unreadable:
            return (
                f"{UNTRUSTED}, and reading it back failed ({next(iter(unreadable.values()))}): the next run reads "
                "it back before sending any of it"
            )
        return (
            f"{UNTRUSTED}, and {len(missing)} of its {len(request.members)} records are not found by "
            f"{self.match_field} yet: the next run reads them back again and sends under a new key only those "
            "Intacct still does not have"
        )

    def _send(self, operation: str, batch: Sequence[PlannedWrite], body: list[dict], key: str) -> list[WriteOutcome]:
        write = self.client.rest.create if operation == "create" else self.client.rest.update
        try:
            result = write(self.target.rest, body, entity=self.entity, idempotency_key=key)
        except (OutcomeUnknownError, IntacctError) as error:
            if isinstance(error, IntacctApiError) and error.status == 409:  # a 409 for the whole request: Intacct
                # has this key (still running, or older than its 48-hour replay): what it did is still unknown
                return [
                    WriteOutcome(
                        w.match_value,
                        False,
                        error=f"Intacct did not replay the earlier answer of this write: {error_text(error)}",
                        unknown=True,
                    )
                    for w in batch
                ]
            if isinstance(error, IntacctApiError) and error.status < 500 and not error.throttled:
                self.answered.append(key)
                return [WriteOutcome(w.match_value, False, error=error_text(error)) for w in batch]
            return [
                WriteOutcome(w.match_value, False, error=f"no answer from Intacct ({error_text(error)})", unknown=True)
                for w in batch
            ]
        self.answered.append(key)
        return self._itemized(batch, result)

    @staticmethod
    def _itemized(batch: Sequence[PlannedWrite], result: WriteResult, deleting: bool = False) -> list[WriteOutcome]:
        by_index = {item.index: item for item in result.items}
        outcomes = []
        for index, write in enumerate(batch):
            item = by_index.get(index)
            if item is None:
                outcomes.append(WriteOutcome(write.match_value, False, error="Intacct returned no result for it"))
            elif item.ok:
                outcomes.append(
                    WriteOutcome(
                        write.match_value, True, write.intacct_key if deleting else item.key or write.intacct_key
                    )
                )
            elif deleting and item.status == 404:
                outcomes.append(WriteOutcome(write.match_value, True, write.intacct_key))
            else:
                outcomes.append(
                    WriteOutcome(write.match_value, False, error=error_text(item.error), gone=item.status == 404)
                )
        return outcomes

    # ------------------------------------------------------------------ XML legacy creates
    def _legacy_create(self, writes: Sequence[PlannedWrite], legacy: LegacyCreate) -> list[WriteOutcome]:
        invalid, bodies, sendable = [], {}, []
        for write in writes:
            try:
                bodies[write.match_value] = legacy_body(legacy, write.payload)
                sendable.append(write)
            except LegacyElementError as error:
                invalid.append(WriteOutcome(write.match_value, False, error=str(error)))
        sent: list[WriteOutcome] = []
        for batch in _chunks(sendable, XML_FUNCTIONS_PER_REQUEST):
            functions = [function(bodies[w.match_value], stable_key(self.sync_name, w.match_value)) for w in batch]
            try:
                results = self.client.xml.call(functions, entity=self.entity, uniqueid=True)
            except IntacctError as error:
                sent += [
                    WriteOutcome(
                        w.match_value, False, error=error_text(error), unknown=isinstance(error, OutcomeUnknownError)
                    )
                    for w in batch
                ]
                continue
            for write, result in zip(batch, results, strict=True):
                if result.ok:
                    sent.append(WriteOutcome(write.match_value, True, result.key))
                elif result.error().already_executed:  # Intacct says in words it ran (an earlier attempt or run)
                    sent.append(WriteOutcome(write.match_value, True, None))
                else:
                    sent.append(WriteOutcome(write.match_value, False, error=error_text(result.error())))
        return invalid + self._read_back(sent)

    def _read_back(self, outcomes: list[WriteOutcome]) -> list[WriteOutcome]:
        """Evidence for creates that got no key: a record found by the match field (with its key). A create
        neither answered with success nor refused as "already executed" in words, and not found, is failed:
        never recorded as written."""
        unconfirmed = [outcome.match_value for outcome in outcomes if not outcome.key]
        found, unreadable = self.lookup(self.match_field, unconfirmed) if self.match_field and unconfirmed else ({}, {})
        checked = []
        for outcome in outcomes:
            value = outcome.match_value
            if value in found:
                checked.append(WriteOutcome(value, True, found[value]))
            elif outcome.ok:
                checked.append(outcome)
            else:
                why = (
                    unreadable.get(value) or f"no {self.target.name} has {self.match_field} = {value!r} either"
                    if self.match_field
                    else "with match.field set, the sync could read the record back to tell"
                )
                checked.append(replace(outcome, error=f"{outcome.error}; not recorded as written ({why})"))
        return checked


def _chunks(items: Sequence, size: int) -> list[Sequence]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _carried(item: dict, path: str) -> str | None:
    """The value a request body item sets at a dot path (``contacts.default.email1``), as text."""
    node: object = item
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return None if node is None or isinstance(node, dict) else str(node)
