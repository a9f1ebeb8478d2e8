"""Deletes from the audit trail: REST objects read ``company-config/audit-history``, XML objects ``AUDITHISTORY``
by its ``ID`` (it has no RECORDNO); ``OBJECTKEY`` is matched on each object's unique name field, whichever
form Intacct gives it."""

from __future__ import annotations

import pytest

from intacct_assets.catalog import load_catalog
from intacct_assets.sandbox.objects import REGISTRY


def test_the_catalog_names_each_object_by_the_field_intacct_keys_it_on():
    for obj in load_catalog().api_objects():
        defn = REGISTRY.get(obj.name)
        if defn is not None and not defn.owner and not defn.is_view:
            assert obj.unique_name == (defn.id_field or "RECORDNO"), obj.name


@pytest.mark.parametrize("form", ["name", "recordno", "recordno--REC"])
@pytest.mark.parametrize("asset, obj", [("customer", "CUSTOMER"), ("vendor_xml", "VENDOR")])
def test_a_deleted_record_is_flagged_whatever_form_its_object_key_takes(
    fresh_sandbox, syncer, xml_catalog, asset, obj, form
):
    fresh_sandbox.configure(audit_object_key=form)
    sync = syncer(fresh_sandbox, catalog=xml_catalog)
    key = "key" if asset == "customer" else "RECORDNO"
    # a record whose ID is the record number of another live record: only the named one may go
    bystander = 12
    named = fresh_sandbox.create(
        obj, {f"{obj}ID": str(bystander), "NAME": "Twelve Ltd", "DISPLAYCONTACT.PRINTAS": "Twelve"}
    )
    sync.sync(asset)
    fresh_sandbox.delete(obj, named["RECORDNO"])
    fresh_sandbox.advance_clock(60)
    report = sync.sync(asset).contexts[0]
    assert report.deletes == "audit_history" and report.delete_events == 1 and report.unmatched_delete_events == 0
    assert report.counts.deleted == 1
    live = {str(row[key]) for row in sync.rows(asset).values()}
    assert str(named["RECORDNO"]) not in live and str(bystander) in live


@pytest.mark.parametrize("form", ["name", "recordno"])
def test_a_bare_number_takes_only_the_record_intacct_no_longer_has(fresh_sandbox, syncer, xml_catalog, form):
    fresh_sandbox.configure(audit_object_key=form)
    sync = syncer(fresh_sandbox, catalog=xml_catalog)
    twelve = fresh_sandbox.get("VENDOR", 12)  # "12" is this record's number...
    named = fresh_sandbox.create("VENDOR", {"VENDORID": "12", "NAME": "Twelve Ltd"})  # ...and this one's name
    victim = twelve if form == "recordno" else named
    sync.sync("vendor_xml")
    fresh_sandbox.delete("VENDOR", victim["RECORDNO"])
    fresh_sandbox.advance_clock(60)
    report = sync.sync("vendor_xml")
    assert report.total("deleted") == 1
    live = set(sync.rows("vendor_xml"))
    assert str(victim["RECORDNO"]) not in live
    assert {"12", str(named["RECORDNO"])} - {str(victim["RECORDNO"])} <= live
    # the ambiguous event cost one more query: which of the two Intacct still has
    assert [c.operation for c in report.calls].count("query VENDOR") == 2


def test_rest_objects_read_the_rest_audit_trail_and_xml_objects_audithistory_by_id(fresh_sandbox, syncer, xml_catalog):
    sync = syncer(fresh_sandbox, catalog=xml_catalog)
    sync.sync("customer")
    sync.sync("vendor_xml")
    fresh_sandbox.delete("CUSTOMER", 7)
    fresh_sandbox.delete("VENDOR", 7)
    fresh_sandbox.advance_clock(60)
    rest = sync.sync("customer")
    assert [c.operation for c in rest.calls if "audit" in c.operation.lower()] == ["query company-config/audit-history"]
    xml = sync.sync("vendor_xml")
    audit_calls = [c for c in xml.calls if "AUDITHISTORY" in c.operation]
    assert audit_calls and all(c.face == "xml" and c.outcome == "ok" for c in audit_calls)
    assert "<field>ID</field>" in audit_calls[0].excerpt and "RECORDNO" not in audit_calls[0].excerpt
    assert "7" not in sync.rows("customer") and 7 not in sync.rows("vendor_xml") and "7" not in sync.rows("vendor_xml")
    # each read cost one transaction: the window's page and the audit trail's
    assert rest.transactions == xml.transactions == 2
