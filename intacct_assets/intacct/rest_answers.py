"""Reading REST answers: per-record results of batch writes, errors in both of Intacct's shapes (nested
``ia::result.ia::error`` and top-level ``ia::error``; a Cloudflare HTML page becomes an error with its status), and
the API transactions an answer cost."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from intacct_assets.intacct.errors import (
    ErrorDetail,
    IntacctApiError,
    OutcomeUnknownError,
)
from intacct_assets.intacct.redaction import Redactor
from intacct_assets.intacct.retry import retry_after_seconds

FREE_PATHS = ("/services/core/model", "/services/core/session/id")


@dataclass(frozen=True)
class ItemResult:
    """Outcome of one record of a write, by its index in the request."""

    index: int
    status: int
    key: str | None = None
    id: str | None = None
    error: IntacctApiError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status < 400


@dataclass(frozen=True)
class WriteResult:
    status: int
    items: list[ItemResult] = field(default_factory=list)
    replayed: bool = False  # Intacct answered from its idempotency cache (the write ran earlier)

    @property
    def ok(self) -> bool:
        return all(item.ok for item in self.items)

    @property
    def failed(self) -> list[ItemResult]:
        return [item for item in self.items if not item.ok]


def write_result(
    response: httpx.Response, redactor: Redactor, method: str, object_name: str, keys: Sequence[str] | None
) -> WriteResult:
    """Per-record results of a batch write. An answer that lists none cannot say what was written: the
    write's outcome is unknown (a keyed write is then replayed, never resent as a new one)."""
    entries = answer_result(response)
    if not isinstance(entries, list) or not entries or not all(isinstance(entry, dict) for entry in entries):
        raise OutcomeUnknownError(
            f"{method} /objects/{object_name} -> HTTP {response.status_code}: the answer lists "
            f"no per-record results, so what was written is unknown: "
            f"{redactor.text(response.content, 200)!r}",
            response.status_code,
        )
    items = []
    for index, entry in enumerate(entries):
        status = _item_status(entry, response.status_code)
        error = entry.get("ia::error") if isinstance(entry.get("ia::error"), dict) else None
        items.append(
            ItemResult(
                index=index,
                status=status,
                key=entry.get("key") or (keys[index] if keys else None),
                id=entry.get("id"),
                error=_error_from(error, status, method, f"/objects/{object_name}", redactor) if error else None,
            )
        )
    return WriteResult(response.status_code, items, replayed="x-ia-idempotency-cached-date" in response.headers)


def _item_status(entry: dict, default: int) -> int:
    try:
        return int(entry.get("ia::status") or default)
    except (TypeError, ValueError):
        return default


def item_failures(response: httpx.Response) -> tuple[int, int, str]:
    """Failed records of a batch write answer, for the call log."""
    entries = answer_result(response)
    if not isinstance(entries, list):
        return 0, 0, ""
    failed = [
        entry
        for entry in entries
        if isinstance(entry, dict)
        and (_item_status(entry, response.status_code) >= 400 or isinstance(entry.get("ia::error"), dict))
    ]
    if not failed:
        return 0, len(entries), ""
    messages = sorted(
        {str(entry["ia::error"].get("message")) for entry in failed if isinstance(entry.get("ia::error"), dict)}
    )
    return (
        len(failed),
        len(entries),
        f"{len(failed)} of {len(entries)} records failed" + (f": {'; '.join(messages[:3])}" if messages else ""),
    )


def answer_result(response: httpx.Response) -> object:
    try:
        return response.json().get("ia::result")
    except (json.JSONDecodeError, AttributeError, UnicodeDecodeError):
        return None


def nested_error(response: httpx.Response) -> bool:
    """A 2xx answer whose ``ia::result`` is an error object (seen in the wild, per CPW)."""
    if response.status_code in (204, 207):
        return False
    head = b"".join(response.content[:80].split())
    return head.startswith(b'{"ia::result":{"ia::error"')


def parse_error(response: httpx.Response, method: str, path: str, redactor: Redactor) -> IntacctApiError:
    """An :class:`IntacctApiError` from any error body: nested or top-level ``ia::error``, HTML, text."""
    try:
        payload = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        payload = None
    error = None
    if isinstance(payload, dict):
        result = payload.get("ia::result")
        error = result.get("ia::error") if isinstance(result, dict) else None
        error = error or payload.get("ia::error")
    if not isinstance(error, dict):
        text = redactor.text(response.content, 300) or response.reason_phrase
        return IntacctApiError(
            response.status_code, text, method=method, path=path, retry_after=retry_after_seconds(response)
        )
    built = _error_from(error, response.status_code, method, path, redactor)
    built.retry_after = retry_after_seconds(response)
    return built


def _error_from(error: dict, status: int, method: str, path: str, redactor: Redactor) -> IntacctApiError:
    raw_details = error.get("details")
    details = tuple(
        ErrorDetail(
            code=d.get("code"),
            message=redactor.text(d.get("message")),
            error_id=d.get("errorId"),
            target=d.get("target"),
        )
        for d in (raw_details if isinstance(raw_details, list) else [])
        if isinstance(d, dict)
    )
    support = error.get("supportId") or (raw_details.get("requestId") if isinstance(raw_details, dict) else None)
    info = error.get("additionalInfo")
    placeholders = info.get("placeholders") if isinstance(info, dict) else None
    return IntacctApiError(
        status,
        redactor.text(error.get("message") or "no message"),
        code=error.get("code"),
        error_id=error.get("errorId"),
        support_id=support,
        details=details,
        method=method,
        path=path,
        placeholders={str(k): redactor.text(str(v)) for k, v in placeholders.items()}
        if isinstance(placeholders, dict)
        else None,
    )


def transactions(method: str, path: str, response: httpx.Response) -> int:
    """Intacct transactions billed for a successful answer: reads 1, writes 1 per record written."""
    if path.startswith(FREE_PATHS) or (response.status_code >= 400 and response.status_code != 207):
        return 0
    if "x-ia-idempotency-cached-date" in response.headers:
        return 0  # a replay of an earlier answer is not billed again
    if method == "GET" or path == "/services/core/query":
        return 1
    if response.status_code == 204:  # a DELETE: every key of the path was deleted
        return len(path.rsplit("/", 1)[-1].split(","))
    result = answer_result(response)
    if isinstance(result, list):  # a batch: the records written
        return sum(1 for item in result if isinstance(item, dict) and int(item.get("ia::status") or 0) < 300)
    return 1 if response.status_code < 300 else 0
