"""A sync whose creates would lack a field Intacct requires is refused before any call; bills carry the
createdDate a REST bill needs (developer.sage.com "Create a bill") and land on that date."""

from __future__ import annotations

from decimal import Decimal

import pytest

from intacct_assets.reverse_sync.engine import ReverseSync
from intacct_assets.reverse_sync.spec import SyncSpec, SyncSpecError, parse_syncs

BILLS = """
syncs:
  - name: vendor_bills
    source: {{table: ap.bill_lines}}
    object: bill
    mode: {mode}
    match: {{column: bill_no}}
    mapping: {{{mapping}}}
    lines: {{{lines}}}
"""
HEADER = "billNumber: bill_no, vendor.id: vendor, createdDate: bill_date, dueDate: due_date"
LINES = "glAccount.id: account, txnAmount: amount, memo: line_memo"


def bills_yaml(mapping: str = HEADER, lines: str = LINES, mode: str = "insert") -> str:
    return BILLS.format(mapping=mapping, lines=lines, mode=mode)


@pytest.mark.parametrize(
    ("mapping", "lines", "missing"),
    [
        ("billNumber: bill_no, vendor.id: vendor", LINES, "'createdDate' in mapping"),
        ("createdDate: bill_date", LINES, "'vendor' in mapping"),
        (HEADER, "txnAmount: amount", "'glAccount' in lines"),
        (HEADER, "glAccount.key: account_key", "'txnAmount' in lines"),
    ],
)
def test_a_bill_sync_missing_a_required_field_is_refused_when_loaded(mapping, lines, missing):
    with pytest.raises(SyncSpecError, match="vendor_bills") as refused:
        parse_syncs(bills_yaml(mapping, lines))
    assert missing in str(refused.value) and "Intacct requires on a create" in str(refused.value)


def test_required_fields_of_other_objects_and_their_alternatives():
    invoice = """
syncs:
  - name: invoices
    source: {table: t}
    object: invoice
    mode: insert
    match: {column: n}
    mapping: {customerid: c, datecreated: d, %s}
    lines: {accountlabel: l, amount: a}
"""
    assert parse_syncs(invoice % "termname: t") and parse_syncs(invoice % "datedue: d2")
    with pytest.raises(SyncSpecError, match="'datedue or termname' in mapping"):
        parse_syncs(invoice % "description: x")
    journal = (
        "syncs: [{name: je, source: {table: t}, object: journal_entry, mode: insert, match: {column: n}, "
        "mapping: {postingDate: p, description: d}, lines: {glAccount.id: a, amount: m}}]"
    )
    with pytest.raises(SyncSpecError, match="'glJournal' in mapping") as refused:
        parse_syncs(journal)
    assert "mode update" not in str(refused.value)  # journal entries are insert-only
    customers = (
        "syncs: [{name: c, source: {table: t}, object: customer, mode: %s, match: {column: a, field: id}, "
        "mapping: {id: a, creditLimit: l}}]"
    )
    with pytest.raises(SyncSpecError, match="'name' in mapping.*or use mode update"):
        parse_syncs(customers % "upsert")
    assert parse_syncs(customers % "update")  # updates send only what changes
    with pytest.raises(SyncSpecError, match="cannot be a reverse-sync target"):
        parse_syncs(customers.replace("customer", "gl_detail") % "update")


def test_a_sync_built_in_code_is_refused_before_any_call(harness):
    [spec] = parse_syncs(bills_yaml())
    unmapped = SyncSpec(**{**spec.model_dump(), "mapping": {"vendor.id": "vendor", "billNumber": "bill_no"}})
    with pytest.raises(SyncSpecError, match="'createdDate' in mapping"):
        ReverseSync(unmapped, harness.warehouse, harness.client)
    assert harness.client.calls.since(0) == [] and harness.records_written() == 0


def test_bills_are_created_on_their_created_date(harness):
    vendor = harness.sandbox.records("VENDOR")[0]["VENDORID"]
    account = harness.sandbox.records("GLACCOUNT")[12]["ACCOUNTNO"]
    rows = [
        {
            "bill_no": f"RSYNC-BILL-{n}",
            "vendor": vendor,
            "bill_date": f"2026-0{n + 1}-15",
            "due_date": f"2026-0{n + 2}-14",
            "account": account,
            "amount": Decimal(40 + k),
            "line_memo": f"line {k}",
        }
        for n in range(3)
        for k in range(2)
    ]
    harness.table("ap.bill_lines", rows)
    report = harness.sync(bills_yaml())
    assert report.counts()["created"] == 3 and not report.failed
    bills = {b["RECORDID"]: b for b in harness.sandbox.records("APBILL") if b["RECORDID"].startswith("RSYNC-BILL-")}
    assert {b["WHENCREATED"] for b in bills.values()} == {"2026-01-15", "2026-02-15", "2026-03-15"}
    assert bills["RSYNC-BILL-1"]["WHENPOSTED"] == "2026-02-15" and bills["RSYNC-BILL-1"]["TOTALENTERED"] == "81.00"
