"""XML gateway responses, parsed with defusedxml (DTDs and entities refused, never expanded).

Three status levels: a control failure means nothing ran; an authentication failure means no
function ran; otherwise each ``<result>`` has its own success / failure / aborted status.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import astuple, dataclass, field, replace
from datetime import datetime
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
import httpx
from defusedxml import DefusedXmlException

from intacct_assets.intacct.errors import IntacctApiError, IntacctError, IntacctXmlError, XmlErrorEntry
from intacct_assets.intacct.redaction import Redactor


class MalformedXmlResponse(ValueError):
    """The body is not a gateway response (an HTML error page, a truncated body, a DTD…)."""


@dataclass
class FunctionResult:
    function: str
    controlid: str
    status: str  # success | failure | aborted
    data: Element | None = None
    errors: list[XmlErrorEntry] = field(default_factory=list)
    key: str | None = None  # legacy functions (create_invoice, …) answer with the new record's <key>

    @property
    def ok(self) -> bool:
        return self.status == "success"

    def error(self) -> IntacctXmlError:
        return IntacctXmlError("function", self.errors, function=self.function, controlid=self.controlid)

    def raise_for_status(self) -> FunctionResult:
        if not self.ok:
            raise self.error()
        return self

    def attribute(self, name: str, default: str = "") -> str:
        return self.data.get(name, default) if self.data is not None else default

    def records(self) -> list[dict[str, object]]:
        """The data children as flat dicts: leaf text (``None`` when empty), groups joined with dots."""
        return [flatten(child) for child in self.data] if self.data is not None else []


@dataclass
class XmlResponse:
    results: list[FunctionResult]
    session_timeout: str = ""  # <authentication><sessiontimeout>: when the session dies if left unused (ISO)
    session_timestamp: str = ""  # <sessiontimestamp>: the gateway's "now" when it answered (ISO)

    def session_seconds_left(self) -> float | None:
        """Seconds the session has left as the gateway saw it (timeout minus its own "now": no clock skew)."""
        try:
            return (
                datetime.fromisoformat(self.session_timeout) - datetime.fromisoformat(self.session_timestamp)
            ).total_seconds()
        except (ValueError, TypeError):
            return None


def flatten(element: Element, prefix: str = "") -> dict[str, object]:
    """``<A><B>1</B><C><D>2</D></C></A>`` -> ``{"B": "1", "C.D": "2"}``; repeated elements become lists."""
    out: dict[str, object] = {}
    counts = Counter(child.tag for child in element)
    for child in element:
        name = prefix + child.tag
        if len(child) == 0:
            out[name] = child.text or None
        elif counts[child.tag] > 1:
            out.setdefault(name, []).append(flatten(child))
        else:
            out.update(flatten(child, name + "."))
    return out


def _errors(holder: Element | None) -> list[XmlErrorEntry]:
    if holder is None:
        return []
    return [
        XmlErrorEntry(
            *((error.findtext(tag) or "").strip() for tag in ("errorno", "description", "description2", "correction"))
        )
        for error in holder.findall("error")
    ]


def parse(body: bytes, http_status: int = 200) -> XmlResponse:
    """Parse a response; control and authentication failures raise :class:`IntacctXmlError`."""
    try:
        root = SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as error:
        raise MalformedXmlResponse(f"not a gateway response ({type(error).__name__}: {error})") from None
    if root.tag != "response":
        raise MalformedXmlResponse(f"not a gateway response (root element <{root.tag}>)")
    if root.findtext("control/status") != "success":
        raise IntacctXmlError("control", _errors(root.find("errormessage")), status=http_status)
    operation = root.find("operation")
    if operation is None:
        raise MalformedXmlResponse("not a gateway response (no <operation>)")
    authentication = operation.find("authentication")
    if authentication is not None and authentication.findtext("status") != "success":
        raise IntacctXmlError("authentication", _errors(operation.find("errormessage")), status=http_status)
    results = [
        FunctionResult(
            function=result.findtext("function") or "",
            controlid=result.findtext("controlid") or "",
            status=(result.findtext("status") or "").strip(),
            data=result.find("data"),
            errors=_errors(result.find("errormessage")),
            key=(result.findtext("key") or "").strip() or None,
        )
        for result in operation.findall("result")
    ]

    def auth(tag: str) -> str:
        return ((authentication.findtext(tag) if authentication is not None else "") or "").strip()

    return XmlResponse(results, auth("sessiontimeout"), auth("sessiontimestamp"))


class ResponseReader:
    """Judges one response (parsing it once) and counts the transactions it was billed."""

    def __init__(self, redactor: Redactor, billed: dict[str | None, int]) -> None:
        self._redactor, self._billed = redactor, billed
        self.parsed = XmlResponse([])

    def judge(self, response: httpx.Response) -> IntacctError | None:
        try:
            parsed = parse(response.content, response.status_code)
        except IntacctXmlError as error:  # Intacct's messages may quote what was sent (a password, a session)
            return IntacctXmlError(
                error.level,
                self._redacted(error.errors),
                function=error.function,
                controlid=error.controlid,
                status=error.status,
            )
        except MalformedXmlResponse as error:
            return IntacctApiError(
                response.status_code,
                f"{error}: {self._redactor.text(response.content, 300)}",
                method="POST",
                path=response.request.url.path,
            )
        self.parsed = replace(parsed, results=[replace(r, errors=self._redacted(r.errors)) for r in parsed.results])
        if response.status_code >= 400:
            return IntacctApiError(
                response.status_code,
                self._redactor.text(response.content, 300),
                method="POST",
                path=response.request.url.path,
            )
        return None

    def _redacted(self, errors: list[XmlErrorEntry]) -> list[XmlErrorEntry]:
        return [XmlErrorEntry(*(self._redactor.text(value) for value in astuple(error))) for error in errors]

    def failures(self, response: httpx.Response) -> tuple[int, int, str]:
        """Functions that failed inside a successful request (the gateway answers those with HTTP 200)."""
        results = self.parsed.results
        failed = [r for r in results if not r.ok]
        what = "; ".join(
            f"{r.function} (controlid {r.controlid}): {r.status}: "
            f"{'; '.join(e.text() for e in r.errors) or 'no error message'}"
            for r in failed[:3]
        )
        return len(failed), len(results), what

    def transactions(self, response: httpx.Response) -> int:
        return sum(self._billed.get(result.controlid, 0) for result in self.parsed.results if result.ok)
