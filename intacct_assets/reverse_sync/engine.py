"""One reverse-sync run: read the source, diff against state, write what changed, record every row.

Order of work: settle writes whose outcome was not recorded last time (replayed or read back:
``pending.py``); plan; resolve Intacct keys in bulk (``$in`` lookups, not one per row); create /
update / clear / delete in batches; save each row's outcome and the new state in one transaction. A
dry run stops after the plan.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import polars as pl

from intacct_assets.intacct.calllog import summarize
from intacct_assets.intacct.client import IntacctClient
from intacct_assets.reverse_sync import state as sync_state
from intacct_assets.reverse_sync.mapping import build_records
from intacct_assets.reverse_sync.objects import WriteObject, write_object
from intacct_assets.reverse_sync.pending import PendingWrites, Settled
from intacct_assets.reverse_sync.plan import PlannedWrite, SyncPlan, plan_sync
from intacct_assets.reverse_sync.spec import SyncSpec, check_target
from intacct_assets.reverse_sync.state import RowResult
from intacct_assets.reverse_sync.writer import IntacctWriter, PendingRequest, WriteOutcome
from intacct_assets.warehouse.connection import Warehouse, transaction
from intacct_assets.warehouse.sql import quote


class SourceError(ValueError):
    """The sync's source cannot be read (missing table, bad SQL, missing columns)."""


@dataclass
class ReverseSyncReport:
    sync: str
    dry_run: bool
    plan: dict[str, int]
    results: list[RowResult] = field(default_factory=list)
    planned_sample: list[dict] = field(default_factory=list)
    source_rows: int = 0
    seconds: float = 0.0
    api: dict[str, object] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        counts = {
            outcome: 0 for outcome in ("created", "updated", "deleted", "cleared", "unchanged", "absent", "failed")
        }
        for result in self.results:
            counts[result.outcome] = counts.get(result.outcome, 0) + 1
        counts["unchanged"] += self.plan.get("unchanged", 0) if not self.dry_run else 0
        return counts

    @property
    def failed(self) -> list[RowResult]:
        return [r for r in self.results if r.outcome == "failed"]

    @property
    def rejected_share(self) -> float:
        attempted = len(self.results)
        return len(self.failed) / attempted if attempted else 0.0


def source_query(spec: SyncSpec) -> str:
    """SQL reading the sync's source: a table, an asset's table, or the user's own SELECT."""
    if spec.source.sql is not None:
        return f"SELECT * FROM ({spec.source.sql.rstrip().rstrip(';')})"
    # an asset's key ends with its schema and table (ours: [intacct, (<company>,) dds|api, <table>])
    parts = spec.source.table.split(".") if spec.source.table is not None else list(spec.source.asset or ())[-2:]
    return "SELECT * FROM " + ".".join(quote(part) for part in parts)


def read_source(warehouse: Warehouse, spec: SyncSpec) -> list[dict]:
    try:
        with warehouse.connect() as connection:
            frame: pl.DataFrame = connection.sql(source_query(spec)).pl()
    except Exception as error:  # duckdb Catalog/Parser/Binder errors
        raise SourceError(f"sync {spec.name}: cannot read its source: {error}") from error
    missing = sorted(column for column in spec.columns() if column not in frame.columns)
    if missing:
        raise SourceError(
            f"sync {spec.name}: the source has no column(s) {', '.join(missing)} (it has: {', '.join(frame.columns)})"
        )
    return frame.select(sorted(spec.columns())).to_dicts()


