"""Shared sandbox fixtures: real servers on 127.0.0.1, port 0, started and stopped here."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import httpx
import pytest
from lxml import etree

from intacct_assets.sandbox import Knobs, Sandbox, SandboxSettings


@pytest.fixture(scope="session", autouse=True)
def _loopback_without_proxy() -> Iterator[None]:
    """Sandbox servers are on 127.0.0.1: never route test traffic through a configured proxy."""
    saved = {name: os.environ.get(name) for name in ("NO_PROXY", "no_proxy")}
    for name in saved:
        os.environ[name] = ",".join(filter(None, [saved[name], "127.0.0.1", "localhost"]))
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """Shared sandbox with a DDS bucket. Tests that change data use their own prefix or records."""
    with Sandbox(SandboxSettings(seed=7)) as sb:
        yield sb


@pytest.fixture
def sb(sandbox: Sandbox) -> Iterator[Sandbox]:
    """The shared sandbox with knobs and stats reset around the test."""
    sandbox.knobs.__dict__.update(Knobs().__dict__)
    sandbox.reset_stats()
    yield sandbox
    sandbox.knobs.__dict__.update(Knobs().__dict__)


@pytest.fixture
def fresh() -> Iterator[Sandbox]:
    """A private sandbox without S3 (fast) for tests that need pristine data or a frozen clock."""
    with Sandbox(SandboxSettings(seed=11, start_s3=False, frozen_clock="2026-11-01T06:00:00Z")) as sb:
        yield sb


@pytest.fixture
def prefix() -> str:
    return f"t-{uuid.uuid4().hex[:8]}/"


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


@pytest.fixture
def rest(sb: Sandbox) -> Rest:
    return Rest(sb)


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
