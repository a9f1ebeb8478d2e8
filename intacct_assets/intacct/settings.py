"""Client settings from the environment (the README's ``INTACCT_*`` contract plus the ``INTACCT_API_*`` tuning knobs).

Secrets are wrapped in :class:`Secret` so that printing the settings never shows them.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

from intacct_assets.intacct.errors import IntacctConfigError
from intacct_assets.intacct.redaction import Secret

DEFAULT_API_URL = "https://api.intacct.com/ia/api/v1"
DEFAULT_XML_URL = "https://api.intacct.com/ia/xml/xmlgw.phtml"
# Whether an Idempotency-Key also covers a create batch (a JSON array): no public source says. "verify": a batch
# create whose answer was lost is read back, never resent blindly; "trust": it is resent under its key.
BATCH_IDEMPOTENCY = ("verify", "trust")


def env_number(env: dict[str, str], name: str, default: float, kind: type = float, minimum: float = 0) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError as error:
        raise IntacctConfigError(f"{name}={raw!r} is not a {'whole ' if kind is int else ''}number") from error
    if value < minimum:
        raise IntacctConfigError(f"{name}={raw!r} must be at least {minimum}")
    return value


@dataclass(frozen=True)
class IntacctSettings:
    """Where and how to reach one Intacct company over REST (OAuth2) and the XML gateway."""

    api_url: str = DEFAULT_API_URL
    client_id: str = ""
    client_secret: Secret = field(default_factory=lambda: Secret(""))
    username: str = ""  # user@company[|entity] for the client-credentials grant
    refresh_token: Secret = field(default_factory=lambda: Secret(""))
    entity_id: str = ""  # default entity context ("" = top level)
    xml_url: str = DEFAULT_XML_URL
    sender_id: str = ""
    sender_password: Secret = field(default_factory=lambda: Secret(""))
    company_id: str = ""
    user_id: str = ""
    user_password: Secret = field(default_factory=lambda: Secret(""))
    concurrency_limit: int = 2  # requests in flight per company, across every thread of the process
    timeout_seconds: float = 120.0
    max_attempts: int = 6  # per request, including the first
    backoff_initial_seconds: float = 0.5
    backoff_max_seconds: float = 60.0
    slot_dir: str = ""  # where processes on this machine share the concurrency slots; "off" = this process only
    xml_date_format: str = ""  # the XML user's date format (/mdY or m/d/Y); "" = ask Intacct (readUserFormatting)
    xml_timezone: str = ""  # the XML user's time zone (-08:00, America/Los_Angeles); "" = ask Intacct
    token_store: str = ""  # folder of rotated refresh tokens ("" = beside the Dagster instance; "off" = memory)
    token_store_command: str = ""  # or a command keeping them in a secrets manager (`get`/`set` <key>)
    dagster_home: str = ""
    capture_dir: str = ""  # record every exchange, redacted, into this folder ("" = off)
    capture_mask_fields: tuple[str, ...] = ()  # fields whose values a capture masks (names, e-mails, amounts)
    batch_idempotency: str = "verify"  # one of BATCH_IDEMPOTENCY

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> IntacctSettings:
        env = dict(os.environ) if env is None else env

        def text(name: str, default: str = "") -> str:
            return env.get(name, "").strip() or default

        batch_idempotency = text("INTACCT_API_BATCH_IDEMPOTENCY", "verify")
        if batch_idempotency.lower() not in BATCH_IDEMPOTENCY:
            raise IntacctConfigError(
                f"INTACCT_API_BATCH_IDEMPOTENCY={batch_idempotency!r} must be verify (read back a "
                "create batch whose answer was lost) or trust (resend it under its key)"
            )
        return cls(
            api_url=text("INTACCT_API_URL", DEFAULT_API_URL).rstrip("/"),
            client_id=text("INTACCT_CLIENT_ID"),
            client_secret=Secret(env.get("INTACCT_CLIENT_SECRET")),
            username=text("INTACCT_USERNAME"),
            refresh_token=Secret(env.get("INTACCT_REFRESH_TOKEN")),
            entity_id=text("INTACCT_ENTITY_ID"),
            xml_url=text("INTACCT_XML_URL", DEFAULT_XML_URL),
            sender_id=text("INTACCT_SENDER_ID"),
            sender_password=Secret(env.get("INTACCT_SENDER_PASSWORD")),
            company_id=text("INTACCT_COMPANY_ID"),
            user_id=text("INTACCT_USER_ID"),
            user_password=Secret(env.get("INTACCT_USER_PASSWORD")),
            concurrency_limit=int(env_number(env, "INTACCT_API_CONCURRENCY", 2, int, minimum=1)),
            timeout_seconds=env_number(env, "INTACCT_API_TIMEOUT_SECONDS", 120.0, minimum=1),
            max_attempts=int(env_number(env, "INTACCT_API_MAX_ATTEMPTS", 6, int, minimum=1)),
            backoff_initial_seconds=env_number(env, "INTACCT_API_BACKOFF_INITIAL_SECONDS", 0.5),
            backoff_max_seconds=env_number(env, "INTACCT_API_BACKOFF_MAX_SECONDS", 60.0),
            slot_dir=env.get("INTACCT_API_SLOT_DIR", "").strip(),
            xml_date_format=text("INTACCT_XML_DATE_FORMAT"),
            xml_timezone=text("INTACCT_XML_TIMEZONE"),
            token_store=text("INTACCT_TOKEN_STORE"),
            token_store_command=text("INTACCT_TOKEN_STORE_COMMAND"),
            dagster_home=text("DAGSTER_HOME"),
            capture_dir=text("INTACCT_CAPTURE_DIR"),
            capture_mask_fields=tuple(
                name.strip() for name in env.get("INTACCT_CAPTURE_MASK_FIELDS", "").split(",") if name.strip()
            ),
            batch_idempotency=batch_idempotency.lower(),
        )

    @property
    def trusts_batch_keys(self) -> bool:
        """Whether a create batch whose answer was lost may be resent under its Idempotency-Key."""
        return self.batch_idempotency == "trust"

    @property
    def oauth_username(self) -> str:
        """``user@company[|entity]``: INTACCT_USERNAME, else built from the XML user and company."""
        if self.username:
            return self.username
        if self.user_id and self.company_id:
            return f"{self.user_id}@{self.company_id}"
        return ""

    @property
    def tenant(self) -> str:
        """What Intacct's concurrency limit applies to: one company (on one API host)."""
        company = self.company_id or self.oauth_username.partition("@")[2].partition("|")[0]
        return f"{company}@{urlsplit(self.api_url).netloc}"

    @property
    def slot_root(self) -> Path | None:
        """Folder of the cross-process slot files (default: the system temp folder)."""
        if self.slot_dir.lower() == "off":
            return None
        return Path(self.slot_dir) if self.slot_dir else Path(tempfile.gettempdir()) / "intacct-api-slots"

    @property
    def has_rest(self) -> bool:
        return bool(self.client_id and self.client_secret and (self.refresh_token or self.oauth_username))

    @property
    def has_xml_sender(self) -> bool:
        return bool(self.sender_id and self.sender_password)

    @property
    def has_xml_login(self) -> bool:
        return bool(self.has_xml_sender and self.user_id and self.company_id and self.user_password)

    def secrets(self) -> list[Secret]:
        """Every configured credential, for redaction."""
        return [getattr(self, f.name) for f in fields(self) if isinstance(getattr(self, f.name), Secret)]

    def require_rest(self) -> None:
        if not self.has_rest:
            raise IntacctConfigError(
                "REST needs INTACCT_CLIENT_ID, INTACCT_CLIENT_SECRET and either INTACCT_REFRESH_TOKEN or "
                "INTACCT_USERNAME (user@company[|entity])"
            )

    def require_xml(self) -> None:
        if not self.has_xml_sender:
            raise IntacctConfigError("the XML gateway needs INTACCT_SENDER_ID and INTACCT_SENDER_PASSWORD")
        if not (self.has_xml_login or self.has_rest):
            raise IntacctConfigError(
                "the XML gateway needs a login (INTACCT_COMPANY_ID, INTACCT_USER_ID, INTACCT_USER_PASSWORD) or "
                "REST OAuth settings to open a session"
            )
