"""Credentials never appear in logs, exceptions or the call log — including tokens and sessions
obtained at run time."""

from __future__ import annotations

import logging
import re

import httpx
import pytest

from intacct_assets.intacct import IntacctError, Query

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
    for env in ({"INTACCT_CLIENT_SECRET": "wrong-client-secret"}, {"INTACCT_USER_PASSWORD": "wrong-user-password"},
                {"INTACCT_SENDER_PASSWORD": "wrong-sender-password"}):
        failing = make_client(fresh_sandbox, **env)
        with pytest.raises(IntacctError) as error:
            failing.rest.model(CUSTOMER) if "CLIENT" in next(iter(env)) else failing.xml.lookup("CUSTOMER")
        errors += [str(error.value), repr(error.value)]
        errors += [str(call) for call in failing.calls.since(0)]
    fresh_sandbox.advance_clock(43201)  # an expired token is refused and replaced: the 401 is logged too
    client.rest.query(Query(CUSTOMER, ("key",), size=1))

    s = fresh_sandbox.settings
    secrets = [s.client_secret, s.user_password, s.sender_password, "wrong-client-secret", "wrong-user-password",
               "wrong-sender-password", *issued]
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
