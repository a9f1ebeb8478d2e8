"""Reverse sync against the sandbox with its faults on: every mode, deletes, idempotency, batching."""

from decimal import Decimal

import pytest

from intacct_assets.reverse_sync.engine import write_requests
from intacct_assets.reverse_sync.state import load_state
from intacct_assets_tests.reverse_sync.documents import INVOICES, JOURNAL, invoice_rows, journal_rows, synced_invoices

CUSTOMERS = """
syncs:
  - name: crm_customers
    source: {{table: analytics.crm_customers}}
    object: customer
    mode: {mode}
    match: {{column: crm_id, field: id}}
    mapping: {{id: crm_id, name: company_name, "contacts.default.email1": email, creditLimit: credit_limit}}
    on_delete: {on_delete}
"""


def customers_yaml(mode="upsert", on_delete="nothing"):
    return CUSTOMERS.format(mode=mode, on_delete=on_delete)


def crm_rows(harness, existing: int, new: int):
    """Source rows: ``existing`` sandbox customers renamed, plus ``new`` customers it does not have."""
    known = harness.sandbox.records("CUSTOMER")[:existing]
    rows = [
        {
            "crm_id": c["CUSTOMERID"],
            "company_name": f"{c['NAME']} (CRM)",
            "email": f"ap{i}@crm.test",
            "credit_limit": Decimal("5000.00"),
        }
        for i, c in enumerate(known)
    ]
    rows += [
        {
            "crm_id": f"CRM-{n:04d}",
            "company_name": f"New customer {n}",
            "email": f"new{n}@crm.test",
            "credit_limit": None,
        }
        for n in range(new)
    ]
    return rows


def customer(harness, crm_id):
    return harness.sandbox.find("CUSTOMER", crm_id)


def test_upsert_creates_and_updates_then_a_rerun_writes_nothing(harness):
    rows = crm_rows(harness, existing=30, new=20)
    harness.table("analytics.crm_customers", rows)
    report = harness.sync(customers_yaml())
    assert report.counts()["created"] == 20 and report.counts()["updated"] == 30 and not report.failed
    assert write_requests(report) == 2  # one create batch, one update batch
    new = customer(harness, "CRM-0003")
    assert new["NAME"] == "New customer 3" and new["DISPLAYCONTACT.EMAIL1"] == "new3@crm.test"
    assert new.get("CREDITLIMIT") in (None, "")  # NULL in the source: the field was left alone
    first = customer(harness, rows[0]["crm_id"])
    assert first["NAME"].endswith("(CRM)") and str(first["CREDITLIMIT"]).startswith("5000")
    written = harness.records_written()
    again = harness.sync(customers_yaml())
    assert write_requests(again) == 0 and harness.records_written() == written
    assert again.counts()["unchanged"] == 50


def test_only_changed_rows_are_sent(harness):
    rows = crm_rows(harness, existing=10, new=0)
    harness.table("analytics.crm_customers", rows)
    harness.sync(customers_yaml())
    rows[4]["company_name"] = "Renamed once more"
    rows[7]["email"] = ""  # an empty string clears the field
    harness.table("analytics.crm_customers", rows)
    report = harness.sync(customers_yaml())
    assert report.counts()["updated"] == 2 and report.counts()["unchanged"] == 8
    assert customer(harness, rows[4]["crm_id"])["NAME"] == "Renamed once more"
    assert customer(harness, rows[7]["crm_id"]).get("DISPLAYCONTACT.EMAIL1") in (None, "")


def test_update_mode_never_creates_and_reports_unmatched_rows(harness):
    harness.table("analytics.crm_customers", crm_rows(harness, existing=3, new=2))
    before = len(harness.sandbox.records("CUSTOMER"))
    report = harness.sync(customers_yaml(mode="update"))
    assert report.counts()["updated"] == 3 and len(report.failed) == 2
    assert "mode update never creates" in report.failed[0].error
    assert len(harness.sandbox.records("CUSTOMER")) == before


