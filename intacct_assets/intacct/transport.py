"""One HTTP exchange with Intacct: concurrency slot, timeout, retries, 401 refresh, call log.

REST and the XML gateway both send through here, so the limiter, the retry rules and the call
log are the same for every request the project makes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from intacct_assets.intacct.calllog import EXCERPT_CHARS, ApiCall, CallLog
from intacct_assets.intacct.capture import Capture
from intacct_assets.intacct.errors import (
    IntacctError,
    IntacctTransportError,
    OutcomeUnknownError,
    UnexpectedAnswerError,
)
from intacct_assets.intacct.limiter import ConcurrencyLimiter
from intacct_assets.intacct.redaction import Redactor
from intacct_assets.intacct.retry import (
    NOT_SENT,
    Replay,
    RetryableFailure,
    outcome_unknown,
    retry_after_seconds,
    retrying,
    status_is_retryable,
)
from intacct_assets.intacct.settings import IntacctSettings
from intacct_assets.tls import verified_tls

Judge = Callable[[httpx.Response], IntacctError | None]
# (parts that failed, parts, what failed) of a success answer that reports failures of its own: XML
# functions, REST batch items. The call log records such an answer as "partial" or "failed", never "ok".
PartFailures = Callable[[httpx.Response], tuple[int, int, str]]


@dataclass
class Exchange:
    """What to send and how to read the answer."""

    face: str  # rest | xml | oauth
    method: str
    url: str
    operation: str
    replay: Replay
    judge: Judge  # the error an answer represents, or None when it is a success
    transactions: Callable[[httpx.Response], int] = lambda response: 0
    entity: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    params: dict[str, str] | None = None
    uses_slot: bool = True  # False for token requests (not API calls; never wait behind our own requests)
    answered: Callable[[], None] | None = None  # told as soon as a success answer starts (before its body)
    failures: PartFailures | None = None


@dataclass
class Authorizer:
    """Adds the bearer token; after a 401 it may refresh once (``refresh`` returns False if it cannot)."""

    header: Callable[[], str]
    refresh: Callable[[str], bool]


class Transport:
    def __init__(
        self, settings: IntacctSettings, calls: CallLog, redactor: Redactor, http: httpx.Client | None = None
    ) -> None:
        self.settings, self.calls, self.redactor = settings, calls, redactor
        self.limiter = ConcurrencyLimiter.for_tenant(settings.tenant, settings.concurrency_limit, settings.slot_root)
        self.http = http or httpx.Client(
            timeout=httpx.Timeout(settings.timeout_seconds), follow_redirects=False, verify=verified_tls()
        )
        self.capture = Capture.open(settings.capture_dir, settings.capture_mask_fields, redactor)  # None: off

    def close(self) -> None:
        self.http.close()

    def send(self, exchange: Exchange, authorizer: Authorizer | None = None) -> httpx.Response:
        """The successful response, or the error Intacct answered once retries are exhausted."""
        attempts = _Attempts(self.settings.max_attempts)
        policy = retrying(
            self.settings.max_attempts, self.settings.backoff_initial_seconds, self.settings.backoff_max_seconds
        )
        try:
            return policy(self._attempt, exchange, authorizer, attempts)
        except RetryableFailure as failure:
            raise failure.error from None

    def _attempt(self, exchange: Exchange, authorizer: Authorizer | None, attempts: _Attempts) -> httpx.Response:
        attempts.tries += 1
        refreshed = False
        while True:
            attempts.number += 1
            token_header = authorizer.header() if authorizer else None
            response = self._exchange(exchange, token_header, attempts)
            if response.status_code == 401 and authorizer and not refreshed and token_header:
                refreshed = True
                if authorizer.refresh(token_header):
                    self._log(
                        exchange,
                        attempts.number,
                        response,
                        response.duration_ms,
                        "retry",
                        "401: the access token was refused; a new one was obtained",
                    )
                    continue
            return self._judge(exchange, response, attempts)

    def _exchange(self, exchange: Exchange, token_header: str | None, attempts: _Attempts) -> _Timed:
        headers = dict(exchange.headers)
        if token_header:
            headers["Authorization"] = token_header
        request = self.http.build_request(
            exchange.method, exchange.url, headers=headers, content=exchange.content, params=exchange.params
        )
        started = time.perf_counter()
        try:
            # The slot covers the request until the answer starts: Intacct has finished processing
            # by then, and reading a large body must not keep the next request waiting.
            with self.limiter.slot() if exchange.uses_slot else nullcontext():
                response = self.http.send(request, stream=True)
            if exchange.answered is not None and response.status_code < 400:
                exchange.answered()
            try:
                response.read()
            finally:
                response.close()
        except httpx.TransportError as error:
            duration_ms = (time.perf_counter() - started) * 1000
            if self.capture is not None:
                self.capture.record(exchange, request, None, duration_ms, attempts.number, error)
            self._transport_failure(exchange, error, duration_ms, attempts)
        duration_ms = (time.perf_counter() - started) * 1000
        if self.capture is not None:
            self.capture.record(exchange, request, response, duration_ms, attempts.number)
        return _Timed(response, duration_ms)

    def _transport_failure(
        self, exchange: Exchange, error: httpx.TransportError, duration_ms: float, attempts: _Attempts
    ) -> None:
        sent = not isinstance(error, NOT_SENT)
        message = f"{exchange.method} {_path(exchange.url)}: {type(error).__name__}: {self.redactor.text(str(error))}"
        if sent and outcome_unknown(None, exchange.replay):
            self._log(exchange, attempts.number, None, duration_ms, "failed", message)
            raise OutcomeUnknownError(
                f"{message}. The request was sent but no answer came back; it was not resent because "
                f"{exchange.replay.not_resent_because}, so it may or may not have been applied."
            ) from None
        retry = attempts.remaining
        self._log(exchange, attempts.number, None, duration_ms, "retry" if retry else "failed", message)
        raise RetryableFailure(IntacctTransportError(message))

    def _judge(self, exchange: Exchange, timed: _Timed, attempts: _Attempts) -> httpx.Response:
        response = timed.response
        error = exchange.judge(response)
        if error is None:
            failed, parts, what = exchange.failures(response) if exchange.failures else (0, 0, "")
            outcome = "ok" if not failed else "failed" if failed >= parts else "partial"
            self._log(
                exchange,
                attempts.number,
                timed,
                timed.duration_ms,
                outcome,
                what,
                transactions=exchange.transactions(response),
            )
            return response
        status = response.status_code if not getattr(error, "throttled", False) else 429
        retryable = getattr(error, "throttled", False) or status_is_retryable(status, exchange.replay)
        if retryable:
            self._log(
                exchange,
                attempts.number,
                timed,
                timed.duration_ms,
                "retry" if attempts.remaining else "failed",
                str(error),
            )
            raise RetryableFailure(error, retry_after_seconds(response))
        self._log(exchange, attempts.number, timed, timed.duration_ms, "failed", str(error))
        if outcome_unknown(status, exchange.replay):
            raise OutcomeUnknownError(
                f"{error}. The write may or may not have been applied (HTTP {status}); it was not resent "
                f"because {exchange.replay.not_resent_because}.",
                status,
            ) from None
        raise error

    def _log(
        self,
        exchange: Exchange,
        attempt: int,
        timed: _Timed | None,
        duration_ms: float,
        outcome: str,
        error: str,
        transactions: int = 0,
    ) -> None:
        response = timed.response if timed is not None else None
        excerpt = self._excerpt(exchange, response, outcome)
        self.calls.add(
            ApiCall(
                started_at=datetime.now(UTC) - timedelta(milliseconds=duration_ms),
                face=exchange.face,
                method=exchange.method,
                path=_path(exchange.url),
                operation=exchange.operation,
                entity=exchange.entity,
                status=response.status_code if response is not None else None,
                duration_ms=round(duration_ms, 2),
                attempt=attempt,
                transactions=transactions,
                outcome=outcome,
                error=self.redactor.text(error, 1000),
                excerpt=excerpt,
            )
        )

    def _excerpt(self, exchange: Exchange, response: httpx.Response | None, outcome: str) -> str:
        """The interesting start of the request and the answer (XML: from ``<content>`` / ``<result>``)."""
        half = EXCERPT_CHARS // 2
        sent = self.redactor.text(_interesting(exchange.content, b"<content>", half * 4), half)
        received = self.redactor.text(
            _interesting(response.content if response is not None else b"", b"<operation>", EXCERPT_CHARS * 4),
            EXCERPT_CHARS if outcome != "ok" else half,
        )
        return f"request: {sent} | response: {received}" if sent else f"response: {received}"


@dataclass
class _Attempts:
    """``tries``: retry-policy attempts; ``number``: HTTP requests sent (a 401 refresh adds one)."""

    maximum: int
    tries: int = 0
    number: int = 0

    @property
    def remaining(self) -> bool:
        return self.tries < self.maximum


@dataclass
class _Timed:
    response: httpx.Response
    duration_ms: float

    @property
    def status_code(self) -> int:
        return self.response.status_code


def json_object(response: httpx.Response, what: str, redactor: Redactor) -> dict:
    """The JSON object a success answer must be. Anything else (an HTML page, a list, cut-off text) is an
    :class:`UnexpectedAnswerError` quoting the start of the answer, never a KeyError deep inside a caller."""
    try:
        payload = response.json()
    except (ValueError, UnicodeDecodeError):  # JSONDecodeError is a ValueError
        payload = None
    if not isinstance(payload, dict):
        raise UnexpectedAnswerError(
            f"{what}: HTTP {response.status_code} answer is not a JSON object: {redactor.text(response.content, 200)!r}"
        )
    return payload


def _interesting(body: bytes | None, marker: bytes, limit: int) -> bytes:
    """The body from ``marker`` on when present (skips XML envelope boilerplate), at most ``limit`` bytes."""
    if not body:
        return b""
    start = body.find(marker, 0, 4096)
    return body[max(start, 0) : max(start, 0) + limit]


def _path(url: str) -> str:
    return httpx.URL(url).path
