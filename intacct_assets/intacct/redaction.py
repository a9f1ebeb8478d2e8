"""Keeping credentials out of logs, exceptions and the API call log.

Two layers: known secret values (configured passwords, client secret, refresh token, and every
access token or session id obtained at run time) are masked wherever they appear, and well-known
credential fields (JSON/form keys, XML elements, ``Authorization`` headers) are masked even when
their value is not known yet.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable

MASK = "***"
_MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words
_SENSITIVE = r"(?:access_token|refresh_token|client_secret|password|sessionid|sessionId|code_verifier|token)"
_SENSITIVE_WORDS = (b"token", b"secret", b"password", b"session", b"code_verifier")  # each name above holds one
_PATTERNS = (  # (pattern, replacement keeping the delimiters, words (lower case) without which it cannot match)
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), rf"\g<1>{MASK}", (b"bearer",)),
    (re.compile(r"(?i)(basic\s+)[A-Za-z0-9+/=]+"), rf"\g<1>{MASK}", (b"basic",)),
    (re.compile(rf'("{_SENSITIVE}"\s*:\s*")[^"]*(")'), rf"\g<1>{MASK}\g<2>", _SENSITIVE_WORDS),
    (re.compile(rf"((?:^|[?&\s]){_SENSITIVE}=)[^&\s]*"), rf"\g<1>{MASK}", _SENSITIVE_WORDS),
    (
        re.compile(r"(<(password|sessionid)>)[^<]*(</\2>)", re.IGNORECASE),
        rf"\g<1>{MASK}\g<3>",
        (b"password", b"session"),
    ),
)
_WORDS = frozenset(word for *_, words in _PATTERNS for word in words)


class Secret:
    """A credential that prints as ``***``; call :meth:`reveal` where the real value is needed."""

    __slots__ = ("_value",)

    def __init__(self, value: str | None) -> None:
        self._value = value or ""

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__


class Redactor:
    """Masks credentials in any text; learns secrets obtained at run time (tokens, sessions)."""

    def __init__(self, secrets: Iterable[str | Secret] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | Secret | None) -> None:
        """Also as JSON writes it (Intacct's PHP escapes ``/`` as ``\\/``), so raw bodies are masked too."""
        value = secret.reveal() if isinstance(secret, Secret) else secret
        if value and len(value) >= _MIN_SECRET_LENGTH:
            escaped = json.dumps(value)[1:-1]
            with self._lock:
                self._secrets.update({value, escaped, escaped.replace("/", "\\/")})

    def text(self, text: str | bytes | None, limit: int | None = None) -> str:
        """Redacted (and optionally truncated) text; bytes are decoded leniently."""
        if text is None:
            return ""
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        # a pattern runs only where it can match: captured pages are megabytes long (bytes lower faster)
        lowered = text.encode("utf-8", "surrogatepass").lower()
        present = {word for word in _WORDS if word in lowered}
        for pattern, replacement, words in _PATTERNS:
            if present.intersection(words):
                text = pattern.sub(replacement, text)
        if limit is not None and len(text) > limit:
            text = text[:limit] + f"… ({len(text) - limit} more characters)"
        return text
