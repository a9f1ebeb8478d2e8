"""Idempotency-Key memory for REST writes, as Sage's idempotency guide describes it (developer.sage.com,
"Batch, bulk, and composite requests"; mirrored in dgaretz-oss/intacct-mcp ``docs/rest/bulk-requests.md``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from intacct_assets.sandbox.clock import Clock, iso
from intacct_assets.sandbox.errors import SandboxError
from intacct_assets.sandbox.httpd import Response
from intacct_assets.sandbox.rest.envelope import error_response


class Idempotency:
    """Per client and user. Within ``replay_seconds`` (48 h) a repeat gets the stored status and body; a
    different body, a repeat while the first is still running, or a repeat after the replay window while the
    key is remembered (``memory_seconds``, 60 days) gets 409. 429/5xx answers are not kept (the client may
    retry with the same key)."""

    def __init__(self, replay_seconds: int, memory_seconds: int, clock: Clock) -> None:
        if memory_seconds < replay_seconds:
            raise ValueError("idempotency_memory_seconds must be at least idempotency_ttl_seconds")
        self._replay, self._memory, self._clock = replay_seconds, memory_seconds, clock
        self._lock = threading.Lock()
        self._entries: dict[tuple, tuple[str, Response | None, float]] = {}

    def run(self, scope: tuple, fingerprint: str, write: Callable[[], Response]) -> Response:
        """``write``'s answer, or the remembered one (replay or conflict); the key is echoed on both."""
        key = scope[-1]
        early = self._begin(scope, fingerprint)
        if early is not None:
            return Response(early.status, early.body, [*early.headers, ("Idempotency-Key", key)])
        response = Response(500)
        try:
            response = write()
        except SandboxError as error:
            response = error_response(error)
        finally:
            self._finish(scope, fingerprint, response)
        return Response(response.status, response.body, [*response.headers, ("Idempotency-Key", key)])

    def _begin(self, scope: tuple, fingerprint: str) -> Response | None:
        """None = go ahead (slot reserved); a Response = answer with it (replay or conflict)."""
        now = self._clock.timestamp()
        with self._lock:
            found = self._entries.get(scope)
            if found and found[1] is not None and found[2] + self._memory < now:
                found = None  # forgotten
            if found is None:
                self._entries[scope] = (fingerprint, None, now)
                return None
        stored_fingerprint, response, cached_at = found
        if stored_fingerprint != fingerprint:
            return _conflict("Idempotency-Key was already used with a different request body")
        if response is None:
            return _conflict("A request with this Idempotency-Key is still in progress", "IDEMPOTENCY_IN_PROGRESS")
        if cached_at + self._replay < now:
            return _conflict(
                f"Idempotency-Key was already used on {iso(_utc(cached_at))}; answers "
                f"are replayed for {self._replay // 3600} hours only"
            )
        return Response(
            response.status, response.body, [*response.headers, ("x-ia-idempotency-cached-date", iso(_utc(cached_at)))]
        )

    def _finish(self, scope: tuple, fingerprint: str, response: Response) -> None:
        with self._lock:
            if response.status >= 500 or response.status == 429:
                self._entries.pop(scope, None)  # transient: let the client retry with the same key
            else:
                self._entries[scope] = (fingerprint, response, self._clock.timestamp())


def _conflict(message: str, errorno: str = "IDEMPOTENCY_KEY_REUSED") -> Response:
    return error_response(SandboxError("duplicate", message, errorno=errorno))


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)