def test_matching_on_a_field_that_is_not_the_id(harness):
    target = harness.sandbox.records("CUSTOMER")[5]
    harness.sandbox.update("CUSTOMER", target["RECORDNO"], {"TAXID": "TAX-ABC-5"})
    harness.table("analytics.crm_customers", [{"tax": "TAX-ABC-5", "label": "Matched by tax id"}])
    report = harness.sync("""
syncs:
  - name: by_tax_id
    source: {table: analytics.crm_customers}
    object: customer
    mode: update
    match: {column: tax, field: taxId}
    mapping: {name: label}
""")
    assert report.counts()["updated"] == 1
    assert harness.sandbox.get("CUSTOMER", target["RECORDNO"])["NAME"] == "Matched by tax id"


@pytest.mark.parametrize(("on_delete", "expect"), [("nothing", "kept"), ("clear", "cleared"), ("delete", "gone")])
def test_rows_leaving_the_source(harness, on_delete, expect):
    rows = crm_rows(harness, existing=0, new=3)
    harness.table("analytics.crm_customers", rows)
    harness.sync(customers_yaml(on_delete=on_delete))
    harness.table("analytics.crm_customers", rows[:2])
    report = harness.sync(customers_yaml(on_delete=on_delete))
    record = customer(harness, "CRM-0002")
    if expect == "kept":
        assert record["NAME"] == "New customer 2" and report.counts()["absent"] == 1
    elif expect == "cleared":
        assert record.get("NAME") in (None, "") or report.failed  # NAME is required: Intacct may refuse to clear it
        assert record.get("DISPLAYCONTACT.EMAIL1") in (None, "") or report.failed
    else:
        assert record is None and report.counts()["deleted"] == 1
    with harness.warehouse.connect() as connection:
        assert load_state(connection, "crm_customers")["CRM-0002"].present is (expect == "kept" and False)


def test_rows_leaving_the_source_are_all_deleted_by_one_multi_key_delete(harness):
    """Intacct answers a successful ``DELETE …/k1,k2,k3`` with a bare 204: every key was deleted."""
    rows = crm_rows(harness, existing=0, new=5)
    harness.table("analytics.crm_customers", rows)
    harness.sync(customers_yaml(on_delete="delete"))
    harness.table("analytics.crm_customers", rows[:1])
    report = harness.sync(customers_yaml(on_delete="delete"))
    assert report.counts()["deleted"] == 4 and not report.failed
    assert [customer(harness, f"CRM-{n:04d}") is None for n in range(5)] == [False, True, True, True, True]
    deletes = [c for c in harness.client.calls.since(0) if c.method == "DELETE"]
    assert [c.status for c in deletes] == [204] and deletes[0].transactions == 4


def test_dry_run_writes_nothing_and_shows_the_plan(harness):
    harness.table("analytics.crm_customers", crm_rows(harness, existing=2, new=3))
    written = harness.records_written()
    report = harness.sync(customers_yaml(), dry_run=True)
    assert harness.records_written() == written and write_requests(report) == 0
    assert report.plan["upsert"] == 5 and len(report.planned_sample) == 5
    with harness.warehouse.connect() as connection:
        assert load_state(connection, "crm_customers") == {}


def test_partial_batch_failure_reports_intacct_errors_and_retries_failed_rows(harness):
    rows = crm_rows(harness, existing=0, new=4)
    rows[1]["company_name"] = None  # NAME is required on create: Intacct refuses this one
    harness.table("analytics.crm_customers", rows)
    report = harness.sync(customers_yaml())
    assert report.counts()["created"] == 3 and len(report.failed) == 1
    assert report.failed[0].match_value == "CRM-0001" and report.failed[0].error
    rows[1]["company_name"] = "Fixed"
    harness.table("analytics.crm_customers", rows)
    retry = harness.sync(customers_yaml())
    assert retry.counts()["created"] == 1 and retry.counts()["unchanged"] == 3


