"""Writes whose outcome was never recorded, settled by the next run: replayed within Intacct's 48-hour
Idempotency-Key window, read back after it, and never sent again without evidence (journal entries, bills)."""

import re
from decimal import Decimal

import dagster as dg
import pytest

from intacct_assets.defs.intacct_resource import IntacctResource
from intacct_assets.defs.resources import WarehouseResource
from intacct_assets.defs.reverse_sync.assets import build_reverse_sync_asset
from intacct_assets.reverse.engine import write_requests
from intacct_assets.reverse.spec import parse_syncs
from intacct_assets.warehouse.connection import run
from intacct_assets_tests.intacct.conftest import client_env
from intacct_assets_tests.reverse.documents import JOURNAL, journal_rows

# The same journal entries, read back by their description (unique in these rows).
JOURNAL_BY_DESCRIPTION = JOURNAL.replace("match: {column: entry}", "match: {column: memo, field: description}")
BILLS = """
syncs:
  - name: payables
    source: {table: finance.bills}
    object: bill
    mode: insert
    match: {column: bill_no, field: billNumber}
    mapping: {billNumber: bill_no, vendor.id: vendor, createdDate: posted, dueDate: due, description: memo}
    lines: {glAccount.id: account, txnAmount: amount}
"""


JOURNAL_WRITES = b"/objects/general-ledger/journal-entry"  # the writes, not the lookups (query service)


def accruals(harness, entries: int) -> None:
    accounts = [a["ACCOUNTNO"] for a in harness.sandbox.records("GLACCOUNT")[:2]]
    harness.table("finance.accruals", journal_rows(accounts, entries))


def posted(harness) -> list[str]:
    """Descriptions of the journal entries the sync posted, one per entry (a duplicate shows twice)."""
    return sorted(b["BATCH_TITLE"] for b in harness.sandbox.records("GLBATCH")
                  if b["BATCH_TITLE"].startswith("accrual"))


def pending_keys(harness, sync: str) -> list[str]:
    with harness.warehouse.connect() as connection:
        return [key for (key,) in run(connection, "SELECT idempotency_key FROM intacct_meta.reverse_sync_pending "
                                                  "WHERE sync = ?", [sync])]


ALL_FOUR = [f"accrual {n}" for n in range(4)]


@pytest.mark.parametrize("hours_later", [1, 49])
def test_entries_posted_by_a_run_that_died_are_never_posted_again(harness, hours_later):
    """Within 48 hours the pending write is answered from Intacct's cache. After them Intacct would answer its
    key with 409: it is not replayed, and with nothing to read the entries back by, nothing is sent."""
    accruals(harness, 4)
    with harness.dying("response", JOURNAL_WRITES), pytest.raises(RuntimeError, match="the worker died"):
        harness.sync(JOURNAL)
    assert posted(harness) == ALL_FOUR
    harness.advance(hours_later)
    report = harness.sync(JOURNAL)
    assert posted(harness) == ALL_FOUR
    if hours_later < 48:
        assert report.counts()["created"] == 0 and not report.failed  # recorded by the replay, before the plan
        assert write_requests(harness.sync(JOURNAL)) == 0
    else:  # nothing can read these entries back (no match.field): held, with what to do
        assert write_requests(report) == 0 and len(report.failed) == 4
        assert "Intacct replays answers for 48 hours only" in report.failed[0].error
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
    result = dg.materialize([asset], resources={"warehouse": WarehouseResource(), "intacct": IntacctResource()},
                            run_config={"ops": {asset.op.name: {"config": {"pending_resend": [key]}}}})
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
    assert keys == {b["BATCH_TITLE"]: str(b["RECORDNO"]) for b in harness.sandbox.records("GLBATCH")
                    if b["BATCH_TITLE"].startswith("accrual")}
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


def test_bills_are_never_created_twice_through_lost_answers_storms_and_a_dead_run(harness):
    vendor = harness.sandbox.records("VENDOR")[0]["VENDORID"]
    account = harness.sandbox.records("GLACCOUNT")[3]["ACCOUNTNO"]
    harness.table("finance.bills", [
        {"bill_no": f"RSYNC-BILL-{n}", "vendor": vendor, "posted": "2026-11-01", "due": "2026-12-01",
         "memo": "supplies", "account": account, "amount": Decimal(25 + n)} for n in range(30) for _ in range(2)])
    with harness.dying("response", b"/objects/accounts-payable/bill"), pytest.raises(RuntimeError):
        harness.sync(BILLS + "    batch_size: 10\n")
    harness.sandbox.configure(lost_response_rate=0.5, error_rate=0.3, error_statuses=[429, 502, 503])
    harness.advance(49)
    for _ in range(4):
        if not harness.sync(BILLS + "    batch_size: 10\n").failed:
            break
    harness.sandbox.configure(lost_response_rate=0, error_rate=0)
    bills = [b["RECORDID"] for b in harness.sandbox.records("APBILL") if str(b["RECORDID"]).startswith("RSYNC-BILL")]
    assert sorted(bills) == sorted(f"RSYNC-BILL-{n}" for n in range(30))
    assert write_requests(harness.sync(BILLS)) == 0
