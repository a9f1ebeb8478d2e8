"""What the sandbox's answers tell a client about the server: its clock (``Date``), its concurrency limit
(``X-IA-Throttle-Limit``), and which records the top level sees (private entities)."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import pytest

from intacct_assets.sandbox import Sandbox, SandboxSettings
from intacct_assets_tests.sandbox.helpers import Rest, call, fn

CUSTOMERS = "accounts-receivable/customer"


def _total(rest: Rest, **parameters: object) -> int:
    body: dict = {"object": CUSTOMERS, "fields": ["key"], "size": 1}
    if parameters:
        body["filterParameters"] = parameters
    response = rest.query(body)
    assert response.status_code == 200, response.text
    return response.json()["ia::meta"]["totalCount"]


def test_the_date_header_follows_the_sandbox_clock(fresh):
    rest = Rest(fresh)
    before = parsedate_to_datetime(rest.get(f"/objects/{CUSTOMERS}/1").headers["Date"])
    assert before == fresh.clock.now()  # the frozen clock, not this machine's
    fresh.advance_clock(3600)
    after = parsedate_to_datetime(rest.get(f"/objects/{CUSTOMERS}/1").headers["Date"])
    assert (after - before).total_seconds() == 3600


def test_throttle_headers_on_every_admitted_answer_only_when_asked(sb):
    rest = Rest(sb)
    sb.configure(concurrency_limit=3)
    plain = rest.get(f"/objects/{CUSTOMERS}/1")
    assert "X-IA-Throttle-Limit" not in plain.headers
    sb.configure(throttle_headers=True)
    answered = rest.get(f"/objects/{CUSTOMERS}/1")
    assert answered.status_code == 200
    assert answered.headers["X-IA-Throttle-Limit"] == "3"
    assert answered.headers["X-IA-Throttle-Limit-Remaining"] == "2"  # this request holds one of the three slots
    sb.configure(concurrency_limit=0)
    assert "X-IA-Throttle-Limit" not in rest.get(f"/objects/{CUSTOMERS}/1").headers  # no limit, nothing to tell


@pytest.fixture(scope="module")
def private_uk():
    with Sandbox(SandboxSettings(seed=5, start_s3=False, private_entities=("E-UK",))) as sandbox:
        yield sandbox


def test_private_entity_records_are_hidden_from_the_top_level_unless_included(private_uk):
    uk_owned = sum(r.get("MEGAENTITYID") == "E-UK" for r in private_uk.records("CUSTOMER"))
    assert uk_owned > 0
    top = Rest(private_uk)
    everything = len(private_uk.records("CUSTOMER"))
    assert _total(top) == _total(top, includePrivate=False) == everything - uk_owned
    assert _total(top, includePrivate=True) == everything
    # the entity itself sees its own records (and the top level's) without any option
    uk = Rest(private_uk, entity="E-UK")
    assert _total(uk) == sum(r.get("MEGAENTITYID") in ("E-UK", None) for r in private_uk.records("CUSTOMER"))


def test_private_entity_records_need_showprivate_over_xml(private_uk):
    def total(show_private: str | None) -> int:
        options = f"<options><showprivate>{show_private}</showprivate></options>" if show_private else ""
        result = call(
            private_uk,
            fn(
                f"<query><object>CUSTOMER</object><select><field>RECORDNO</field></select>"
                f"{options}<pagesize>1</pagesize></query>"
            ),
        )[0]
        return int(result.find("data").get("totalcount"))

    everything = len(private_uk.records("CUSTOMER"))
    assert total(None) == total("false") < everything
    assert total("true") == everything


def test_an_injected_429_without_a_limit_announces_none(sb):
    """Only a configured concurrency limit is announced: a limit of 0 would tell a client to send nothing."""
    sb.configure(error_rate=1.0, error_statuses=(429,))
    refused = Rest(sb).get(f"/objects/{CUSTOMERS}/1")
    assert refused.status_code == 429 and refused.headers["X-IA-Throttle-Limit-RetryAfter"] == "1"
    assert "X-IA-Throttle-Limit" not in refused.headers and "X-IA-Throttle-Limit-Remaining" not in refused.headers
    sb.configure(concurrency_limit=4)
    assert Rest(sb).get(f"/objects/{CUSTOMERS}/1").headers["X-IA-Throttle-Limit"] == "4"
