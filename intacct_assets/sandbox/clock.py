"""The sandbox's notion of "now": wall clock (UTC, whole seconds) plus an offset tests can advance."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class Clock:
    """UTC clock with second precision; ``frozen_at`` pins it (deterministic tests), ``advance`` moves it."""

    def __init__(self, frozen_at: datetime | None = None) -> None:
        self._frozen_at = frozen_at
        self._offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        base = self._frozen_at or datetime.now(UTC)
        return (base + self._offset).replace(microsecond=0)

    def timestamp(self) -> float:
        return self.now().timestamp()

    @property
    def offset_seconds(self) -> float:
        """How far ``advance`` has moved this clock."""
        return self._offset.total_seconds()

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += timedelta(seconds=seconds)


def iso(dt: datetime) -> str:
    """Canonical timestamp text: ``YYYY-MM-DDTHH:MM:SSZ`` (REST, DDS and internal storage)."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
