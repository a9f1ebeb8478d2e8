"""A process-wide concurrency limiter per Intacct company.

Intacct enforces concurrent requests per company (legacy default 2) and answers the excess with
429. Every client object for the same company in this process shares one limiter, so no
combination of threads, assets or clients ever has more requests in flight than the limit. A slot
is held only while a request is on the wire, never during back-off sleeps.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ConcurrencyLimiter:
    _registry: dict[str, ConcurrencyLimiter] = {}
    _registry_lock = threading.Lock()

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a concurrency limit must be at least 1")
        self._limit = limit
        self._condition = threading.Condition()
        self.in_flight = 0
        self.peak = 0

    @classmethod
    def for_tenant(cls, tenant: str, limit: int) -> ConcurrencyLimiter:
        """The shared limiter of ``tenant``; when clients ask for different limits, the lowest applies."""
        with cls._registry_lock:
            limiter = cls._registry.get(tenant)
            if limiter is None:
                limiter = cls._registry[tenant] = cls(limit)
            else:
                limiter.lower_to(limit)
            return limiter

    @property
    def limit(self) -> int:
        return self._limit

    def lower_to(self, limit: int) -> None:
        with self._condition:
            self._limit = max(1, min(self._limit, limit))

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._condition:
            while self.in_flight >= self._limit:
                self._condition.wait()
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            yield
        finally:
            with self._condition:
                self.in_flight -= 1
                self._condition.notify()
