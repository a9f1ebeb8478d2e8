"""Sandbox settings: static start-up settings, the runtime realism knobs, and the DDS file format."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from intacct_assets.sandbox.values import XmlStyle

LINE_ENDINGS = {"unix": "\n", "windows": "\r\n", "mac": "\r"}
DELIMITERS = (",", ";", ".")
ENCLOSURES = ('"', "'", "[", "/")
FAULT_STATUSES = (429, 500, 502, 503, 524)
AUDIT_OBJECT_KEYS = ("name", "recordno", "recordno--REC")


@dataclass
class Knobs:
    """Realism knobs, all off by default; changeable at runtime (Python API, admin endpoint, CLI)."""

    latency_ms: int = 0  # minimum time an API request holds its concurrency slot
    concurrency_limit: int = 0  # in-flight API requests per tenant; 0 = unlimited (Intacct legacy: 2)
    error_rate: float = 0.0  # share of API requests answered with a random status from error_statuses
    error_statuses: tuple[int, ...] = FAULT_STATUSES
    lost_response_rate: float = 0.0  # share of committed writes whose response is lost
    lost_response_mode: str = "close"  # "close" (drop the connection) or "524" (Cloudflare timeout)
    token_ttl_seconds: int = 43200  # OAuth access-token lifetime (expires_in)
    background_edit_rate: float = 0.0  # background "user" edits per second (updates, deletes, creates)
    backdate_rate: float = 0.0  # share of writes whose modified time is set in the past
    backdate_seconds: int = 0  # how far in the past back-dated writes are stamped
    audit_history_readable: bool = True  # False: AUDITHISTORY reads fail with a permission error
    null_modified_rate: float = 0.0  # share of creates whose modified time stays empty (nullable in the model)
    dds_interval_seconds: float = 0.0  # scheduled DDS change delivery (objects that changed); 0 = off
    retry_after_seconds: int = 1  # value of Retry-After / X-IA-Throttle-Limit-RetryAfter on 429
    # first error text of a duplicate create: "record" = "Another record with the value X already exists."
    # (what production code matches today), "object" = "Another Vendor with the given value(s) X already exists"
    duplicate_wording: str = "record"
    # How the XML gateway refuses a completed controlid under uniqueid=true (no public source has the real
    # answer): the errorno, and the description2 ("{controlid}" is replaced; "" = the number alone).
    duplicate_controlid_errorno: str = "XL03000010"
    duplicate_controlid_text: str = "A function with controlid '{controlid}' has already been executed (uniqueid=true)."
    throttle_headers: bool = False  # every admitted API answer carries X-IA-Throttle-Limit[-Remaining]
    # REST query `size`: at most 4000 (secondary sources only); a larger one is refused (400) or capped silently
    max_query_size: int = 4000
    oversize_query: str = "refuse"  # refuse | cap
    idempotent_batches: bool = True  # False: an array POST/PATCH ignores Idempotency-Key (runs again, uncached)
    bill_metadata: bool = False  # True: REST model, XML lookup and readUserFormatting cost a transaction each
    unqueryable_fields: str = ""  # "OBJECT.FIELD,…" (XML names) refused in queries on both faces, model unflagged
    audit_object_key: str = "name"  # AUDITHISTORY.OBJECTKEY: name (documented) | recordno | recordno--REC
    xml_session_timeout_seconds: int = 21600  # an unused XML session dies after this (REST bridge expiresIn)
    xml_session_expiry: str = "authentication"  # a dead session: authentication XL03000006 | control (HTTP 400)
    # the Web Services user's preferences (readUserFormatting): XML dates, timestamps and filter values follow them
    xml_date_format: str = "/mdY"  # separator, then m d Y (y: two-digit year) in the user's order
    xml_gmt_offset: str = "+00:00"  # the user's time zone
    xml_clock: str = "24"  # 12 | 24
    xml_locale: str = "en_US"

    def xml_style(self) -> XmlStyle:
        return XmlStyle(self.xml_date_format, self.xml_gmt_offset, self.xml_clock)

    def refuses_query(self, obj: str, field: str) -> bool:
        return f"{obj}.{field}" in {item.strip() for item in self.unqueryable_fields.split(",")}

    def update(self, **changes: Any) -> None:
        """Apply validated changes; unknown names or bad values raise ValueError."""
        known = {f.name: f for f in dataclasses.fields(self)}
        staged = dataclasses.replace(self)
        for name, value in changes.items():
            if name not in known:
                raise ValueError(f"unknown knob {name!r}; known: {', '.join(sorted(known))}")
            current = getattr(self, name)
            if isinstance(current, tuple):
                value = tuple(int(v) for v in (value.split(",") if isinstance(value, str) else value))
            elif isinstance(current, bool):
                value = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on")
            else:
                value = type(current)(value)
            setattr(staged, name, value)
        staged.validate()
        for name in changes:
            setattr(self, name, getattr(staged, name))

    def validate(self) -> None:
        for rate in ("error_rate", "lost_response_rate", "backdate_rate", "null_modified_rate"):
            if not 0.0 <= getattr(self, rate) <= 1.0:
                raise ValueError(f"{rate} must be between 0 and 1")
        for name in (
            "latency_ms",
            "concurrency_limit",
            "backdate_seconds",
            "background_edit_rate",
            "dds_interval_seconds",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        if self.token_ttl_seconds < 1:
            raise ValueError("token_ttl_seconds must be >= 1")
        self.xml_style()  # raises ValueError for a format or offset it cannot use
        if self.xml_session_timeout_seconds < 1:
            raise ValueError("xml_session_timeout_seconds must be >= 1")
        if self.xml_session_expiry not in ("authentication", "control"):
            raise ValueError("xml_session_expiry must be 'authentication' or 'control'")
        if self.audit_object_key not in AUDIT_OBJECT_KEYS:
            raise ValueError(f"audit_object_key must be one of {AUDIT_OBJECT_KEYS}")
        if self.max_query_size < 1:
            raise ValueError("max_query_size must be >= 1")
        if self.oversize_query not in ("refuse", "cap"):
            raise ValueError("oversize_query must be 'refuse' or 'cap'")
        if self.lost_response_mode not in ("close", "524"):
            raise ValueError("lost_response_mode must be 'close' or '524'")
        if self.duplicate_wording not in ("record", "object"):
            raise ValueError("duplicate_wording must be 'record' or 'object'")
        if not self.duplicate_controlid_errorno.strip():
            raise ValueError("duplicate_controlid_errorno must not be empty")
        if not set(self.error_statuses) <= set(FAULT_STATUSES) or not self.error_statuses:
            raise ValueError(f"error_statuses must be a non-empty subset of {FAULT_STATUSES}")

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class DdsFormat:
    """DDS ``fileConfiguration`` (Intacct defaults: comma, double quote, no headers, unix, no split, no gzip)."""

    delimiter: str = ","
    enclosure: str = '"'
    include_headers: bool = False
    line_ending: str = "unix"  # unix | windows | mac
    split_size: int | None = None  # records per file; None = one file (parts numbered only when set)
    compress: bool = False
    bom: bool = False
    deletes_inline: bool = False  # True: deletes go into the change file, not a separate .delete. file
    # a `[` enclosure closes with `]` ([Acme Inc]); default: with `[` like every other enclosure (PHP fputcsv)
    bracket_pair: bool = False

    def __post_init__(self) -> None:
        if self.delimiter not in DELIMITERS:
            raise ValueError(f"delimiter must be one of {DELIMITERS}")
        if self.enclosure not in ENCLOSURES:
            raise ValueError(f"enclosure must be one of {ENCLOSURES}")
        if self.line_ending not in LINE_ENDINGS:
            raise ValueError(f"line_ending must be one of {tuple(LINE_ENDINGS)}")
        if self.split_size is not None and self.split_size < 1:
            raise ValueError("split_size must be >= 1")

    def with_changes(self, **changes: Any) -> DdsFormat:
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


@dataclass
class SandboxSettings:
    """Everything fixed at start-up. ``scale`` multiplies the default record counts; ``counts`` overrides
    single objects (e.g. ``{"CUSTOMER": 200_000, "GLENTRY": 1_000_000}``)."""

    seed: int = 1
    scale: float = 1.0
    counts: dict[str, int] = field(default_factory=dict)
    host: str = "127.0.0.1"
    port: int = 0
    company_id: str = "SANDBOX-CO"
    user_id: str = "sandbox_user"
    user_password: str = "sandbox-user-password"
    client_id: str = "sandbox-client-id"
    client_secret: str = "sandbox-client-secret"
    sender_id: str = "sandbox-sender"
    sender_password: str = "sandbox-sender-password"
    s3_endpoint: str | None = None  # None: start a local moto S3 server on 127.0.0.1
    bucket: str = "intacct-dds"
    prefix: str = "dds/"
    aws_access_key_id: str = "sandbox"
    aws_secret_access_key: str = "sandbox-secret"
    aws_region: str = "us-east-1"
    dds: DdsFormat = field(default_factory=DdsFormat)
    initial_delivery: bool = False  # run an `all` delivery of every DDS object at start-up
    knobs: Knobs = field(default_factory=Knobs)
    data_as_of: str = "2026-01-01T00:00:00Z"  # seeded history ends here (keeps seeded data deterministic)
    frozen_clock: str | None = None  # pin "now" (ISO) for fully deterministic runs
    entity_sees_top_level: bool = True  # entity context also sees records owned by the top level
    private_entities: tuple[str, ...] = ()  # top-level queries see their records only with includePrivate
    rotate_refresh_tokens: bool = False  # refresh grant returns the same refresh token unless True
    single_grant_per_user: bool = False  # a new authorization invalidates older refresh tokens (Nango quirk)
    xml_max_functions: int = 100  # functions per XML request (undocumented by Intacct)
    idempotency_ttl_seconds: int = 48 * 3600  # an Idempotency-Key's answer is replayed this long
    idempotency_memory_seconds: int = 60 * 24 * 3600  # the key is remembered (reuse: 409) this long
    start_s3: bool = True  # False: no DDS bucket at all (pure API tests start faster)
    replay: str | None = None  # a capture file or folder: answer from it, with no seeded company (replay.py)
