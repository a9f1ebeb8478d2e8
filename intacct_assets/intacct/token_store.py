"""Where a rotated OAuth refresh token is kept between runs, out of the warehouse readers' sight.

Intacct may answer a refresh with a new refresh token and invalidate the old one: a production Python
REST client stores the token every refresh returns (fylein/intacct-rest-sdk-py ``example.py``), and a newer
grant invalidates the older ones ("Token is not valid", ``REST-2102``; nango.dev, "How to fix Sage
Intacct OAuth error: Token is not valid"). A token kept in memory only would leave the next run with a
dead one. So every rotated token goes to a store:

- a file per OAuth client and company, owner-only (0600, in a 0700 folder), beside the Dagster
  instance (``$DAGSTER_HOME/intacct-tokens``, else ``~/.intacct-assets/tokens``) or in the folder
  named by ``INTACCT_TOKEN_STORE``;
- or a command the user names (``INTACCT_TOKEN_STORE_COMMAND``), for a secrets manager: it is run as
  ``<command> get <key>`` (prints what was stored, or nothing) and ``<command> set <key>`` (reads it on
  stdin).

Never the warehouse, logs, metadata or errors. A stored token continues the chain that started from
one ``INTACCT_REFRESH_TOKEN`` value (it keeps that value's SHA-256): a different value in the
environment — the user re-authorized — starts a new chain and wins over what is stored.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from filelock import FileLock

from intacct_assets.intacct.errors import IntacctConfigError

COMMAND_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class StoredToken:
    refresh_token: str
    seed: str  # SHA-256 of the INTACCT_REFRESH_TOKEN value this token was rotated from
    saved_at: str

    @classmethod
    def rotated(cls, refresh_token: str, env_token: str) -> StoredToken:
        return cls(refresh_token, fingerprint(env_token), datetime.now(UTC).isoformat(timespec="seconds"))

    def continues(self, env_token: str) -> bool:
        """Rotated from this environment value (not from an older one the user has since replaced)."""
        return self.seed == fingerprint(env_token)


class TokenStore(Protocol):
    def load(self) -> StoredToken | None: ...

    def save(self, token: StoredToken) -> None: ...

    def locked(self) -> AbstractContextManager[None]:
        """Held around load-refresh-save, so two processes never spend the same refresh token."""

    def how_to_clear(self) -> str: ...


def fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def store_key(client_id: str, tenant: str) -> str:
    """One entry per OAuth client and company (``tenant``: company@API host)."""
    return "intacct-refresh-token-" + hashlib.sha256(f"{client_id}|{tenant}".encode()).hexdigest()[:20]


def default_folder(dagster_home: str) -> Path:
    return Path(dagster_home) / "intacct-tokens" if dagster_home else Path.home() / ".intacct-assets" / "tokens"


class FileTokenStore:
    """A JSON file per key, owner-only, replaced atomically."""

    def __init__(self, folder: Path, key: str) -> None:
        self.folder, self.path = folder, folder / f"{key}.json"

    def load(self) -> StoredToken | None:
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return None
        if self.path.stat().st_mode & 0o077:
            self.path.chmod(0o600)
        return _parse(text, str(self.path))

    def save(self, token: StoredToken) -> None:
        self._folder()
        descriptor, temporary = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")  # created 0600
        try:
            with os.fdopen(descriptor, "w") as file:
                json.dump(asdict(token), file)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @contextmanager
    def locked(self) -> Iterator[None]:
        self._folder()
        with FileLock(self.path.with_suffix(".lock"), thread_local=False):
            yield

    def how_to_clear(self) -> str:
        return f"delete {self.path}"

    def _folder(self) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self.folder.stat().st_mode & 0o077:
            self.folder.chmod(0o700)


class CommandTokenStore:
    """``<command> get <key>`` / ``<command> set <key>`` (the record as JSON on stdin), run without a shell."""

    def __init__(self, command: str, key: str, lock_folder: Path) -> None:
        self.argv, self.key = shlex.split(command), key
        self.lock = lock_folder / f"{key}.lock"

    def load(self) -> StoredToken | None:
        text = self._run("get").strip()
        return _parse(text, f"{self.argv[0]} get") if text else None

    def save(self, token: StoredToken) -> None:
        self._run("set", json.dumps(asdict(token)))

    @contextmanager
    def locked(self) -> Iterator[None]:
        self.lock.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with FileLock(self.lock, thread_local=False):
            yield

    def how_to_clear(self) -> str:
        return f"remove the entry {self.key} from the store behind INTACCT_TOKEN_STORE_COMMAND"

    def _run(self, action: str, stdin: str | None = None) -> str:
        try:
            done = subprocess.run(
                [*self.argv, action, self.key],
                input=stdin,
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise IntacctConfigError(
                f"INTACCT_TOKEN_STORE_COMMAND: `{self.argv[0]} {action}` could not run: {type(error).__name__}"
            ) from None
        if done.returncode != 0:  # its output is not quoted: it may hold the token
            raise IntacctConfigError(
                f"INTACCT_TOKEN_STORE_COMMAND: `{self.argv[0]} {action}` failed with exit "
                f"code {done.returncode}; run it by hand to see why"
            )
        return done.stdout


def token_store(*, folder: str, command: str, dagster_home: str, client_id: str, tenant: str) -> TokenStore | None:
    """The configured store (``folder`` ``off``: none, rotated tokens live in memory only)."""
    key = store_key(client_id, tenant)
    if command.strip():
        return CommandTokenStore(command, key, Path(tempfile.gettempdir()) / "intacct-token-locks")
    if folder.strip().lower() == "off":
        return None
    return FileTokenStore(Path(folder).expanduser() if folder.strip() else default_folder(dagster_home), key)


def _parse(text: str, where: str) -> StoredToken:
    try:
        record = json.loads(text)
        return StoredToken(str(record["refresh_token"]), str(record["seed"]), str(record.get("saved_at", "")))
    except (ValueError, KeyError, TypeError):
        raise IntacctConfigError(
            f"the token store ({where}) holds no readable token record; "
            "delete it (the next run starts again from INTACCT_REFRESH_TOKEN)"
        ) from None
