"""The XML gateway's wire format: reading request elements (parsed with defusedxml elsewhere, never with
DTDs or entities) and writing answers with lxml (never by string concatenation): control, authentication
and function status levels, and the documented error blocks."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from xml.etree.ElementTree import Element as InElement

from lxml import etree
from lxml.etree import SubElement

from intacct_assets.sandbox.company.service import Caller
from intacct_assets.sandbox.errors import SandboxError
from intacct_assets.sandbox.httpd import Response

# as recorded from a real gateway (hotgluexyz/tap-intacct VCR cassette); without the charset, clients that decode
# text/* by HTTP's default (ISO-8859-1, e.g. requests' .text) garble every non-ASCII character
CONTENT_TYPE = 'text/xml; encoding="UTF-8";charset=UTF-8'
ERROR_TAGS = ("errorno", "description", "description2", "correction")


@dataclass
class XmlContext:
    """One request's caller, with the company and sender a ``controlid`` is remembered under (uniqueid)."""

    caller: Caller
    company: str
    sender: str


class FunctionFailure(Exception):
    """A function-level failure carrying one or more (errorno, description, description2, correction)."""

    def __init__(self, *errors: tuple[str, str, str, str]) -> None:
        super().__init__(errors[0][2])
        self.errors = list(errors)

    @classmethod
    def from_error(cls, error: SandboxError) -> FunctionFailure:
        first = (
            error.errorno,
            error.description,
            f"{error.message} [Support ID: {secrets.token_hex(6)}]",
            error.correction,
        )
        return cls(first, (error.then[0], "", error.then[1], "")) if error.then else cls(first)


def bad(message: str, errorno: str = "BL01001973") -> FunctionFailure:
    return FunctionFailure((errorno, "", message, ""))


def errormessage(parent: etree._Element, errors: list[tuple[str, str, str, str]]) -> None:
    holder = SubElement(parent, "errormessage")
    for error in errors:
        add_error(holder, error)


def add_error(holder: etree._Element, error: tuple[str, str, str, str]) -> None:
    """One <error> (errorno, description, description2, correction) appended to an <errormessage>."""
    block = SubElement(holder, "error")
    for tag, value in zip(ERROR_TAGS, error, strict=True):
        SubElement(block, tag).text = value


def render(root: etree._Element, status: int = 200) -> Response:
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return Response(status, body, [("Content-Type", CONTENT_TYPE)])


def control_block(root: etree._Element, status: str, echo: dict | None) -> None:
    block = SubElement(root, "control")
    SubElement(block, "status").text = status
    for tag in ("senderid", "controlid", "uniqueid", "dtdversion"):
        SubElement(block, tag).text = (echo or {}).get(tag, "")


def control_failure(
    errorno: str, description: str, status: int = 200, *, description2: str = "", control: dict | None = None
) -> Response:
    """Level 1 failure: ``<control><status>failure`` and nothing executed."""
    root = etree.Element("response")
    control_block(root, "failure", control)
    errormessage(root, [(errorno, description, description2, "")])
    return render(root, status)


def text(node: InElement | None, default: str = "") -> str:
    return (node.text or "").strip() if node is not None and node.text is not None else default


def child(node: InElement, name: str) -> InElement | None:
    """Child by tag, case-insensitive (the gateway is lenient about `returnFormat` vs `returnformat`)."""
    lowered = name.lower()
    return next((c for c in node if c.tag.lower() == lowered), None)


def child_text(node: InElement, name: str, default: str = "") -> str:
    return text(child(node, name), default)


def date_object(node: InElement | None, name: str) -> str | None:
    """Legacy ``<datecreated><year/><month/><day/></datecreated>`` -> canonical date."""
    if node is None:
        return None
    try:
        parts = (int(child_text(node, part)) for part in ("year", "month", "day"))
        return datetime(*parts).date().isoformat()
    except ValueError:
        raise bad(f"Invalid {name}: use <year>, <month> and <day>") from None
