"""Only queryable fields are queried: writeOnly fields are skipped, a field Intacct refuses is dropped and
remembered, and REST money (``decimal-precision-N`` strings) is typed as an exact decimal."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from intacct_assets.api_ingest.schema import rest_fields
from intacct_assets.intacct import IntacctApiError


def test_the_model_s_write_only_fields_are_skipped_deprecated_ones_kept_and_money_is_decimal():
    # the shape of a real tenant's invoice model (keboola/component-sage-intacct-extractor, 07_full_load_invoices)
    model = {
        "fields": {
            "key": {"type": "string", "readOnly": True},
            "action": {"type": "string", "enum": ["submit", "draft"], "writeOnly": True, "deprecated": True},
            "createAPBill": {"type": "boolean", "writeOnly": True},
            "documentId": {"type": "string", "deprecated": True},
            "totalTxnAmount": {"type": "string", "format": "decimal-precision-2", "readOnly": True},
            "exchangeRate": {"type": "string", "format": "decimal-precision-6"},
        }
    }
    kinds = {f.source: f.type for f in rest_fields(model)}
    assert kinds == {"key": "string", "documentId": "string", "totalTxnAmount": "decimal", "exchangeRate": "decimal"}


def test_invoices_sync_without_a_refused_query_and_their_money_lands_as_decimals(sb, syncer):
    sync = syncer(sb)
    report = sync.sync("invoice")
    assert not [c for c in report.calls if c.status == 400] and not report.contexts[0].warnings
    invoice = next(iter(sync.rows("invoice").values()))
    assert "action" not in invoice and "createAPBill" not in invoice
    stored = sb.get("ARINVOICE", int(invoice["key"]))
    assert isinstance(invoice["totalTxnAmount"], Decimal)
    assert invoice["totalTxnAmount"] == Decimal(stored["TRX_TOTALENTERED"])
    column = sync.query(
        "SELECT data_type FROM information_schema.columns WHERE table_schema = 'api' AND "
        "table_name = 'invoice' AND column_name = 'totalTxnAmount'"
    )
    assert column == [("DECIMAL(38,10)",)]


def test_a_field_refused_in_a_query_is_dropped_remembered_and_the_page_read_again(fresh_sandbox, syncer):
    fresh_sandbox.configure(unqueryable_fields="CUSTOMER.TAXID")  # refused, although the model does not say so
    sync = syncer(fresh_sandbox)
    first = sync.sync("customer")
    context = first.contexts[0]
    assert context.fetched == 100 and len(sync.rows("customer")) == 100
    assert [w for w in context.warnings if "taxId" in w]
    refused = [c for c in first.calls if c.status == 400]  # the first and the last page were in flight together
    assert 1 <= len(refused) <= 2 and all("REST-1106" in c.error for c in refused)
    (state,) = sync.query(
        "SELECT refused_fields, fields_json FROM intacct_meta.api_sync_state WHERE asset = 'customer'"
    )
    assert json.loads(state[0]) == ["taxId"]
    assert "taxId" not in {f["source"] for f in json.loads(state[1])}
    fresh_sandbox.update("CUSTOMER", 4, {"NAME": "Still readable"})
    fresh_sandbox.advance_clock(60)
    later = sync.sync("customer", full_refresh=True)  # the model is read again: the field stays out
    assert not [c for c in later.calls if c.status == 400] and not later.contexts[0].warnings
    assert sync.rows("customer")["4"]["name"] == "Still readable"


def test_an_xml_field_refused_in_a_query_is_dropped_too(fresh_sandbox, syncer):
    fresh_sandbox.configure(unqueryable_fields="GLDETAIL.DESCRIPTION")
    sync = syncer(fresh_sandbox)
    report = sync.sync("gl_detail")  # read through the XML gateway
    assert report.contexts[0].fetched == len(fresh_sandbox.records("GLDETAIL"))
    assert [w for w in report.contexts[0].warnings if "DESCRIPTION" in w]
    assert all(row.get("DESCRIPTION") is None and row["ACCOUNTNO"] for row in sync.rows("gl_detail").values())


def test_a_refused_field_that_the_read_sorts_on_is_not_dropped_but_an_error(fresh_sandbox, syncer):
    fresh_sandbox.configure(unqueryable_fields="CUSTOMER.RECORDNO")
    with pytest.raises(IntacctApiError, match="REST-1106"):
        syncer(fresh_sandbox).sync("customer")
