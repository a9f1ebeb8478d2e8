"""The tenant gate every API request passes: random faults, the concurrency limit (429), latency
(held while occupying a slot), and lost responses after a committed write."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

from intacct_assets.sandbox.httpd import Response
from intacct_assets.sandbox.oauth import gateway_error
from intacct_assets.sandbox.settings import Knobs
from intacct_assets.sandbox.stats import Call
from intacct_assets.sandbox.xml_gateway import control_failure

CLOUDFLARE_PAGE = "<html><head><title>{code}</title></head><body>error code: {code}</body></html>"


class Gate:
    """``monotonic`` and ``sleep`` are the time the latency is measured and waited in (tests pass their own)."""

    def __init__(
        self,
        knobs: Knobs,
        seed: int,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.knobs = knobs
        self._monotonic, self._sleep = monotonic, sleep
        self._rng = random.Random(f"faults-{seed}")
        self._rng_lock = threading.Lock()
        self._slots_lock = threading.Lock()
        self.in_flight = 0
        self.peak_in_flight = 0

    def _draw(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self._rng_lock:
            return self._rng.random() < rate

    def _choice(self, options: tuple[int, ...]) -> int:
        with self._rng_lock:
            return self._rng.choice(options)

    def throttled(self, face: str) -> Response:
        retry = str(self.knobs.retry_after_seconds)
        headers = [("Retry-After", retry), ("X-IA-Throttle-Limit-RetryAfter", retry)]
        if self.knobs.concurrency_limit:  # an injected 429 without a limit announces none (not a limit of 0)
            headers += [
                ("X-IA-Throttle-Limit", str(self.knobs.concurrency_limit)),
                ("X-IA-Throttle-Limit-Remaining", "0"),
            ]
        response = (
            control_failure("GW-0010", "API rate limit exceeded", 429)
            if face == "xml"
            else gateway_error(429, "GW-0010", "API rate limit exceeded")
        )
        response.headers.extend(headers)
        return response

    def fault(self, status: int, face: str) -> Response:
        if status == 429:
            return self.throttled(face)
        if status in (502, 524):
            return Response(status, CLOUDFLARE_PAGE.format(code=status).encode(), [("Content-Type", "text/html")])
        if face == "xml":
            text = "System temporarily unavailable" if status == 500 else "The Service is Temporarily Off-line"
            response = control_failure("PL04000050", text, status)
        else:
            response = gateway_error(status, "GW-0001", "Unable to process request")
        if status == 503:
            response.headers.append(("Retry-After", str(self.knobs.retry_after_seconds)))
        return response

    def run(self, call: Call, handler: Callable[[], Response]) -> Response:
        """Admit (or refuse) one API request, run it, hold the slot for the configured latency."""
        knobs = self.knobs
        if self._draw(knobs.error_rate):
            status = self._choice(knobs.error_statuses)
            call.fault = f"injected_{status}"
            return self.fault(status, call.face)
        limit = knobs.concurrency_limit
        with self._slots_lock:
            if limit and self.in_flight >= limit:
                call.fault = "concurrency"
                return self.throttled(call.face)
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            remaining = limit - self.in_flight
        started = self._monotonic()
        try:
            response = handler()
            if knobs.throttle_headers and limit:
                response.headers.extend(
                    [("X-IA-Throttle-Limit", str(limit)), ("X-IA-Throttle-Limit-Remaining", str(remaining))]
                )
            wait = knobs.latency_ms / 1000 - (self._monotonic() - started)
            if wait > 0:
                self._sleep(wait)
        finally:
            with self._slots_lock:
                self.in_flight -= 1
        if call.writes and self._draw(knobs.lost_response_rate):
            call.fault = "lost_response"
            if knobs.lost_response_mode == "close":
                return Response(response.status, drop_connection=True)
            return Response(524, CLOUDFLARE_PAGE.format(code=524).encode(), [("Content-Type", "text/html")])
        return response