def test_lost_responses_and_storms_never_create_duplicates(harness):
    harness.sandbox.configure(
        lost_response_rate=0.5, error_rate=0.3, error_statuses=[429, 500, 502, 503], concurrency_limit=2
    )
    harness.table("analytics.crm_customers", crm_rows(harness, existing=0, new=60))
    for _ in range(5):  # runs until every row is through; answers lost on the way are read back (or replayed)
        report = harness.sync(customers_yaml())
        if not report.failed:
            break
        harness.advance(1)  # a batch not found after a 500 is sent again once it cannot be still running
    harness.sandbox.configure(lost_response_rate=0, error_rate=0)
    created = [c for c in harness.sandbox.records("CUSTOMER") if str(c["CUSTOMERID"]).startswith("CRM-")]
    assert len(created) == 60 and len({c["CUSTOMERID"] for c in created}) == 60
    assert harness.sync(customers_yaml()).counts()["unchanged"] == 60


def test_token_expiry_mid_sync(harness):
    harness.sandbox.configure(token_ttl_seconds=60)
    harness.table("analytics.crm_customers", crm_rows(harness, existing=0, new=5))
    harness.sync(customers_yaml())
    harness.sandbox.advance_clock(3600)  # the cached token is now expired
    harness.table("analytics.crm_customers", crm_rows(harness, existing=0, new=8))
    report = harness.sync(customers_yaml())
    assert report.counts()["created"] == 3 and not report.failed


def test_journal_entries_balance_is_checked_before_any_call_and_inserts_are_never_duplicated(harness):
    accounts = [a["ACCOUNTNO"] for a in harness.sandbox.records("GLACCOUNT")[:2]]
    batches_before = len([b for b in harness.sandbox.records("GLBATCH")])
    harness.table("finance.accruals", journal_rows(accounts, 6, unbalanced={2}))
    harness.sandbox.configure(lost_response_rate=0.5)
    for _ in range(4):
        report = harness.sync(JOURNAL)
        if [f for f in report.failed if f.match_value != "JE-2"] == []:
            break
    harness.sandbox.configure(lost_response_rate=0)
    failures = {f.match_value: f.error for f in report.failed}
    assert "debits" in failures["JE-2"]
    created = [b for b in harness.sandbox.records("GLBATCH") if str(b.get("BATCH_TITLE", "")).startswith("accrual")]
    assert len(harness.sandbox.records("GLBATCH")) - batches_before == 5 == len(created)
    assert write_requests(harness.sync(JOURNAL)) == 0


def test_legacy_xml_invoices_are_idempotent_across_runs_with_lost_answers(harness):
    harness.table("billing.invoice_lines", invoice_rows(harness.sandbox, 12))
    before = len(harness.sandbox.records("ARINVOICE"))
    harness.sandbox.configure(lost_response_rate=0.5)
    for _ in range(5):
        report = harness.sync(INVOICES)
        if not report.failed:
            break
    harness.sandbox.configure(lost_response_rate=0)
    assert len(harness.sandbox.records("ARINVOICE")) - before == 12
    assert synced_invoices(harness.sandbox) == sorted(f"RSYNC-INV-{n}" for n in range(12))
    assert write_requests(harness.sync(INVOICES)) == 0


def test_entity_scoped_sync_creates_records_in_that_entity(harness):
    entity = harness.sandbox.records("LOCATIONENTITY")[0]["LOCATIONID"]
    harness.table("analytics.crm_customers", crm_rows(harness, existing=0, new=2))
    report = harness.sync(customers_yaml() + f"    entity: {entity}\n")
    assert report.counts()["created"] == 2
    assert customer(harness, "CRM-0001")["MEGAENTITYID"] == entity
    calls = harness.client.calls.since(0)
    assert {c.entity for c in calls if c.operation.startswith(("create", "query"))} == {entity}
