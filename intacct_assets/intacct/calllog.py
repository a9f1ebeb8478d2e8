"""The API call log: one entry per HTTP attempt, redacted, for run metadata and ``intacct_meta.api_calls``.

It answers "what did this run ask Intacct, what came back, and what did it cost" — the same
question Hightouch's live debugger and Census' API inspector answer.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime

MAX_ENTRIES = 100_000  # oldest entries are dropped beyond this (a sync writes its own calls to the warehouse)
EXCERPT_CHARS = 500


@dataclass(frozen=True)
class ApiCall:
    """One HTTP attempt. ``excerpt`` is redacted: it never holds a credential."""

    started_at: datetime  # UTC
    face: str  # rest | xml | oauth
    method: str
    path: str
    operation: str  # e.g. "query accounts-receivable/customer", "query AUDITHISTORY"
    entity: str  # "" = top level / default context
    status: int | None  # HTTP status; None when no response arrived
    duration_ms: float
    attempt: int
    transactions: int  # Intacct API transactions this attempt was billed (estimated as Intacct bills)
    outcome: str  # ok | partial (some XML functions / batch items failed) | retry | failed
    error: str = ""
    excerpt: str = ""


class CallLog:
    """Thread-safe, bounded list of :class:`ApiCall`; :meth:`mark` / :meth:`since` slice one sync's calls."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._entries: deque[ApiCall] = deque(maxlen=max_entries)
        self._total = 0

    def add(self, call: ApiCall) -> None:
        with self._lock:
            self._entries.append(call)
            self._total += 1

    def mark(self) -> int:
        """A position to pass to :meth:`since` later."""
        with self._lock:
            return self._total

    def since(self, mark: int = 0) -> list[ApiCall]:
        with self._lock:
            kept_from = self._total - len(self._entries)
            return list(self._entries)[max(0, mark - kept_from) :]


def summarize(calls: list[ApiCall]) -> dict[str, object]:
    """Totals plus a per-operation breakdown (requests, retries, failures, partial failures, transactions, time)."""
    operations: dict[str, dict[str, float]] = {}
    for call in calls:
        row = operations.setdefault(
            call.operation, {"requests": 0, "retries": 0, "failed": 0, "partial": 0, "transactions": 0, "total_ms": 0.0}
        )
        row["requests"] += 1
        row["retries"] += call.outcome == "retry"
        row["failed"] += call.outcome == "failed"
        row["partial"] += call.outcome == "partial"
        row["transactions"] += call.transactions
        row["total_ms"] += call.duration_ms
    statuses: dict[str, int] = {}
    for call in calls:
        key = str(call.status) if call.status is not None else "no response"
        statuses[key] = statuses.get(key, 0) + 1
    return {
        "requests": len(calls),
        "transactions": sum(c.transactions for c in calls),
        "retries": sum(c.outcome == "retry" for c in calls),
        "failed": sum(c.outcome == "failed" for c in calls),
        "partial": sum(c.outcome == "partial" for c in calls),
        "throttled": sum(c.status == 429 for c in calls),
        "by_status": statuses,
        "by_operation": {
            name: {k: round(v, 1) if isinstance(v, float) else v for k, v in row.items()}
            for name, row in sorted(operations.items())
        },
    }
