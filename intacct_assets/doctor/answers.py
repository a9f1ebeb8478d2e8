"""What Intacct's answers say about the server itself: its clock (``Date``) and its limits
(``X-IA-Throttle-*`` and friends). Recorded from every answer the doctor's client receives."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import httpx

LIMIT_HEADER = "x-ia-throttle-limit"
LIMIT_HEADER_PREFIXES = ("x-ia-throttle-", "x-ia-minute-rate-", "x-ia-hour-rate-", "x-ia-tenant-throttle-", "x-ia-cpu-")


@dataclass(frozen=True)
class Answer:
    status: int
    received_at: float  # this machine's clock (epoch seconds) when the answer's headers arrived
    server_time: float | None  # the answer's Date header (epoch seconds), if it had a readable one
    limits: dict[str, str] = field(default_factory=dict)  # throttling headers, lower-case names


class AnswerLog:
    """An httpx response hook that keeps what each answer says about the server."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: list[Answer] = []

    def record(self, response: httpx.Response) -> None:
        limits = {
            name.lower(): value
            for name, value in response.headers.items()
            if name.lower().startswith(LIMIT_HEADER_PREFIXES)
        }
        answer = Answer(response.status_code, time.time(), _date(response.headers.get("date")), limits)
        with self._lock:
            self._answers.append(answer)

    @property
    def answers(self) -> list[Answer]:
        with self._lock:
            return list(self._answers)


def _date(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
