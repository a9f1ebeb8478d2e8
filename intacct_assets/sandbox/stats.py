"""Request accounting: per-request records (recent ones kept) and totals, including Intacct API
transactions as Intacct bills them (each read/query call = 1, each record written = 1, lines free)."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass, field


@dataclass
class Call:
    """One API request as the sandbox saw it; handlers fill ``transactions``/``writes`` as they go."""

    face: str  # rest | xml | oauth
    method: str
    path: str
    status: int = 0
    transactions: int = 0
    writes: int = 0  # records committed (drives lost-response injection)
    fault: str | None = None  # injected fault, if any
    elapsed_ms: float = 0.0
    operations: list[str] = field(default_factory=list)  # XML functions / REST operation names


class Stats:
    def __init__(self, keep: int = 1000) -> None:
        self._lock = threading.Lock()
        self._keep = keep
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.recent: deque[Call] = deque(maxlen=self._keep)
            self.totals = {
                "requests": 0,
                "api_transactions": 0,
                "throttled_429": 0,
                "errors": 0,
                "injected_faults": 0,
                "lost_responses": 0,
                "records_written": 0,
            }
            self.by_face: dict[str, int] = {}
            self.by_status: dict[str, int] = {}

    def record(self, call: Call) -> None:
        with self._lock:
            self.recent.append(call)
            totals = self.totals
            totals["requests"] += 1
            totals["api_transactions"] += call.transactions
            totals["records_written"] += call.writes
            totals["throttled_429"] += call.status == 429
            totals["errors"] += call.status >= 400
            totals["injected_faults"] += call.fault is not None and call.fault != "lost_response"
            totals["lost_responses"] += call.fault == "lost_response"
            self.by_face[call.face] = self.by_face.get(call.face, 0) + 1
            self.by_status[str(call.status)] = self.by_status.get(str(call.status), 0) + 1

    def snapshot(self, recent: int = 50) -> dict:
        with self._lock:
            return {
                **self.totals,
                "by_face": dict(self.by_face),
                "by_status": dict(self.by_status),
                "recent": [asdict(c) for c in list(self.recent)[-recent:]] if recent > 0 else [],
            }
