"""Reverse sync recovering from what goes wrong between runs: recorded failures, a run that dies after
Intacct committed, records deleted in Intacct, and the machine's time zone."""

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from intacct_assets.reverse_sync.engine import read_source, write_requests
from intacct_assets.reverse_sync.mapping import build_records, wire_value
from intacct_assets.reverse_sync.objects import write_object
from intacct_assets.reverse_sync.spec import parse_syncs
from intacct_assets_tests.reverse_sync.documents import JOURNAL, JOURNAL_BY_DESCRIPTION, journal_rows, posted_entries

CUSTOMERS = """
syncs:
  - name: crm_customers
    source: {table: analytics.crm_customers}
    object: customer
    mode: upsert
    match: {column: crm_id, field: id}
    mapping: {id: crm_id, name: company_name, parent.id: parent}
"""


def test_a_failed_row_is_sent_again_not_answered_from_the_idempotency_cache(harness):
    """Intacct replays a key's first answer for 48 hours: a row whose failure was recorded needs a new key."""
    harness.table("analytics.crm_customers", [{"crm_id": "CHILD-1", "company_name": "Child", "parent": "PARENT-1"}])
    first = harness.sync(CUSTOMERS)
    assert [f.match_value for f in first.failed] == ["CHILD-1"]  # its parent does not exist yet
    harness.sandbox.create("CUSTOMER", {"CUSTOMERID": "PARENT-1", "NAME": "Parent"})
    second = harness.sync(CUSTOMERS)  # the source row is unchanged
    assert not second.failed and second.counts()["created"] == 1
    assert harness.sandbox.find("CUSTOMER", "CHILD-1") is not None


@pytest.mark.parametrize("batch_size", [500, 2])
@pytest.mark.parametrize(("batch_idempotency", "journal"), [("trust", JOURNAL), ("verify", JOURNAL_BY_DESCRIPTION)])
def test_a_run_that_dies_after_intacct_committed_posts_nothing_twice(harness, batch_size, batch_idempotency, journal):
    """The run dies once the first write batch is answered (its outcome unrecorded; with small batches, the
    next batch not even sent), and a new row arrives before the next run: every entry exists exactly once.
    Trusting the key to cover a batch, the batches are replayed; otherwise they are read back by description."""
    harness.settings(INTACCT_API_BATCH_IDEMPOTENCY=batch_idempotency)
    accounts = [a["ACCOUNTNO"] for a in harness.sandbox.records("GLACCOUNT")[:2]]
    spec = journal + f"    batch_size: {batch_size}\n"
    harness.table("finance.accruals", journal_rows(accounts, 4))

    with harness.dying("response", b"/objects/general-ledger/journal-entry"), pytest.raises(RuntimeError):
        harness.sync(spec)
    assert len(posted_entries(harness.sandbox)) == min(4, batch_size)

    harness.table("finance.accruals", journal_rows(accounts, 5))  # a fifth accrual arrived meanwhile
    harness.advance(1)  # the batch never sent is sent again (verify) once it cannot be still running in Intacct
    report = harness.sync(spec)
    assert not report.failed
    assert posted_entries(harness.sandbox) == [f"accrual {n}" for n in range(5)]
    assert write_requests(harness.sync(spec)) == 0


def test_upsert_creates_again_a_record_deleted_in_intacct(harness):
    """The remembered key answers 404: the row is matched again and created, not failed on every run."""
    sync = CUSTOMERS.replace(", parent.id: parent", "")
    harness.table(
        "analytics.crm_customers", [{"crm_id": "G-1", "company_name": "a"}, {"crm_id": "G-2", "company_name": "b"}]
    )
    harness.sync(sync)
    harness.sandbox.delete("CUSTOMER", harness.sandbox.find("CUSTOMER", "G-1")["RECORDNO"])
    harness.table(
        "analytics.crm_customers", [{"crm_id": "G-1", "company_name": "a2"}, {"crm_id": "G-2", "company_name": "b2"}]
    )
    report = harness.sync(sync)
    assert not report.failed
    assert report.counts()["created"] == 1 and report.counts()["updated"] == 1
    assert [harness.sandbox.find("CUSTOMER", c)["NAME"] for c in ("G-1", "G-2")] == ["a2", "b2"]
    assert write_requests(harness.sync(sync)) == 0


def test_an_aware_timestamp_is_sent_as_its_utc_instant():
    assert wire_value(datetime(2026, 1, 1, 7, 0, tzinfo=ZoneInfo("America/New_York"))) == "2026-01-01T12:00:00Z"
    assert wire_value(datetime(2026, 1, 1, 12, 0)) == "2026-01-01T12:00:00Z"  # naive: taken as UTC


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_a_timestamptz_column_sends_the_same_instant_on_any_machine(warehouse, monkeypatch, zone):
    """DuckDB hands TIMESTAMPTZ values over in the machine's time zone."""
    [spec] = parse_syncs("""
syncs:
  - name: tz
    source: {sql: "select 'C-1' as crm_id, 'C one' as label, TIMESTAMPTZ '2026-01-01 12:00:00+00' as seen"}
    object: customer
    match: {column: crm_id, field: id}
    mapping: {id: crm_id, name: label, lastSeen: seen}
""")
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        [record] = build_records(read_source(warehouse, spec), spec, write_object("customer"))
    finally:
        monkeypatch.undo()
        time.tzset()
    assert record.payload["lastSeen"] == "2026-01-01T12:00:00Z"
