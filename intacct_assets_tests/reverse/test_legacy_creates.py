"""Legacy XML creates (invoices, AR adjustments, AR payments): written in the order of Intacct's schema."""

from decimal import Decimal

from intacct_assets.reverse.engine import write_requests
from intacct_assets_tests.reverse.documents import invoice_rows, synced_invoices

# Header and line elements listed against the schema's order: customerid and datecreated come first there,
# glaccountno before amount before memo.
INVOICES_IN_ANY_ORDER = """
syncs:
  - name: billing_invoices
    source: {table: billing.invoice_lines}
    object: invoice
    mode: insert
    match: {column: invoice_no}
    mapping: {description: memo, invoiceno: invoice_no, datecreated: invoice_date, customerid: customer}
    lines: {memo: line_memo, amount: amount, glaccountno: account}
"""
PAYMENTS_IN_ANY_ORDER = """
syncs:
  - name: receipts
    source: {table: billing.receipts}
    object: ar_payment
    mode: insert
    match: {column: receipt}
    mapping: {paymentmethod: method, datereceived: received, refid: receipt, paymentamount: total, customerid: customer}
    lines: {amount: amount, invoicekey: invoice}
"""


def test_mapping_order_does_not_matter_invoices_and_payments_follow_the_schema(harness):
    harness.table("billing.invoice_lines", invoice_rows(harness.sandbox, 3))
    report = harness.sync(INVOICES_IN_ANY_ORDER)
    assert report.counts()["created"] == 3 and not report.failed
    assert synced_invoices(harness.sandbox) == ["RSYNC-INV-0", "RSYNC-INV-1", "RSYNC-INV-2"]
    invoice = next(i for i in harness.sandbox.records("ARINVOICE") if i["RECORDID"] == "RSYNC-INV-1")
    harness.table("billing.receipts", [
        {"receipt": "R-1", "method": "EFT", "received": "2026-11-02", "total": Decimal("40.00"),
         "customer": invoice["CUSTOMERID"], "amount": Decimal("40.00"), "invoice": str(invoice["RECORDNO"])}])
    paid = harness.sync(PAYMENTS_IN_ANY_ORDER)
    assert paid.counts()["created"] == 1 and not paid.failed
    assert harness.sandbox.get("ARINVOICE", invoice["RECORDNO"])["STATE"] == "Paid"


def test_an_element_the_schema_does_not_know_fails_the_row_before_any_request(harness):
    harness.table("billing.invoice_lines", invoice_rows(harness.sandbox, 2))
    report = harness.sync(INVOICES_IN_ANY_ORDER.replace("description: memo", "colour: memo"))
    assert [f.match_value for f in report.failed] == ["RSYNC-INV-0", "RSYNC-INV-1"]
    assert "<create_invoice> has no element <colour>" in report.failed[0].error
    assert write_requests(report) == 0 and synced_invoices(harness.sandbox) == []
