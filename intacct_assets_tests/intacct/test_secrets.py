"""Credentials never appear in logs, exceptions or the call log — including tokens and sessions
obtained at run time."""

from __future__ import annotations

import logging
import re

import httpx
import pytest

from intacct_assets.intacct import IntacctClient, IntacctError, IntacctSettings, Query
from intacct_assets.intacct.redaction import Redactor

CUSTOMER = "accounts-receivable/customer"


def test_no_credential_reaches_logs_errors_or_the_call_log(fresh_sandbox, make_client, caplog):
    caplog.set_level(logging.DEBUG)
    issued: list[str] = []

    def remember_secrets(response: httpx.Response) -> None:  # what a leak would look like
        response.read()
        issued.extend(re.findall(r'"(?:access_token|refresh_token)":"([^"]+)"', response.text))
        issued.extend(re.findall(r"<sessionid>([^<]+)</sessionid>", response.text))

    client = make_client(fresh_sandbox, http=httpx.Client(event_hooks={"response": [remember_secrets]}))
    client.rest.query(Query(CUSTOMER, ("key", "name"), size=5))
    client.rest.create(CUSTOMER, [{"name": "Secretive", "creditLimit": "not a number"}])
    client.xml.query("CUSTOMER", ["RECORDNO"], pagesize=1)
    client.xml.create([("CUSTOMER", {"NOSUCHFIELD": "x"})])
    errors: list[str] = []
    for env in (
        {"INTACCT_CLIENT_SECRET": "wrong-client-secret"},
        {"INTACCT_USER_PASSWORD": "wrong-user-password"},
        {"INTACCT_SENDER_PASSWORD": "wrong-sender-password"},
    ):
        failing = make_client(fresh_sandbox, **env)
        with pytest.raises(IntacctError) as error:
            failing.rest.model(CUSTOMER) if "CLIENT" in next(iter(env)) else failing.xml.lookup("CUSTOMER")
        errors += [str(error.value), repr(error.value)]
        errors += [str(call) for call in failing.calls.since(0)]
    fresh_sandbox.advance_clock(43201)  # an expired token is refused and replaced: the 401 is logged too
    client.rest.query(Query(CUSTOMER, ("key",), size=1))

    s = fresh_sandbox.settings
    secrets = [
        s.client_secret,
        s.user_password,
        s.sender_password,
        "wrong-client-secret",
        "wrong-user-password",
        "wrong-sender-password",
        *issued,
    ]
    assert len(issued) >= 4  # tokens and sessions were really issued (and must not leak)
    haystacks = {
        "logs": caplog.text,
        "errors": "\n".join(errors),
        "call log": "\n".join(repr(call) for call in client.calls.since(0)),
        "settings": repr(client.settings),
    }
    assert any("***" in call.excerpt for call in client.calls.since(0))  # redaction visibly happened
    for where, text in haystacks.items():
        for secret in secrets:
            assert secret not in text, f"a credential leaked into the {where}"


ECHOED = {
    "INTACCT_API_URL": "https://intacct.test/ia/api/v1",
    "INTACCT_XML_URL": "https://intacct.test/ia/xml/xmlgw.phtml",
    "INTACCT_CLIENT_ID": "cid",
    "INTACCT_CLIENT_SECRET": "Cl/ent+Secret/77",
    "INTACCT_USERNAME": "u@co",
    "INTACCT_SENDER_ID": "snd",
    "INTACCT_SENDER_PASSWORD": "SenderPw123",
    "INTACCT_COMPANY_ID": "CO",
    "INTACCT_USER_ID": "u",
    "INTACCT_USER_PASSWORD": "UserPw456",
    "INTACCT_API_MAX_ATTEMPTS": "1",
    "INTACCT_API_SLOT_DIR": "off",
}


def _echoing_intacct(request: httpx.Request) -> httpx.Response:
    """Answers that quote credentials back, as real gateways' error texts sometimes do (PHP escapes '/')."""
    if request.url.path.endswith("/oauth2/token"):
        return httpx.Response(200, json={"access_token": "tok/abc+def==", "expires_in": 3600})
    if request.url.path.endswith("/services/core/query"):
        body = (
            r'{"ia::result":{"ia::error":{"code":"invalidRequest",'
            r'"message":"token tok\/abc+def== and Cl\/ent+Secret\/77"}}}'
        )
        return httpx.Response(400, content=body.encode())
    text = request.content.decode()
    if "<getAPISession" in text:
        return httpx.Response(
            200,
            content=b"<response><control><status>success</status></control><operation>"
            b"<authentication><status>success</status></authentication><result><status>success"
            b"</status><function>getAPISession</function><controlid>x</controlid><data><api>"
            b"<sessionid>Session999</sessionid><endpoint>https://intacct.test/ia/xml/xmlgw.phtml"
            b"</endpoint></api></data></result></operation></response>",
        )
    return httpx.Response(
        200,
        content=b"<response><control><status>failure</status></control><errormessage><error>"
        b"<errorno>XL03000006</errorno><description>sender password SenderPw123, session "
        b"Session999, user UserPw456</description></error></errormessage></response>",
    )


def test_credentials_quoted_back_by_intacct_are_masked():
    client = IntacctClient(
        IntacctSettings.from_env(ECHOED), http=httpx.Client(transport=httpx.MockTransport(_echoing_intacct))
    )
    errors = []
    for call in (
        lambda: client.rest.query(Query(CUSTOMER, ("key",))),
        lambda: client.xml.query("CUSTOMER", ["RECORDNO"]),
    ):
        with pytest.raises(IntacctError) as error:
            call()
        errors.append(str(error.value))
    assert "***" in errors[0] and "***" in errors[1]
    text = "\n".join(errors + [repr(call) for call in client.calls.since(0)])
    for secret in (
        "tok/abc+def==",
        r"tok\/abc",
        r"Cl\/ent+Secret\/77",
        "Cl/ent+Secret/77",
        "SenderPw123",
        "Session999",
        "UserPw456",
    ):
        assert secret not in text


def test_credential_patterns_are_masked_in_any_case_and_ordinary_text_is_left_alone():
    redactor = Redactor()
    assert redactor.text("Auth: BEARER abc.def and basic dXNlcjpwdw==") == "Auth: BEARER *** and basic ***"
    assert (
        redactor.text("<PassWord>pw</PassWord><SESSIONID>s1</SESSIONID>")
        == "<PassWord>***</PassWord><SESSIONID>***</SESSIONID>"
    )
    assert (
        redactor.text('{"sessionId": "s2", "refresh_token": "r"} a=1&client_secret=c')
        == '{"sessionId": "***", "refresh_token": "***"} a=1&client_secret=***'
    )
    plain = "Grüße, Zoë: 100 € paid & filed <NAME>Acme</NAME> " * 1000
    assert redactor.text(plain) == plain
