"""Writes whose outcome was never recorded, settled by the next run: replayed within Intacct's 48-hour
Idempotency-Key window, read back after it, and never sent again without evidence (journal entries, bills)."""

import re

import dagster as dg
import pytest

from intacct_assets.defs.intacct_resource import IntacctResource
from intacct_assets.defs.resources import WarehouseResource
from intacct_assets.defs.reverse_sync.assets import build_reverse_sync_asset
from intacct_assets.reverse_sync.engine import write_requests
from intacct_assets.reverse_sync.spec import parse_syncs
from intacct_assets.warehouse.connection import run
from intacct_assets_tests.clients import client_env
from intacct_assets_tests.reverse_sync.documents import (
    BILLS,
    JOURNAL,
    JOURNAL_BY_DESCRIPTION,
    bill_rows,
    journal_rows,
    posted_entries,
    synced_bills,
)

JOURNAL_WRITES = b"/objects/general-ledger/journal-entry"  # the writes, not the lookups (query service)


def accruals(harness, entries: int) -> None:
    accounts = [a["ACCOUNTNO"] for a in harness.sandbox.records("GLACCOUNT")[:2]]
    harness.table("finance.accruals", journal_rows(accounts, entries))


def posted(harness) -> list[str]:
    return posted_entries(harness.sandbox)


def pending_keys(harness, sync: str) -> list[str]:
    with harness.warehouse.connect() as connection:
        return [
            key
            for (key,) in run(
                connection, "SELECT idempotency_key FROM intacct_meta.reverse_sync_pending WHERE sync = ?", [sync]
            )
        ]


ALL_FOUR = [f"accrual {n}" for n in range(4)]


@pytest.mark.parametrize(
    ("batch_idempotency", "hours_later", "held_because"),
    [
        ("trust", 1, None),
        ("trust", 49, "Intacct replays answers for 48 hours only"),
        ("verify", 1, "INTACCT_API_BATCH_IDEMPOTENCY=verify"),
    ],
)
def test_entries_posted_by_a_run_that_died_are_never_posted_again(
    harness, batch_idempotency, hours_later, held_because
):
    """Trusting the key to cover a batch, within 48 hours the pending write is answered from Intacct's cache. After
    them Intacct would answer its key with 409, and without that trust a resent batch might run again: it is not
    replayed, and with nothing to read the entries back by, nothing is sent."""
    harness.settings(INTACCT_API_BATCH_IDEMPOTENCY=batch_idempotency)
    accruals(harness, 4)
    with harness.dying("response", JOURNAL_WRITES), pytest.raises(RuntimeError, match="the worker died"):
        harness.sync(JOURNAL)
    assert posted(harness) == ALL_FOUR
    harness.advance(hours_later)
    report = harness.sync(JOURNAL)
    assert posted(harness) == ALL_FOUR
    if held_because is None:
        assert report.counts()["created"] == 0 and not report.failed  # recorded by the replay, before the plan
        assert write_requests(harness.sync(JOURNAL)) == 0
    else:  # nothing can read these entries back (no match.field): held, with what to do
        assert write_requests(report) == 0 and len(report.failed) == 4
        assert held_because in report.failed[0].error
        [key] = pending_keys(harness, "accruals")
        assert f"pending_written: ['{key}']" in report.failed[0].error
        assert write_requests(harness.sync(JOURNAL)) == 0 and posted(harness) == ALL_FOUR  # still held


def test_a_held_create_is_settled_by_the_users_word(harness):
    accruals(harness, 2)
    with harness.dying("response", JOURNAL_WRITES), pytest.raises(RuntimeError):
        harness.sync(JOURNAL)
    accruals(harness, 3)  # a third entry arrives meanwhile
    harness.advance(49)
    held = harness.sync(JOURNAL)
    assert held.counts()["created"] == 1 and len(held.failed) == 2
    key = re.search(r"pending_written: \['(\w+)'\]", held.failed[0].error).group(1)
    with pytest.raises(ValueError, match="not pending: no-such-key"):
        harness.sync(JOURNAL, pending_written=["no-such-key"])
    with pytest.raises(ValueError, match="each pending request once"):
        harness.sync(JOURNAL, pending_written=[key], pending_resend=[key])
    settled = harness.sync(JOURNAL, pending_written=[key])  # checked in Intacct: the two entries are there
    assert not settled.failed and write_requests(settled) == 0 and pending_keys(harness, "accruals") == []
    assert posted(harness) == ["accrual 0", "accrual 1", "accrual 2"]
    assert write_requests(harness.sync(JOURNAL)) == 0


