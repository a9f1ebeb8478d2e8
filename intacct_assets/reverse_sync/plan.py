"""The diff: which source records need a write, compared with what the last runs sent.

Unchanged rows whose last write succeeded cost nothing; new, changed and previously failed rows are
written; rows that left the source follow ``on_delete``. Records that cannot be sent (unbalanced
entries, duplicate match values, …) fail before any call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from intacct_assets.reverse_sync.mapping import SourceRecord, set_path
from intacct_assets.reverse_sync.objects import WriteObject
from intacct_assets.reverse_sync.spec import SyncSpec
from intacct_assets.reverse_sync.state import SUCCESS, RowResult, StateRow

Operation = Literal["create", "update", "upsert", "delete", "clear", "absent"]


@dataclass
class PlannedWrite:
    match_value: str
    operation: Operation
    payload: dict = field(default_factory=dict)
    hash: str | None = None
    intacct_key: str | None = None
    # When the row's last outcome was recorded: part of the idempotency key, so that a row resent after a
    # recorded failure (or coming back after it left) is a new request, not a replay of Intacct's cached answer.
    attempt: str | None = None


@dataclass
class SyncPlan:
    writes: list[PlannedWrite]
    unchanged: list[str]
    invalid: list[RowResult]

    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for write in self.writes:
            counts[write.operation] = counts.get(write.operation, 0) + 1
        return {**counts, "unchanged": len(self.unchanged), "invalid": len(self.invalid)}


def _clear_payload(spec: SyncSpec) -> dict:
    payload: dict = {}
    for path in spec.mapping:
        if path != spec.match.field:
            set_path(payload, path, None)
    return payload


def plan_sync(spec: SyncSpec, target: WriteObject, records: list[SourceRecord], state: dict[str, StateRow]) -> SyncPlan:
    writes: list[PlannedWrite] = []
    unchanged: list[str] = []
    invalid: list[RowResult] = []
    insert_only = spec.mode == "insert" or target.insert_only
    for record in records:
        previous = state.get(record.match_value)
        attempt = _attempt(previous)
        if record.error:
            invalid.append(RowResult(record.match_value, "validate", "failed", error=record.error))
        elif previous and previous.present and previous.payload_hash == record.hash and previous.outcome in SUCCESS:
            unchanged.append(record.match_value)
        elif insert_only:
            if previous and previous.intacct_key and previous.outcome != "failed":
                unchanged.append(record.match_value)  # insert-only: a created record is never sent again
            else:
                writes.append(PlannedWrite(record.match_value, "create", record.payload, record.hash, attempt=attempt))
        elif previous and previous.intacct_key:
            writes.append(
                PlannedWrite(record.match_value, "update", record.payload, record.hash, previous.intacct_key, attempt)
            )
        else:
            operation: Operation = "upsert" if spec.mode == "upsert" else "update"
            writes.append(PlannedWrite(record.match_value, operation, record.payload, record.hash, attempt=attempt))
    in_source = {record.match_value for record in records}
    for match_value, previous in state.items():
        if match_value in in_source or not previous.present:
            continue
        if spec.on_delete == "nothing" or not previous.intacct_key:
            writes.append(PlannedWrite(match_value, "absent", intacct_key=previous.intacct_key))
        elif spec.on_delete == "clear":
            writes.append(
                PlannedWrite(
                    match_value,
                    "clear",
                    _clear_payload(spec),
                    intacct_key=previous.intacct_key,
                    attempt=_attempt(previous),
                )
            )
        else:
            writes.append(PlannedWrite(match_value, "delete", intacct_key=previous.intacct_key))
    return SyncPlan(writes, unchanged, invalid)


def _attempt(previous: StateRow | None) -> str | None:
    """When the row's last outcome was recorded (None: never)."""
    return str(previous.synced_at) if previous and previous.synced_at else None
