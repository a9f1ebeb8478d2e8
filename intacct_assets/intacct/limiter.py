"""A concurrency limiter per Intacct company: never more requests in flight than the tenant allows.

Intacct enforces concurrent requests per company (legacy default 2) and answers the excess with
429. Every client object for the same company in this process shares one limiter, so no
combination of threads, assets or clients exceeds the limit. With a lock directory (the default),
processes on the same machine also share it: each request in flight holds one of ``limit`` slot
files (OS file locks, released by the OS if a process dies), so parallel Dagster steps and runs
stay within the limit too. A slot is held only while a request is on the wire, never during
back-off sleeps.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

from filelock import FileLock, Timeout

SLOT_POLL_SECONDS = 0.005  # how often to look for a free slot while other processes hold them all


class ConcurrencyLimiter:
    _registry: ClassVar[dict[str, ConcurrencyLimiter]] = {}
    _registry_lock = threading.Lock()

    def __init__(self, limit: int, lock_dir: Path | None = None) -> None:
        if limit < 1:
            raise ValueError("a concurrency limit must be at least 1")
        self._limit = limit
        self._condition = threading.Condition()
        self.in_flight = 0
        self.peak = 0
        if lock_dir is not None:
            lock_dir.mkdir(parents=True, exist_ok=True)
        self._files = (
            [FileLock(lock_dir / f"slot-{i}.lock", thread_local=False) for i in range(limit)]
            if lock_dir is not None
            else []
        )
        self._free = set(range(len(self._files)))  # slot files this process does not hold

    @classmethod
    def for_tenant(cls, tenant: str, limit: int, lock_root: Path | None = None) -> ConcurrencyLimiter:
        """The shared limiter of ``tenant``; when clients ask for different limits, the lowest applies.

        ``lock_root``: where slot files live (one folder per tenant); None = this process only.
        """
        with cls._registry_lock:
            limiter = cls._registry.get(tenant)
            if limiter is None:
                folder = lock_root / hashlib.sha1(tenant.encode()).hexdigest()[:16] if lock_root else None
                limiter = cls._registry[tenant] = cls(limit, folder)
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
        held = None
        try:
            held = self._hold_file_slot() if self._files else None
            yield
        finally:
            with self._condition:
                if held is not None:
                    self._files[held].release()
                    self._free.add(held)
                self.in_flight -= 1
                self._condition.notify()

    def _hold_file_slot(self) -> int:
        while True:
            tried: set[int] = set()
            while True:
                with self._condition:
                    index = next((i for i in sorted(self._free) if i < self._limit and i not in tried), None)
                    if index is None:
                        break
                    self._free.discard(index)
                try:
                    self._files[index].acquire(timeout=0)
                    return index
                except Timeout:  # another process holds it
                    tried.add(index)
                    with self._condition:
                        self._free.add(index)
            time.sleep(SLOT_POLL_SECONDS)  # every slot is held by other processes
