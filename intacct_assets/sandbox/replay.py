"""Replay mode: the sandbox answers from a capture (``INTACCT_CAPTURE_DIR``) instead of its own company.

A request is matched to a recorded one by method, path, query string, entity and transaction headers and
its body with what differs from run to run left out: XML control ids, sender and session credentials,
function ``controlid``s, passwords, OAuth forms (any credentials are accepted), and the values of the
capture's masked fields. Identical requests get their recorded answers in recorded order (a 429 then its
200); once those are used up, the last one is repeated. Answers are sent as recorded, with the recorded
server's address replaced by this one (XML session endpoints, ``href``s) and the XML control ids of the
request put back, so the client can correlate them. A recorded exchange that got no answer drops the
connection again. A request the capture does not hold gets HTTP 599 naming it and the nearest recorded
request — the replayed run asked something the captured run did not.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit
from xml.etree import ElementTree
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from intacct_assets.intacct import capture
from intacct_assets.intacct.field_mask import FieldMask
from intacct_assets.sandbox.httpd import Request, Response
from intacct_assets.sandbox.xml_gateway import control_failure

UNMATCHED_STATUS = 599
TOKEN_PATH = "/oauth2/token"
ENTITY_HEADER = "x-ia-api-param-entity"
TRANSACTION_HEADER = "x-ia-api-param-transaction"
CREDENTIAL_KEYS = frozenset(
    {"access_token", "refresh_token", "client_secret", "password", "sessionid", "token", "code", "code_verifier"}
)
NOT_REPLAYED_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "connection", "keep-alive", "content-encoding", "server", "date"}
)
_CONTROLID = re.compile(rb"(<controlid>)([^<]*)(</controlid>)")


@dataclass(frozen=True)
class RequestKey:
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    entity: str
    transaction: str
    body: str

    def describe(self, limit: int = 400) -> str:
        query = f"?{urlencode(self.query)}" if self.query else ""
        context = f" (entity {self.entity})" if self.entity else ""
        body = self.body if len(self.body) <= limit else self.body[:limit] + "…"
        return f"{self.method} {self.path}{query}{context}" + (f" {body}" if body else "")


@dataclass
class Recorded:
    source: str  # file name and seq, e.g. intacct-capture-….jsonl#12
    key: RequestKey
    controlids: list[str]
    response: dict | None  # None: no answer came (the connection is dropped again)


@dataclass
class _Answers:
    recorded: list[Recorded]
    served: int = 0


@dataclass
class Replay:
    """The answers of one or more capture files, served to requests that match them."""

    recorded: list[Recorded]
    origins: list[str]  # scheme://host[:port] the captured client talked to
    mask: FieldMask
    base_url: Callable[[], str]
    files: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: dict[RequestKey, _Answers] = {}
        for recorded in self.recorded:
            self._answers.setdefault(recorded.key, _Answers([])).recorded.append(recorded)
        self._repeated = 0
        self._unmatched: list[str] = []

    @classmethod
    def load(cls, path: str | Path, base_url: Callable[[], str]) -> Replay:
        """Every capture file at ``path`` (a file, or a folder of ``*.jsonl`` files), oldest first."""
        place = Path(path)
        paths = sorted(place.glob(f"*{capture.SUFFIX}")) if place.is_dir() else [place]
        if not paths:
            raise ValueError(f"{place} holds no capture files (*{capture.SUFFIX})")
        files = sorted((capture.read(p) + (p.name,) for p in paths), key=lambda f: (f[0].get("created_at", ""), f[2]))
        mask = FieldMask(name for header, _, _ in files for name in header.get("masked_fields", []))
        recorded, origins = [], set()
        for _, exchanges, name in files:
            for exchange in exchanges:
                source = f"{name}#{exchange.get('seq')}"
                try:
                    request = exchange["request"]
                    url = urlsplit(request["url"])
                    key, controlids = request_key(
                        request["method"],
                        url.path,
                        url.query,
                        dict((k.lower(), v) for k, v in request.get("headers", [])),
                        capture.body_bytes(request),
                        mask,
                    )
                except (KeyError, TypeError, ValueError) as error:
                    raise ValueError(f"{source}: not a recorded exchange ({type(error).__name__}: {error})") from None
                origins.add(f"{url.scheme}://{url.netloc}")
                recorded.append(Recorded(source, key, controlids, exchange.get("response")))
        return cls(recorded, sorted(origins, key=len, reverse=True), mask, base_url, [name for *_, name in files])

    # ------------------------------------------------------------------ serving
    def answer(self, request: Request) -> Response:
        query = urlencode([(k, v) for k, values in request.query.items() for v in values])
        key, controlids = request_key(request.method, request.path, query, request.headers, request.body, self.mask)
        answers = self._answers.get(key)
        if answers is None:
            return self._unmatched_answer(key)
        with self._lock:
            if answers.served >= len(answers.recorded):
                self._repeated += 1
            recorded = answers.recorded[min(answers.served, len(answers.recorded) - 1)]
            answers.served += 1
        return self._response(recorded, controlids)

    def _response(self, recorded: Recorded, controlids: list[str]) -> Response:
        answer = recorded.response
        if answer is None:
            return Response(0, drop_connection=True)
        body = self._retarget(capture.body_bytes(answer))
        if recorded.controlids and controlids:
            stamps = dict(
                zip((c.encode() for c in recorded.controlids), (c.encode() for c in controlids), strict=False)
            )
            body = _CONTROLID.sub(lambda m: m.group(1) + stamps.get(m.group(2), m.group(2)) + m.group(3), body)
        headers = [
            (name, value) for name, value in answer.get("headers", []) if name.lower() not in NOT_REPLAYED_HEADERS
        ]
        return Response(answer["status"], body, [*headers, ("X-Intacct-Replay", recorded.source)])

    def _retarget(self, body: bytes) -> bytes:
        """Addresses of the captured server (session endpoints, links) point at this sandbox instead."""
        here = self.base_url()
        for origin in self.origins:
            for recorded, replacement in ((origin, here), (origin.replace("/", "\\/"), here.replace("/", "\\/"))):
                body = re.sub(re.escape(recorded.encode()) + rb"(?![\w.-])", replacement.encode(), body)
        return body

    def _unmatched_answer(self, key: RequestKey) -> Response:
        nearest = self._nearest(key)
        message = (
            f"Replay: the capture holds no answer for {key.describe()}. "
            + (
                f"Nearest recorded request ({nearest.source}): {nearest.key.describe()}; "
                f"{_first_difference(key, nearest.key)}. "
                if nearest
                else "The capture holds no request. "
            )
            + "The replayed run asked something the captured one did not: start it from the same state "
            "(e.g. a fresh warehouse for a capture of a first run) with the same settings, or capture again."
        )
        with self._lock:
            self._unmatched.append(message)
        if key.path.endswith("/xmlgw.phtml") or key.body.startswith("<"):
            return control_failure("REPLAY-0001", "Request not in the capture", UNMATCHED_STATUS, description2=message)
        return Response.json(UNMATCHED_STATUS, {"ia::error": {"code": "REPLAY-0001", "message": message}})

    def _nearest(self, key: RequestKey) -> Recorded | None:
        """The recorded request of the same method and path (else any) sharing the most text at both ends."""
        keys = list(self._answers)
        candidates = [k for k in keys if (k.method, k.path) == (key.method, key.path)] or keys
        if not candidates:
            return None

        def likeness(other: RequestKey) -> tuple[bool, int]:
            a, b = other.body, key.body
            head = len(os.path.commonprefix([a, b]))
            tail = len(os.path.commonprefix([a[head:][::-1], b[head:][::-1]]))
            return other.entity == key.entity, head + tail

        return self._answers[max(candidates, key=likeness)].recorded[0]

    def report(self) -> dict:
        """What was served: recorded exchanges used, repeated, never asked for, and requests not in the capture."""
        with self._lock:
            unused = [r.source for a in self._answers.values() for r in a.recorded[a.served :]]
            return {
                "files": self.files,
                "exchanges": len(self.recorded),
                "served": sum(min(a.served, len(a.recorded)) for a in self._answers.values()),
                "repeated": self._repeated,
                "unused": unused,
                "unmatched": list(self._unmatched),
            }


# ---------------------------------------------------------------------- request normalization
def request_key(
    method: str, path: str, query: str, headers: dict[str, str], body: bytes, mask: FieldMask
) -> tuple[RequestKey, list[str]]:
    """What identifies a request across runs, and its XML control ids (control first, then each function's)."""
    controlids: list[str] = []
    if path.endswith(TOKEN_PATH):
        normalized = ""  # any credentials, any grant
    else:
        text = mask.apply(body.decode("utf-8", "replace"), lambda value: "0")  # masked values: whatever they were
        first = text.lstrip()[:1]
        if first == "<":
            normalized, controlids = _xml(text)
        elif first in ("{", "["):
            normalized = _json(text)
        elif headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            normalized = urlencode(
                sorted(
                    (k, "" if k.lower() in CREDENTIAL_KEYS else v) for k, v in parse_qsl(text, keep_blank_values=True)
                )
            )
        else:
            normalized = text
    return RequestKey(
        method.upper(),
        path,
        tuple(sorted(parse_qsl(query, keep_blank_values=True))),
        headers.get(ENTITY_HEADER, ""),
        headers.get(TRANSACTION_HEADER, "").lower(),
        normalized,
    ), controlids


def _xml(text: str) -> tuple[str, list[str]]:
    try:
        root = SafeET.fromstring(text, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError):
        return text, []
    control = root.find("control")
    controlids = [(control.findtext("controlid") or "") if control is not None else ""]
    if control is not None:
        for element in [c for c in control if c.tag in ("controlid", "senderid", "password")]:
            control.remove(element)
    for authentication in root.iter("authentication"):
        location = authentication.findtext("login/locationid")
        authentication.clear()
        if location:
            ElementTree.SubElement(authentication, "locationid").text = location
    for function in root.iter("function"):
        controlids.append(function.attrib.pop("controlid", ""))
    for secret in (*root.iter("password"), *root.iter("sessionid")):
        secret.text = None
    return ElementTree.canonicalize(ElementTree.tostring(root, encoding="unicode"), strip_text=True), controlids


def _json(text: str) -> str:
    try:
        payload = json.loads(text)
    except ValueError:
        return text

    def without_credentials(value: object) -> object:
        if isinstance(value, dict):
            return {k: "" if k.lower() in CREDENTIAL_KEYS else without_credentials(v) for k, v in value.items()}
        if isinstance(value, list):
            return [without_credentials(v) for v in value]
        return value

    return json.dumps(without_credentials(payload), sort_keys=True, separators=(",", ":"))


def _first_difference(received: RequestKey, recorded: RequestKey) -> str:
    for name in ("entity", "transaction", "query"):
        if getattr(received, name) != getattr(recorded, name):
            return f"the {name} differs (received {getattr(received, name)!r}, recorded {getattr(recorded, name)!r})"
    a, b = received.body, recorded.body
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return (
        f"the bodies first differ at character {at}: received …{a[max(0, at - 40) : at + 60]!r}, "
        f"recorded …{b[max(0, at - 40) : at + 60]!r}"
    )
