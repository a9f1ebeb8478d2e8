"""Records whose modified time is empty (the REST model declares ``audit.modifiedDateTime`` nullable) never
enter a modified-time window; they are read because the audit trail reports their creation, or by a key
reconciliation."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "asset, obj, key, form",
    [
        ("customer", "CUSTOMER", "key", "name"),
        ("vendor_xml", "VENDOR", "RECORDNO", "name"),
        ("vendor_xml", "VENDOR", "RECORDNO", "recordno"),
        ("vendor_xml", "VENDOR", "RECORDNO", "recordno--REC"),
    ],
)
def test_a_record_created_without_a_modified_time_is_read_from_its_creation_event(
    fresh_sandbox, syncer, xml_catalog, asset, obj, key, form
):
    fresh_sandbox.configure(audit_object_key=form)
    sync = syncer(fresh_sandbox, catalog=xml_catalog)
    sync.sync(asset)
    fresh_sandbox.configure(null_modified_rate=1.0)
    created = fresh_sandbox.create(obj, {"NAME": "Never modified", "DISPLAYCONTACT.PRINTAS": "NM"})
    assert created["WHENMODIFIED"] is None
    fresh_sandbox.advance_clock(60)
    report = sync.sync(asset).contexts[0]
    assert report.refetched == 1 and report.counts.inserted == 1
    row = sync.rows(asset)[str(created["RECORDNO"])]
    assert row["NAME" if key == "RECORDNO" else "name"] == "Never modified"
    assert row["WHENMODIFIED" if key == "RECORDNO" else "audit__modifiedDateTime"] is None
    # it is read once: the next run finds it in the table
    fresh_sandbox.advance_clock(60)
    assert sync.sync(asset).contexts[0].refetched == 0


def test_without_the_audit_trail_a_reconciliation_reads_them(fresh_sandbox, syncer):
    fresh_sandbox.configure(audit_history_readable=False)
    sync = syncer(fresh_sandbox, INTACCT_API_RECONCILE_HOURS="0")
    sync.sync("vendor")
    fresh_sandbox.configure(null_modified_rate=1.0)
    created = fresh_sandbox.create("VENDOR", {"NAME": "Quiet vendor"})
    fresh_sandbox.advance_clock(60)
    report = sync.sync("vendor").contexts[0]
    assert report.deletes == "reconcile" and report.refetched == 1
    assert sync.rows("vendor")[str(created["RECORDNO"])]["name"] == "Quiet vendor"
