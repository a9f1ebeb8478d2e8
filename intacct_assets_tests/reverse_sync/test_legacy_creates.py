"""Legacy XML creates (invoices, AR adjustments, AR payments): written in the order of Intacct's schema, and
recorded as written only with evidence (a success, a refusal that says it already ran, or the record read back)."""

from decimal import Decimal

import defusedxml.ElementTree as SafeET
import pytest
from lxml import etree

from intacct_assets.reverse_sync.engine import write_requests
from intacct_assets.reverse_sync.legacy_xml import SCHEMA_ORDER, legacy_body
from intacct_assets.reverse_sync.objects import write_object
from intacct_assets.sandbox.xml_gateway.schema import MODELS, schema_error
from intacct_assets_tests.reverse_sync.documents import INVOICES, invoice_rows, synced_invoices

# Header and line elements listed against the schema's order: customerid and datecreated come first there,
# glaccountno before amount before memo.
INVOICES_IN_ANY_ORDER = """
syncs:
  - name: billing_invoices
    source: {table: billing.invoice_lines}
    object: invoice
    mode: insert
    match: {column: invoice_no}
    mapping: {description: memo, invoiceno: invoice_no, datedue: due_date, datecreated: invoice_date,
              customerid: customer}
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
    harness.table(
        "billing.receipts",
        [
            {
                "receipt": "R-1",
                "method": "EFT",
                "received": "2026-11-02",
                "total": Decimal("40.00"),
                "customer": invoice["CUSTOMERID"],
                "amount": Decimal("40.00"),
                "invoice": str(invoice["RECORDNO"]),
            }
        ],
    )
    paid = harness.sync(PAYMENTS_IN_ANY_ORDER)
    assert paid.counts()["created"] == 1 and not paid.failed
    assert harness.sandbox.get("ARINVOICE", invoice["RECORDNO"])["STATE"] == "Paid"


def test_a_payment_body_is_written_in_schema_order_items_included():
    body = legacy_body(
        write_object("ar_payment").legacy_create,
        {
            "paymentmethod": "EFT",
            "lines": [{"amount": "5.00", "invoicekey": "7"}],
            "authcode": "A-1",
            "customerid": "C1",
            "onlineachpayment": {"bankname": "B"},
            "paymentamount": "5.00",
            "datereceived": "2026-11-02",
        },
    )
    assert [child.tag for child in body] == [
        "customerid",
        "paymentamount",
        "datereceived",
        "paymentmethod",
        "authcode",
        "arpaymentitem",
        "onlineachpayment",
    ]
    assert [child.tag for child in body.find("arpaymentitem")] == ["invoicekey", "amount"]
    assert [child.tag for child in body.find("datereceived")] == ["year", "month", "day"]


def test_the_writer_and_the_sandbox_read_the_same_schema():
    """Two transcriptions of intacct/intacct_dtd v3.0/api.xsd (the writer's order, the sandbox's validator)."""
    for tag, order in SCHEMA_ORDER.items():
        assert set(order) == set(
            MODELS[tag].replace("|", " ").replace("?", "").replace("*", "").replace("+", "").split()
        ), tag
    invoice = legacy_body(
        write_object("invoice").legacy_create,
        {
            "description": "d",
            "lines": [{"memo": "m", "amount": "1", "glaccountno": "4000"}],
            "customerid": "C1",
            "invoiceno": "I-1",
            "datedue": "2026-12-01",
            "datecreated": "2026-11-01",
        },
    )
    assert schema_error(SafeET.fromstring(etree.tostring(invoice))) is None  # as the sandbox parses it


def test_an_element_the_schema_does_not_know_fails_the_row_before_any_request(harness):
    harness.table("billing.invoice_lines", invoice_rows(harness.sandbox, 2))
    report = harness.sync(INVOICES_IN_ANY_ORDER.replace("description: memo", "colour: memo"))
    assert [f.match_value for f in report.failed] == ["RSYNC-INV-0", "RSYNC-INV-1"]
    assert "<create_invoice> has no element <colour>" in report.failed[0].error
    assert write_requests(report) == 0 and synced_invoices(harness.sandbox) == []


# How the gateway may refuse a controlid that already ran (uniqueid=true): no public source gives its answer.
REFUSALS = {
    "in words": {},
    "an unknown number without the words": {
        "duplicate_controlid_errorno": "BL01001973",
        "duplicate_controlid_text": "Could not create Invoice record!",
    },
    "the number alone": {"duplicate_controlid_errorno": "XL03000010", "duplicate_controlid_text": ""},
}
BY_INVOICE_NUMBER = "    match: {column: invoice_no, field: invoiceNumber}\n"


@pytest.mark.parametrize("refusal", REFUSALS)
@pytest.mark.parametrize("match_field", [False, True])
def test_a_refused_duplicate_controlid_counts_as_written_only_with_evidence(harness, refusal, match_field):
    """Every answer is lost after Intacct committed: the client resends the same controlid and the gateway
    refuses it. Recorded as written only when the refusal says so in words or the invoice is read back."""
    spec = INVOICES.replace("    match: {column: invoice_no}\n", BY_INVOICE_NUMBER) if match_field else INVOICES
    harness.sandbox.configure(lost_response_rate=1.0, **REFUSALS[refusal])
    harness.table("billing.invoice_lines", invoice_rows(harness.sandbox, 3))
    report = harness.sync(spec)
    harness.sandbox.configure(lost_response_rate=0)
    assert synced_invoices(harness.sandbox) == ["RSYNC-INV-0", "RSYNC-INV-1", "RSYNC-INV-2"]  # each once
    if refusal == "in words" or match_field:
        assert report.counts()["created"] == 3 and not report.failed
        keys = {r.match_value: r.intacct_key for r in report.results}
        expected = (
            {
                i["RECORDID"]: str(i["RECORDNO"])
                for i in harness.sandbox.records("ARINVOICE")
                if i["RECORDID"].startswith("RSYNC-")
            }
            if match_field
            else dict.fromkeys(keys)
        )
        assert keys == expected  # read back: the real keys
    else:
        assert report.counts()["created"] == 0 and len(report.failed) == 3
        assert "not recorded as written" in report.failed[0].error
        again = harness.sync(spec)  # the next run never posts a second invoice either
        assert len(again.failed) == 3 and synced_invoices(harness.sandbox) == [f"RSYNC-INV-{n}" for n in range(3)]


def test_a_run_that_dies_after_intacct_created_invoices_posts_none_twice(harness):
    """The worker dies once the create_invoice answer arrives, before anything is recorded."""
    harness.table("billing.invoice_lines", invoice_rows(harness.sandbox, 4))
    with harness.dying("response", b"<create_invoice>"), pytest.raises(RuntimeError, match="the worker died"):
        harness.sync(INVOICES)
    assert len(synced_invoices(harness.sandbox)) == 4
    report = harness.sync(INVOICES)
    assert report.counts()["created"] == 4 and not report.failed
    assert synced_invoices(harness.sandbox) == [f"RSYNC-INV-{n}" for n in range(4)]
    assert write_requests(harness.sync(INVOICES)) == 0