class ReverseSync:
    def __init__(
        self,
        spec: SyncSpec,
        warehouse: Warehouse,
        client: IntacctClient,
        run_id: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC).replace(tzinfo=None),
    ):
        self.spec, self.warehouse, self.client, self.run_id, self.clock = spec, warehouse, client, run_id, clock
        self.target: WriteObject = write_object(spec.object)
        check_target(spec, self.target)

    def run(
        self, dry_run: bool = False, pending_written: Collection[str] = (), pending_resend: Collection[str] = ()
    ) -> ReverseSyncReport:
        """``pending_written`` / ``pending_resend``: idempotency keys of held creates the user checked in
        Intacct (there / not there); see :mod:`intacct_assets.reverse_sync.pending`."""
        started, mark = time.perf_counter(), self.client.calls.mark()
        rows = read_source(self.warehouse, self.spec)
        records = build_records(rows, self.spec, self.target)
        settled = Settled()
        if not dry_run:
            settled = PendingWrites(self.spec, self.warehouse, self._writer(), self.clock, self.run_id).settle(
                pending_written, pending_resend
            )
        with self.warehouse.connect() as connection:
            current = sync_state.load_state(connection, self.spec.name)
        report = ReverseSyncReport(self.spec.name, dry_run, {}, source_rows=len(rows))
        results: list[RowResult] = []
        plan = plan_sync(self.spec, self.target, records, current)
        # A write of these rows may have reached Intacct: sending them under a new key could duplicate.
        plan.invalid += [
            RowResult(w.match_value, w.operation, "failed", error=settled.held[w.match_value])
            for w in plan.writes
            if w.match_value in settled.held
        ]
        plan.writes = [
            replace(w, attempt=f"{w.attempt} after {settled.renewed[w.match_value]}")
            if w.match_value in settled.renewed
            else w
            for w in plan.writes
            if w.match_value not in settled.held
        ]
        report.plan = plan.summary()
        if dry_run:
            report.planned_sample = [
                {
                    "match_value": w.match_value,
                    "operation": w.operation,
                    "intacct_key": w.intacct_key or "",
                    "payload": str(w.payload)[:300],
                }
                for w in plan.writes[:50]
            ]
            report.results = plan.invalid
        else:
            answered: list[str] = []
            results += self._execute(plan, answered)
            with self.warehouse.connect() as connection, transaction(connection):
                sync_state.save_results(connection, self.spec.name, self.run_id, results, self.clock())
                sync_state.forget_pending(connection, self.spec.name, answered)  # recorded: no longer pending
            report.results = results
        report.seconds = time.perf_counter() - started
        report.api = summarize(self.client.calls.since(mark))
        return report

    # ------------------------------------------------------------------ execution
    def _writer(self, on_sending: Callable[[list[PendingRequest]], None] = lambda requests: None) -> IntacctWriter:
        return IntacctWriter(
            self.client,
            self.target,
            self.spec.name,
            self.spec.entity,
            self.spec.batch_size,
            on_sending=on_sending,
            match_field=self.spec.match.field,
        )

    def _execute(self, plan: SyncPlan, answered: list[str]) -> list[RowResult]:
        writer = self._writer(self._remember)
        results = list(plan.invalid)
        hashes = {w.match_value: w.hash for w in plan.writes}
        writes = self._resolve_keys(writer, plan.writes, results)
        by_operation: dict[str, list[PlannedWrite]] = {}
        for write in writes:
            by_operation.setdefault(write.operation, []).append(write)
        for operation, send in (
            ("create", writer.create),
            ("update", writer.update),
            ("clear", writer.update),
            ("delete", writer.delete),
        ):
            outcomes = send(by_operation.get(operation, []))
            if operation == "update" and self.spec.mode == "upsert" and self.spec.match.field:
                outcomes = self._recreate_gone(writer, by_operation.get("update", []), outcomes, results, hashes)
            for outcome in outcomes:
                results.append(outcome.row(operation, hashes))
        results += [RowResult(w.match_value, "absent", "absent", w.intacct_key) for w in by_operation.get("absent", [])]
        answered += writer.answered
        return results

    def _resolve_keys(
        self, writer: IntacctWriter, writes: list[PlannedWrite], results: list[RowResult]
    ) -> list[PlannedWrite]:
        """Upserts become updates or creates; creates of existing records adopt them (no duplicate)."""
        field_name = self.spec.match.field
        needs_key = [w for w in writes if w.operation in ("upsert", "update", "create") and not w.intacct_key]
        found, lookup_failed = (
            writer.lookup(field_name, [w.match_value for w in needs_key]) if field_name and needs_key else ({}, {})
        )
        resolved = []
        for write in writes:
            if write.match_value in lookup_failed and not write.intacct_key:
                results.append(
                    RowResult(write.match_value, write.operation, "failed", error=lookup_failed[write.match_value])
                )
                continue
            key = write.intacct_key or found.get(write.match_value)
            operation = write.operation
            if operation == "upsert":
                operation = "update" if key else "create"
            elif operation == "update" and not key:
                results.append(
                    RowResult(
                        write.match_value,
                        "update",
                        "failed",
                        error=f"no Intacct {self.spec.object} has {field_name} = "
                        f"{write.match_value!r} (mode update never creates)",
                    )
                )
                continue
            elif operation == "create" and key:  # created earlier (e.g. its answer was lost): adopt it
                results.append(RowResult(write.match_value, "create", "created", key, payload_hash=write.hash))
                continue
            resolved.append(replace(write, operation=operation, intacct_key=key))
        return resolved

    def _recreate_gone(
        self,
        writer: IntacctWriter,
        sent: list[PlannedWrite],
        outcomes: list[WriteOutcome],
        results: list[RowResult],
        hashes: dict[str, str | None],
    ) -> list[WriteOutcome]:
        """Upserts whose remembered record was deleted in Intacct: matched again, created when still missing."""
        gone = {outcome.match_value for outcome in outcomes if outcome.gone}
        if not gone:
            return outcomes
        stale = [replace(w, operation="upsert", intacct_key=None) for w in sent if w.match_value in gone]
        again: dict[str, list[PlannedWrite]] = {}
        for write in self._resolve_keys(writer, stale, results):
            again.setdefault(write.operation, []).append(write)
        for operation, send in (("create", writer.create), ("update", writer.update)):
            for outcome in send(again.get(operation, [])):
                results.append(outcome.row(operation, hashes))
        return [outcome for outcome in outcomes if not outcome.gone]

    def _remember(self, requests: list[PendingRequest]) -> None:
        """Before writes are sent: kept until their outcomes are recorded (the next run replays what is left)."""
        with self.warehouse.connect() as connection, transaction(connection):
            sync_state.remember_pending(
                connection,
                self.spec.name,
                [(r.idempotency_key, r.operation, r.body, r.members) for r in requests],
                self.clock(),
            )


def write_requests(report: ReverseSyncReport) -> int:
    operations = report.api.get("by_operation", {}) if report.api else {}
    return sum(
        int(row["requests"])
        for name, row in operations.items()
        if name.split(" ")[0] in ("create", "update", "delete") or name.startswith("create_")
    )
