"""XML API sessions (login -> getAPISession, or the REST bridge), with a sliding timeout.

The timeout is the knob ``xml_session_timeout_seconds`` (default 21600: the REST bridge's documented
``expiresIn``); every answer's ``<sessiontimeout>`` says when the session dies if left unused.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass

from intacct_assets.sandbox.clock import Clock


@dataclass
class Session:
    id: str
    user: str
    company: str
    entity: str | None
    expires: float


class Sessions:
    def __init__(self, clock: Clock, ttl: Callable[[], int]) -> None:
        self.clock, self._ttl = clock, ttl
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}

    @property
    def ttl(self) -> int:
        return self._ttl()

    def open(self, user: str, company: str, entity: str | None) -> Session:
        session = Session(secrets.token_urlsafe(24) + "..", user, company, entity, self.clock.timestamp() + self.ttl)
        with self._lock:
            self._sessions[session.id] = session
        return session

    def touch(self, session_id: str) -> Session | None:
        """The live session (its timeout pushed forward), or None if unknown or expired."""
        now = self.clock.timestamp()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None or session.expires <= now:
                self._sessions.pop(session_id, None)
                return None
            session.expires = now + self.ttl
            return session
