"""Helpers for tests that run clients against sandboxes: fast retries, a client's environment, a hand-moved clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from intacct_assets.sandbox import Knobs, Sandbox

FAST_RETRIES = {
    "INTACCT_API_BACKOFF_INITIAL_SECONDS": "0.001",
    "INTACCT_API_BACKOFF_MAX_SECONDS": "0.01",
    "INTACCT_API_MAX_ATTEMPTS": "8",
}


def client_env(sandbox: Sandbox, **extra: str) -> dict[str, str]:
    """The environment of a client of ``sandbox`` that retries at once."""
    return {**sandbox.env, **FAST_RETRIES, **extra}


class ManualClock:
    """A monotonic clock the test moves by hand (token lifetimes without sleeping)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def in_known_state(sandbox: Sandbox, knobs: Knobs) -> Iterator[Sandbox]:
    """A shared sandbox with ``knobs`` and zeroed statistics for the block, its knobs set back to ``knobs`` after."""
    sandbox.configure(**knobs.as_dict())
    sandbox.reset_stats()
    yield sandbox
    sandbox.configure(**knobs.as_dict())
