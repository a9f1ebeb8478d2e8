"""Captured traffic: every HTTP exchange with Intacct, redacted, appended to a file (``INTACCT_CAPTURE_DIR``).

A capture turns one real run into a test fixture: the sandbox serves it back (``intacct-sandbox --replay``),
so a bug seen against a tenant can be reproduced without it. Each process appends to its own file in the
folder; a line is written (and flushed) as soon as its answer has been read, so a run that dies still
leaves every exchange it made.

Format ``intacct-capture`` version 1, JSON Lines (one JSON object per line, UTF-8):

* line 1, the header: ``{"format": "intacct-capture", "version": 1, "created_at": ISO UTC, "producer":
  "intacct_assets", "masked_fields": [...], "secret_mask": "***"}``;
* every other line, one HTTP attempt in the order its answer arrived: ``seq`` (1, 2, …), ``started_at``
  (ISO UTC), ``duration_ms``, ``attempt`` (HTTP requests sent for this call so far, a 401 refresh
  included), ``face`` (rest | xml | oauth), ``operation``, ``entity``, ``request`` {``method``, ``url``,
  ``headers`` (``[name, value]`` pairs), ``body``}, and ``response`` {``status``, ``headers``, ``body``} —
  or ``response: null`` and ``error`` when no answer came (connection lost, timeout). A body is ``body``
  (text) when it is UTF-8, else ``body_base64``; an empty body has neither.

Redaction: credentials and every token or session id the client learned are replaced by ``***``
(:class:`Redactor`: configured secrets, ``Authorization`` / cookie headers, OAuth forms, XML
``<password>`` / ``<sessionid>``, JSON token keys). Fields named in ``INTACCT_CAPTURE_MASK_FIELDS`` are
masked in requests and answers (:class:`FieldMask`): text becomes ``masked-<16 hex>``, a number the same
shape with other digits, both derived from the value with a key kept in the folder's ``.mask-key`` file —
so one value always masks to one placeholder across every file of the folder (keys still join), and
nobody without that file can test guesses against a placeholder. Share the ``.jsonl`` files, never the key.

Recording costs nothing when the folder is not set, and never breaks a run: a folder that cannot be
written is reported once (a warning) and the run goes on without a capture.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import orjson

from intacct_assets.intacct.field_mask import NUMBER, FieldMask
from intacct_assets.intacct.redaction import MASK, Redactor

if TYPE_CHECKING:
    from intacct_assets.intacct.transport import Exchange

FORMAT = "intacct-capture"
VERSION = 1
SUFFIX = ".jsonl"
KEY_FILE = ".mask-key"
HIDDEN_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})

log = logging.getLogger(__name__)


class Capture:
    """Records the exchanges of one client (whose redactor knows that client's secrets) into its process's file."""

    def __init__(self, sink: _Sink, redactor: Redactor) -> None:
        self._sink, self._redactor = sink, redactor

    @classmethod
    def open(cls, folder: str, mask_fields: tuple[str, ...], redactor: Redactor) -> Capture | None:
        """A capture into ``folder``; None when capturing is off or the folder cannot be written."""
        if not folder:
            return None
        sink = _sink(folder, FieldMask(mask_fields))
        return cls(sink, redactor) if sink is not None else None

    def record(
        self,
        exchange: Exchange,
        request: httpx.Request,
        response: httpx.Response | None,
        duration_ms: float,
        attempt: int,
        error: Exception | None = None,
    ) -> None:
        if self._sink.broken:
            return
        try:
            entry = {
                "started_at": _iso(datetime.now(UTC) - timedelta(milliseconds=duration_ms)),
                "duration_ms": round(duration_ms, 3),
                "attempt": attempt,
                "face": exchange.face,
                "operation": exchange.operation,
                "entity": exchange.entity,
                "request": {
                    "method": request.method,
                    "url": self._redactor.text(str(request.url)),
                    "headers": self._headers(request.headers),
                    **self._body(request.content),
                },
                "response": None
                if response is None
                else {
                    "status": response.status_code,
                    "headers": self._headers(response.headers),
                    **self._body(response.content),
                },
            }
            if error is not None:
                entry["error"] = self._redactor.text(f"{type(error).__name__}: {error}")
            self._sink.write(entry)
        except Exception as failure:  # noqa: BLE001 - a capture must never break the run it records
            self._sink.fail(failure)

    def _headers(self, headers: httpx.Headers) -> list[list[str]]:
        return [
            [name, MASK if name.lower() in HIDDEN_HEADERS else self._redactor.text(value)]
            for name, value in headers.multi_items()
        ]

    def _body(self, content: bytes) -> dict[str, str]:
        if not content:
            return {}
        try:
            return {"body": self._clean(content.decode("utf-8"))}
        except UnicodeDecodeError:  # latin-1 maps every byte to one character: redact, then restore the bytes
            cleaned = self._clean(content.decode("latin-1")).encode("latin-1", "replace")
            return {"body_base64": base64.b64encode(cleaned).decode("ascii")}

    def _clean(self, text: str) -> str:
        """Masked fields first (their values as sent), then every credential."""
        sink = self._sink
        return self._redactor.text(sink.mask.apply(text, sink.placeholder) if sink.mask else text)


@dataclass
class _Sink:
    """One capture file of one process: shared by every client of the process, appended under a lock."""

    path: Path
    mask: FieldMask
    key: bytes
    broken: bool = False

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._seq = 0
        self._file = self.path.open("xb")
        self._append(
            {
                "format": FORMAT,
                "version": VERSION,
                "created_at": _iso(datetime.now(UTC)),
                "producer": "intacct_assets",
                "masked_fields": list(self.mask.fields),
                "secret_mask": MASK,
            }
        )

    def write(self, entry: dict) -> None:
        with self._lock:
            self._seq += 1
            self._append({"seq": self._seq, **entry})

    def _append(self, line: dict) -> None:
        self._file.write(orjson.dumps(line) + b"\n")
        self._file.flush()

    def fail(self, error: Exception) -> None:
        with self._lock:
            if not self.broken:
                self.broken = True
                log.warning(
                    "Intacct capture stopped: could not write %s (%s: %s); the run goes on without it",
                    self.path,
                    type(error).__name__,
                    error,
                )

    def placeholder(self, value: str) -> str:
        """What a masked value becomes: the same for the same value, unguessable without the key."""
        digest = hmac.new(self.key, value.encode(), hashlib.sha256).digest()
        if not NUMBER.fullmatch(value):
            return f"masked-{digest.hex()[:16]}"
        digits = iter(digest * (1 + len(value) // len(digest)))
        # every digit becomes one of 1-9: the number keeps its shape and never gains a leading zero
        return "".join(str(1 + next(digits) % 9) if char.isdigit() else char for char in value)


_sinks: dict[tuple[str, int, tuple[str, ...]], _Sink | None] = {}
_sinks_lock = threading.Lock()


def _sink(folder: str, mask: FieldMask) -> _Sink | None:
    """This process's file in ``folder`` (a forked child gets its own); None, warned once, if it cannot be made."""
    place = (os.path.abspath(folder), os.getpid(), mask.fields)
    with _sinks_lock:
        if place not in _sinks:
            try:
                directory = Path(folder)
                directory.mkdir(parents=True, exist_ok=True)
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
                name = f"intacct-capture-{stamp}-{os.getpid()}-{secrets.token_hex(3)}{SUFFIX}"
                _sinks[place] = _Sink(directory / name, mask, _mask_key(directory) if mask else b"")
            except OSError as error:
                _sinks[place] = None
                log.warning(
                    "Intacct capture is off: INTACCT_CAPTURE_DIR=%s cannot be written (%s); the run goes "
                    "on without a capture",
                    folder,
                    error,
                )
        return _sinks[place]


def _mask_key(directory: Path) -> bytes:
    """The folder's masking key, created once (readable by its owner only) and shared by every process."""
    path = directory / KEY_FILE
    if not path.exists():
        draft = directory / f"{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(secrets.token_bytes(32))
        try:
            os.link(draft, path)  # atomic, and never replaces a key another process made first
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    key = path.read_bytes()
    if len(key) < 16:
        raise OSError(f"{path} is not a masking key (delete it to make a new one)")
    return key


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def read(path: str | Path) -> tuple[dict, list[dict]]:
    """The header and exchanges of one capture file; a file that is not a known capture is a ValueError."""
    lines = Path(path).read_bytes().splitlines()
    try:
        header = orjson.loads(lines[0]) if lines else None
    except orjson.JSONDecodeError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError(f"{path} is not an {FORMAT} file (its first line is not a capture header)")
    if header.get("version") != VERSION:
        raise ValueError(
            f"{path} is {FORMAT} version {header.get('version')!r}; this version reads version {VERSION} only"
        )
    exchanges = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        try:
            exchanges.append(orjson.loads(line))
        except orjson.JSONDecodeError:
            if number == len(lines):
                break  # the run died while writing its last line
            raise ValueError(f"{path}, line {number}: not a JSON object") from None
    return header, exchanges


def body_bytes(message: dict) -> bytes:
    """The body of a captured request or response."""
    if "body_base64" in message:
        return base64.b64decode(message["body_base64"])
    return message.get("body", "").encode("utf-8")
