"""Writes whose outcome was never recorded (the answer was lost, or the run died): settled before planning.

Intacct answers a repeated ``Idempotency-Key`` from its cache for 48 hours; it remembers the key for 60
days, and a repeat after the 48 hours gets 409, not the answer (Sage's idempotency guide, mirrored in
dgaretz-oss/intacct-mcp ``docs/rest/bulk-requests.md``). So a pending write is:

- replayed, same key and body, while it is younger than 48 hours: the answer, fresh or cached, is the
  evidence. Without one (no answer again, or a 409 while the first request still runs) it stays pending
  and its rows are not sent under a new key. A create batch is replayed so only with
  ``INTACCT_API_BATCH_IDEMPOTENCY=trust``: no public source says whether the key covers an array, and
  if it does not, Intacct would run the batch again (journal entries, bills: created twice);
- read back once it is older, or at once for a create batch under ``verify``: a create whose records
  carry ``match.field`` is looked up by it; the rows found are recorded with their keys, the rows not
  found are sent again under a new key — once the request is old enough not to be still running in
  Intacct (``MAY_STILL_RUN``). An update is sent again with the rows' current values under a new key
  (updating twice duplicates nothing);
- held, when a create cannot be read back (no ``match.field``, or its records do not carry it): nothing
  is sent until the user, having checked Intacct, names the request in ``pending_written`` (Intacct has
  it) or ``pending_resend`` (it does not).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from intacct_assets.reverse_sync import state as sync_state
from intacct_assets.reverse_sync.mapping import payload_hash
from intacct_assets.reverse_sync.spec import SyncSpec
from intacct_assets.reverse_sync.writer import UNTRUSTED, IntacctWriter, PendingRequest, WriteOutcome, ask_the_user
from intacct_assets.warehouse.connection import Warehouse, transaction

REPLAY_WINDOW = timedelta(hours=48)  # how long Intacct answers a repeated Idempotency-Key from its cache
# How long an unanswered request may still be running in Intacct, so that a record not found yet may still
# appear. Chosen: no source says; a 524 is Cloudflare giving up after 100 s, not Intacct stopping.
MAY_STILL_RUN = timedelta(minutes=30)


@dataclass
class Settled:
    """What the plan must know about rows of writes still pending."""

    held: dict[str, str] = field(default_factory=dict)  # match value -> why it is not sent this run
    renewed: dict[str, str] = field(default_factory=dict)  # match value -> the key Intacct will not replay


class PendingWrites:
    def __init__(
        self,
        spec: SyncSpec,
        warehouse: Warehouse,
        writer: IntacctWriter,
        clock: Callable[[], datetime],
        run_id: str | None,
    ) -> None:
        self.spec, self.warehouse, self.writer, self.clock, self.run_id = spec, warehouse, writer, clock, run_id

    def settle(self, written: Collection[str] = (), resend: Collection[str] = ()) -> Settled:
        """``written`` / ``resend``: idempotency keys of held creates the user checked in Intacct."""
        with self.warehouse.connect() as connection:
            pending = sync_state.pending_requests(connection, self.spec.name)
        unknown = sorted((set(written) | set(resend)) - {key for key, *_ in pending})
        if unknown or set(written) & set(resend):
            raise ValueError(
                f"sync {self.spec.name}: pending_written / pending_resend must name each pending "
                f"request once; not pending: {', '.join(unknown) or '-'}; pending: "
                f"{', '.join(key for key, *_ in pending) or 'none'}"
            )
        settled = Settled()
        for key, operation, body, members, sent_at in pending:
            request = PendingRequest(key, operation, body, members)
            if key in resend:
                self._forget(request, [], settled, renew=members)
            elif key in written:
                self._forget(request, [WriteOutcome(member, True) for member in members], settled)
            elif operation == "create" and not self.writer.client.settings.trusts_batch_keys:
                self._read_back(request, sent_at, settled, UNTRUSTED)
            elif self.clock() - sent_at < REPLAY_WINDOW:
                self._replay(request, sent_at, settled)
            elif operation != "create":
                self._forget(request, [], settled, renew=members)
            else:
                self._read_back(request, sent_at, settled, "Intacct replays answers for 48 hours only")
        return settled

    def _replay(self, request: PendingRequest, sent_at: datetime, settled: Settled) -> None:
        outcomes = self.writer.replay(request)
        if any(outcome.unknown for outcome in outcomes):
            settled.held.update(
                dict.fromkeys(
                    request.members,
                    (
                        f"an earlier write of this row (sent {sent_at:%Y-%m-%d %H:%M} UTC) is still unanswered; it is "
                        "replayed with the same Idempotency-Key until Intacct answers, and read back after 48 hours"
                    ),
                )
            )
        else:
            self._forget(request, outcomes, settled)

    def _read_back(self, request: PendingRequest, sent_at: datetime, settled: Settled, why: str) -> None:
        """``why``: why the request is read back rather than replayed."""
        match_field = self.spec.match.field
        unanswered = f"the create sent {sent_at:%Y-%m-%d %H:%M} UTC never got an answer, and {why}"
        if not request.carries(match_field):
            settled.held.update(dict.fromkeys(request.members, ask_the_user(request, unanswered)))
            return
        found, unreadable = self.writer.lookup(match_field, request.members)
        if unreadable:
            settled.held.update(
                dict.fromkeys(
                    request.members,
                    (
                        f"{unanswered}; it could not be read back ({next(iter(unreadable.values()))}); nothing is sent "
                        "before it is"
                    ),
                )
            )
            return
        missing = [member for member in request.members if member not in found]
        if missing and self.clock() - sent_at < MAY_STILL_RUN:
            settled.held.update(
                dict.fromkeys(
                    request.members,
                    (
                        f"{unanswered}; {len(missing)} of its {len(request.members)} records are not found by "
                        f"{match_field} yet, and Intacct may still be running it: it is read back again, and what is "
                        f"still missing sent under a new key, once it is {MAY_STILL_RUN.seconds // 60} minutes old"
                    ),
                )
            )
            return
        self._forget(
            request,
            [WriteOutcome(member, True, found[member]) for member in request.members if member in found],
            settled,
            renew=missing,
        )

    def _forget(
        self, request: PendingRequest, outcomes: list[WriteOutcome], settled: Settled, renew: Collection[str] = ()
    ) -> None:
        """Record what is known of the request and drop it; the rows in ``renew`` are planned under a new key."""
        sent = {
            member: payload_hash({k: v for k, v in item.items() if k != "key"})
            for member, item in zip(request.members, request.body, strict=True)
        }
        with self.warehouse.connect() as connection, transaction(connection):
            sync_state.save_results(
                connection,
                self.spec.name,
                self.run_id,
                [outcome.row(request.operation, sent) for outcome in outcomes],
                self.clock(),
            )
            sync_state.forget_pending(connection, self.spec.name, [request.idempotency_key])
        settled.renewed.update(dict.fromkeys(renew, request.idempotency_key))
