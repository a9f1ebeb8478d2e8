"""Helpers the sandbox tests share: a small REST client, XML envelopes, and a reference reader of DDS CSV."""

from __future__ import annotations

import gzip

import httpx
from lxml import etree

from intacct_assets.sandbox import Sandbox
from intacct_assets.sandbox.settings import LINE_ENDINGS, DdsFormat


class Rest:
    """Tiny REST client for tests: bearer token, base URL, JSON helpers."""

    def __init__(self, sb: Sandbox, entity: str | None = None) -> None:
        self.sb = sb
        self.client = httpx.Client(
            base_url=sb.rest_url, timeout=10, headers={"Authorization": f"Bearer {sb.access_token(entity)}"}
        )

    def get(self, path: str, **kw) -> httpx.Response:
        return self.client.get(path, **kw)

    def post(self, path: str, body=None, **kw) -> httpx.Response:
        return self.client.post(path, json=body, **kw)

    def patch(self, path: str, body=None, **kw) -> httpx.Response:
        return self.client.patch(path, json=body, **kw)

    def delete(self, path: str, **kw) -> httpx.Response:
        return self.client.delete(path, **kw)

    def query(self, body: dict, **kw) -> httpx.Response:
        return self.client.post("/services/core/query", json=body, **kw)


def xml_request(
    sb: Sandbox,
    functions: list[etree._Element] | str,
    *,
    transaction: bool = False,
    uniqueid: bool = False,
    session: str | None = None,
    sender: tuple[str, str] | None = None,
    login: tuple[str, str, str] | None = None,
    locationid: str | None = None,
) -> bytes:
    """Build a request envelope with lxml; ``functions`` are <function> elements (or raw XML text)."""
    s = sb.settings
    root = etree.Element("request")
    control = etree.SubElement(root, "control")
    sender_id, sender_password = sender or (s.sender_id, s.sender_password)
    for tag, text in (
        ("senderid", sender_id),
        ("password", sender_password),
        ("controlid", "test"),
        ("uniqueid", str(uniqueid).lower()),
        ("dtdversion", "3.0"),
    ):
        etree.SubElement(control, tag).text = text
    operation = etree.SubElement(root, "operation", transaction=str(transaction).lower())
    auth = etree.SubElement(operation, "authentication")
    if session:
        etree.SubElement(auth, "sessionid").text = session
    else:
        node = etree.SubElement(auth, "login")
        user, company, password = login or (s.user_id, s.company_id, s.user_password)
        for tag, text in (("userid", user), ("companyid", company), ("password", password)):
            etree.SubElement(node, tag).text = text
        if locationid:
            etree.SubElement(node, "locationid").text = locationid
    content = etree.SubElement(operation, "content")
    if isinstance(functions, str):
        for element in etree.fromstring(f"<x>{functions}</x>"):
            content.append(element)
    else:
        content.extend(functions)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def fn(body: str, controlid: str = "f1") -> etree._Element:
    """One <function> from the XML text of its operation element."""
    function = etree.Element("function", controlid=controlid)
    function.append(etree.fromstring(body))
    return function


def xml_post(sb: Sandbox, payload: bytes) -> tuple[int, etree._Element]:
    response = httpx.post(sb.xml_url, content=payload, headers={"Content-Type": "application/xml"}, timeout=10)
    return response.status_code, etree.fromstring(response.content)


def call(sb: Sandbox, *functions: etree._Element, **kw) -> list[etree._Element]:
    """Run functions; returns their <result> elements (asserting control+auth success)."""
    status, root = xml_post(sb, xml_request(sb, list(functions), **kw))
    assert status == 200, etree.tostring(root)
    assert root.findtext("control/status") == "success", etree.tostring(root)
    assert root.findtext("operation/authentication/status") == "success", etree.tostring(root)
    return root.findall("operation/result")


def read(sb, key: str) -> str:
    data = sb.s3_client().get_object(Bucket=sb.bucket, Key=key)["Body"].read()
    return (gzip.decompress(data) if key.endswith(".gz") else data).decode("utf-8")


def parse_csv(text: str, fmt: DdsFormat) -> list[list[str]]:
    """Reference reader for PHP fputcsv output (independent of the writer)."""
    eol, delim, enc = LINE_ENDINGS[fmt.line_ending], fmt.delimiter, fmt.enclosure
    rows, row, cell, i, quoted = [], [], [], 0, False
    while i < len(text):
        ch = text[i]
        if quoted:
            if ch == enc and text[i + 1 : i + 2] == enc:
                cell.append(enc)
                i += 2
                continue
            if ch == enc:
                quoted = False
            else:
                cell.append(ch)
            i += 1
        elif ch == enc and not cell:
            quoted, i = True, i + 1
        elif ch == delim:
            row.append("".join(cell))
            cell, i = [], i + 1
        elif text.startswith(eol, i):
            row.append("".join(cell))
            rows.append(row)
            row, cell, i = [], [], i + len(eol)
        else:
            cell.append(ch)
            i += 1
    assert not row and not cell, "file must end with a line ending"
    return rows
