"""Typed errors: every failure says what Intacct answered, and never carries a credential."""

from __future__ import annotations

import re
from dataclasses import dataclass

PERMISSION_TEXT = "do not have permission"
# XML, uniqueid=true: the gateway refuses a controlid whose function already ran. No public source gives
# the error number of that refusal, so only its words count as evidence that the function ran.
ALREADY_EXECUTED = re.compile(r"\balready (?:been )?executed\b", re.IGNORECASE)
NOT_QUERYABLE = "REST-1106"  # "The <field> field in <object> object cannot be used in query" (a real tenant's answer)
_NOT_QUERYABLE_TEXT = re.compile(r"^The (\S+) field in \S+ object cannot be used in query")


class IntacctError(Exception):
    """Base class of every client error."""


class IntacctConfigError(IntacctError, ValueError):
    """A setting is missing or unusable; the message names the variable."""


class IntacctAuthError(IntacctError):
    """Intacct refused the credentials (token endpoint, a second 401, or an XML login failure)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class IntacctTransportError(IntacctError):
    """The server could not be reached, or the connection failed, after every allowed retry."""


class UnexpectedAnswerError(IntacctError):
    """A success answer without what every such answer has (a result list, a total). Never read as "no
    rows": a sync that did would flag every record deleted."""


class OutcomeUnknownError(IntacctError):
    """A write was sent but no definitive answer came back (lost connection, timeout, 524).

    The write may or may not have been applied. It was not retried because it carried no
    idempotency key (REST ``Idempotency-Key``, XML ``uniqueid`` with a stable ``controlid``), or
    one Intacct does not document for it (a REST create batch, ``INTACCT_API_BATCH_IDEMPOTENCY=verify``).
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ErrorDetail:
    """One entry of an ``ia::error`` ``details`` list."""

    code: str | None = None
    message: str | None = None
    error_id: str | None = None
    target: str | None = None


class IntacctApiError(IntacctError):
    """An error answer of the REST API (``ia::error``, nested or top level) or an HTTP failure."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        error_id: str | None = None,
        support_id: str | None = None,
        details: tuple[ErrorDetail, ...] = (),
        method: str = "",
        path: str = "",
        retry_after: float | None = None,
        placeholders: dict[str, str] | None = None,
    ) -> None:
        self.status, self.code, self.error_id, self.support_id = status, code, error_id, support_id
        self.details, self.method, self.path, self.retry_after = details, method, path, retry_after
        self.message, self.placeholders = message, placeholders or {}
        label = " ".join(p for p in (code, error_id) if p)
        extra = "; ".join(d.message for d in details if d.message and d.message != message)
        super().__init__(
            f"{method} {path} -> HTTP {status}{f' {label}' if label else ''}: {message}"
            + (f" ({extra})" if extra else "")
        )

    @property
    def throttled(self) -> bool:
        return self.status == 429 or self.code == "GW-0010"

    @property
    def permission_denied(self) -> bool:
        texts = (self.message, *(d.message or "" for d in self.details))
        return self.status == 403 or any(PERMISSION_TEXT in text.lower() for text in texts)

    @property
    def unqueryable_field(self) -> str | None:
        """The field a query was refused for (``REST-1106``), named by the answer's placeholders or text."""
        if self.error_id != NOT_QUERYABLE:
            return None
        named = self.placeholders.get("FIELD")
        match = _NOT_QUERYABLE_TEXT.match(self.message)
        return named if isinstance(named, str) and named else match.group(1) if match else None


@dataclass(frozen=True)
class XmlErrorEntry:
    """One ``<error>`` of an XML ``<errormessage>``."""

    errorno: str = ""
    description: str = ""
    description2: str = ""
    correction: str = ""

    def text(self) -> str:
        return " ".join(p for p in (self.errorno, self.description, self.description2, self.correction) if p)


class IntacctXmlError(IntacctError):
    """A failure reported by the XML gateway at control, authentication or function level."""

    def __init__(
        self, level: str, errors: list[XmlErrorEntry], *, function: str = "", controlid: str = "", status: int = 200
    ) -> None:
        self.level, self.errors, self.function, self.controlid, self.status = level, errors, function, controlid, status
        where = f"{function} (controlid {controlid})" if function else level
        detail = "; ".join(e.text() for e in errors) or "no error message"
        super().__init__(f"XML {level} failure in {where}: {detail}")

    def _has(self, predicate) -> bool:
        return any(predicate(e) for e in self.errors)

    @property
    def permission_denied(self) -> bool:
        return self._has(lambda e: PERMISSION_TEXT in (e.description2 + e.description).lower())

    @property
    def already_executed(self) -> bool:
        """The gateway says in words that this function already ran (a refused duplicate controlid)."""
        return self._has(lambda e: bool(ALREADY_EXECUTED.search(f"{e.description} {e.description2}")))

    @property
    def throttled(self) -> bool:
        return self._has(lambda e: e.errorno == "GW-0010")

    @property
    def session_expired(self) -> bool:
        """A request sent with a session was refused for it: HTTP 400 ``invalidRequest`` at the control level
        (fylein/sageintacct-sdk-py reads it so), or ``XL03000006`` at the authentication level (recorded from a
        real gateway: jfcote87/intacct testfiles/sessionInvalid.xml; at a login, the same number means bad
        credentials)."""
        if self.level == "control":
            return self._has(lambda e: e.errorno == "invalidRequest")
        return self.level == "authentication" and self._has(lambda e: e.errorno == "XL03000006")

    def named_field(self, fields: tuple[str, ...]) -> str | None:
        """The one selected field a function failure is about. Intacct's words for a field it cannot query
        are not documented: a failure that speaks of a field and quotes exactly one of ``fields``."""
        if self.level != "function" or self.permission_denied or self.throttled:
            return None
        text = " ".join(f"{e.description} {e.description2}" for e in self.errors)
        if "field" not in text.lower():
            return None
        named = [f for f in fields if re.search(rf"(?<![\w.]){re.escape(f)}(?![\w.])", text)]
        return named[0] if len(named) == 1 else None
