"""XML API sessions (login -> getAPISession, or the REST bridge), with a sliding timeout."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

from intacct_assets.sandbox.clock import Clock

SESSION_TTL_SECONDS = 21600  # REST bridge reports expiresIn 21600; XML sessiontimeout slides by the same


@dataclass
class Session:
    id: str
    user: str
    company: str
    entity: str | None
    expires: float


class Sessions:
    def __init__(self, clock: Clock, ttl: int = SESSION_TTL_SECONDS) -> None:
        self.clock, self.ttl = clock, ttl
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}

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
