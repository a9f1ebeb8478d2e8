"""What an API sync did, per entity context and in all: counts, pages, deletions, calls, warnings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from intacct_assets.intacct.calllog import ApiCall, summarize
from intacct_assets.warehouse.merge import MergeCounts

MERGE_COUNTS = ("inserted", "updated", "deleted", "unchanged")


@dataclass
class ContextReport:
    """What one entity context of a sync did."""

    entity: str
    mode: str = ""  # full load | resumed full load | incremental | snapshot
    fetched: int = 0
    counts: MergeCounts = field(default_factory=MergeCounts)
    rejected: int = 0
    pages: int = 0
    repairs: int = 0
    deletes: str = "none"  # how deletions were looked for: audit_history | reconcile | none
    delete_events: int = 0  # AUDITHISTORY events read, or live rows found missing by a reconciliation
    unmatched_delete_events: int = 0
    refetched: int = 0  # rows a reconciliation found missing or stale, or creation events named, read again
    cursor_before: datetime | None = None
    cursor_after: datetime | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    target: str
    contexts: list[ContextReport]
    calls: list[ApiCall]
    seconds: float

    def total(self, name: str) -> int:
        """Sum over contexts of a merge count (inserted, updated, deleted, unchanged) or a report field."""
        return sum(getattr(c.counts if name in MERGE_COUNTS else c, name) for c in self.contexts)

    @property
    def transactions(self) -> int:
        return sum(c.transactions for c in self.calls)

    @property
    def rows_per_second(self) -> float:
        return round(self.total("fetched") / self.seconds) if self.seconds else 0.0

    def calls_summary(self) -> dict[str, object]:
        return summarize(self.calls)