def test_a_held_create_that_never_reached_intacct_is_sent_again_on_the_users_word(harness):
    accruals(harness, 2)
    with harness.dying("request", JOURNAL_WRITES), pytest.raises(RuntimeError):
        harness.sync(JOURNAL)
    assert posted(harness) == []
    harness.advance(49)
    [key] = pending_keys(harness, "accruals")
    assert len(harness.sync(JOURNAL).failed) == 2
    report = harness.sync(JOURNAL, pending_resend=[key])  # checked in Intacct: not there
    assert report.counts()["created"] == 2 and not report.failed
    assert posted(harness) == ["accrual 0", "accrual 1"]


def test_the_users_word_is_given_in_the_assets_run_config(harness, monkeypatch):
    accruals(harness, 2)
    with harness.dying("request", JOURNAL_WRITES), pytest.raises(RuntimeError):
        harness.sync(JOURNAL)
    [key] = pending_keys(harness, "accruals")
    for name, value in client_env(harness.sandbox).items():
        monkeypatch.setenv(name, value)
    asset = build_reverse_sync_asset(parse_syncs(JOURNAL)[0])
    result = dg.materialize(
        [asset],
        resources={"warehouse": WarehouseResource(), "intacct": IntacctResource()},
        run_config={"ops": {asset.op.name: {"config": {"pending_resend": [key]}}}},
    )
    assert result.success and pending_keys(harness, "accruals") == []
    assert posted(harness) == ["accrual 0", "accrual 1"]


@pytest.mark.parametrize("reached_intacct", [True, False])
def test_after_48_hours_a_pending_create_is_read_back_by_its_match_field(harness, reached_intacct):
    """Found: recorded with its key, never sent again. Not found: sent again, under a new key."""
    accruals(harness, 3)
    dies = harness.dying("response" if reached_intacct else "request", JOURNAL_WRITES)
    with dies, pytest.raises(RuntimeError):
        harness.sync(JOURNAL_BY_DESCRIPTION)
    harness.advance(72)
    report = harness.sync(JOURNAL_BY_DESCRIPTION)
    assert not report.failed and posted(harness) == ["accrual 0", "accrual 1", "accrual 2"]
    assert write_requests(report) == (0 if reached_intacct else 1)
    assert pending_keys(harness, "accruals") == []
    with harness.warehouse.connect() as connection:
        keys = dict(run(connection, "SELECT match_value, intacct_key FROM intacct_meta.reverse_sync_state"))
    assert keys == {
        b["BATCH_TITLE"]: str(b["RECORDNO"])
        for b in harness.sandbox.records("GLBATCH")
        if b["BATCH_TITLE"].startswith("accrual")
    }
    assert write_requests(harness.sync(JOURNAL_BY_DESCRIPTION)) == 0


def test_an_update_older_than_48_hours_is_sent_again_with_current_values(harness):
    harness.table("analytics.crm", [{"crm_id": "U-1", "name": "first"}])
    customers = """
syncs:
  - name: crm
    source: {table: analytics.crm}
    object: customer
    match: {column: crm_id, field: id}
    mapping: {id: crm_id, name: name}
"""
    harness.sync(customers)
    harness.table("analytics.crm", [{"crm_id": "U-1", "name": "second"}])
    with harness.dying("response", b"/objects/accounts-receivable/customer"), pytest.raises(RuntimeError):
        harness.sync(customers)
    harness.advance(49)
    harness.table("analytics.crm", [{"crm_id": "U-1", "name": "third"}])
    report = harness.sync(customers)
    assert report.counts()["updated"] == 1 and not report.failed
    assert harness.sandbox.find("CUSTOMER", "U-1")["NAME"] == "third"
    with harness.warehouse.connect() as connection:
        outcomes = run(connection, "SELECT outcome FROM intacct_meta.reverse_sync_results WHERE run_id = 'run-3'")
    assert outcomes == [("updated",)]


@pytest.mark.parametrize("batch_idempotency", ["verify", "trust"])
def test_bills_are_never_created_twice_through_lost_answers_storms_and_a_dead_run(harness, batch_idempotency):
    harness.settings(INTACCT_API_BATCH_IDEMPOTENCY=batch_idempotency)
    harness.table("finance.bills", bill_rows(harness.sandbox, 30))
    with harness.dying("response", b"/objects/accounts-payable/bill"), pytest.raises(RuntimeError):
        harness.sync(BILLS + "    batch_size: 10\n")
    harness.sandbox.configure(lost_response_rate=0.5, error_rate=0.3, error_statuses=[429, 502, 503])
    harness.advance(49)
    for _ in range(5):
        if not harness.sync(BILLS + "    batch_size: 10\n").failed:
            break
        harness.advance(1)  # a batch that got no answer is read back (verify) once it cannot still be running
    harness.sandbox.configure(lost_response_rate=0, error_rate=0)
    assert synced_bills(harness.sandbox) == sorted(f"RSYNC-BILL-{n}" for n in range(30))
    assert write_requests(harness.sync(BILLS)) == 0
