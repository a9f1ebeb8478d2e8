"""When a failed request may be sent again, and how long to wait first (tenacity).

* 429 / GW-0010 (throttled) and connection failures before anything was sent: always retried,
  nothing was processed.
* 503: retried (the service refused the request before processing it).
* 500, 502, 504 and failures after the request was sent: retried for reads and for writes that
  carry an idempotency key Intacct honours; otherwise the write's outcome is unknown and
  :class:`OutcomeUnknownError` is raised instead of risking a duplicate.
* 524 (Cloudflare timeout, the server may still be working): retried only with such a key.

Whether a key covers a create batch (a JSON array) is undocumented: with
``INTACCT_API_BATCH_IDEMPOTENCY=verify`` the REST client does not count on it (see ``rest.py``).

Waits grow exponentially with full jitter, and are never shorter than the server's
``Retry-After`` / ``X-IA-Throttle-Limit-RetryAfter``.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import tenacity

RETRY_AFTER_HEADERS = (
    "Retry-After",
    "X-IA-Throttle-Limit-RetryAfter",
    "X-IA-Hour-Rate-Limit-Retry-After",
    "X-IA-TENANT-Throttle-Limit-Retry-After",
)
MAX_SERVER_WAIT_SECONDS = 900.0
NOT_PROCESSED = frozenset({429, 503})
MAYBE_PROCESSED = frozenset({500, 502, 504})
EDGE_TIMEOUT = 524
# Failures raised before the request left this machine: nothing can have been processed.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


NO_KEY = "it carries no idempotency key"


@dataclass(frozen=True)
class Replay:
    """What resending a request could do. ``safe``: nothing twice (reads, keyed writes)."""

    safe: bool
    keyed: bool = False  # carries an idempotency key: the server replays the first answer
    not_resent_because: str = NO_KEY  # why an unsafe write is not resent after its answer was lost


class RetryableFailure(Exception):
    """Internal: this attempt failed in a way that may be retried; ``error`` is raised if not."""

    def __init__(self, error: Exception, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error, self.retry_after = error, retry_after


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The longest wait any of Intacct's retry-after headers asks for (seconds), if any."""
    waits = []
    for name in RETRY_AFTER_HEADERS:
        value = response.headers.get(name)
        if value is None:
            continue
        try:
            waits.append(float(value))
        except ValueError:
            continue  # an HTTP date: rare for Intacct; fall back to our own back-off
    return min(max(waits), MAX_SERVER_WAIT_SECONDS) if waits else None


def status_is_retryable(status: int, replay: Replay) -> bool:
    if status in NOT_PROCESSED:
        return True
    if status in MAYBE_PROCESSED:
        return replay.safe
    return status == EDGE_TIMEOUT and replay.keyed


def outcome_unknown(status: int | None, replay: Replay) -> bool:
    """A write that may have been applied, and that we will not resend."""
    return not replay.safe and (status is None or status in MAYBE_PROCESSED or status == EDGE_TIMEOUT)


class _Wait(tenacity.wait.wait_base):
    def __init__(self, initial: float, maximum: float) -> None:
        self._backoff = tenacity.wait_random_exponential(multiplier=initial, max=maximum)

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        backoff = self._backoff(retry_state)
        failure = retry_state.outcome.exception() if retry_state.outcome else None
        server = getattr(failure, "retry_after", None)
        return max(backoff, server) if server is not None else backoff


def retrying(max_attempts: int, initial: float, maximum: float) -> tenacity.Retrying:
    return tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(RetryableFailure),
        stop=tenacity.stop_after_attempt(max_attempts),
        wait=_Wait(initial, maximum),
        reraise=True,
    )
