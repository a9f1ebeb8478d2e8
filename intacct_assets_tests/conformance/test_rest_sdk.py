"""``sageintacctrestsdk`` (the REST library production syncs use) against the sandbox, called the way
fylein/fyle-intacct-api calls it (``connector.py``, ``exports/*.py``): sign-in, the REST→XML session bridge,
paging, its field lists and count filters, the dimensions list, customer and vendor create/read/update/
delete, a bill and a journal entry."""

from __future__ import annotations

import pytest
from intacctsdk import IntacctRESTSDK
from intacctsdk.exceptions import BadRequestError
from sageintacctsdk import SageIntacctSDK

from intacct_assets.sandbox import Sandbox
from intacct_assets_tests.conformance.libraries import PAGE_SIZE, unique

ACTIVE = [{"$eq": {"status": "active"}}]  # fyle's count_filter and first-sync filter


@pytest.fixture(scope="module")
def sdk(intacct: Sandbox) -> IntacctRESTSDK:
    s = intacct.settings
    return IntacctRESTSDK(username=f"{s.user_id}@{s.company_id}", client_id=s.client_id, client_secret=s.client_secret)


def test_sign_in_and_the_session_bridge_to_the_xml_gateway(intacct: Sandbox, sdk: IntacctRESTSDK):
    assert sdk.access_token and sdk.refresh_token and sdk.access_token_expires_in == 43200
    session = sdk.sessions.get_session_id()
    s = intacct.settings
    xml = SageIntacctSDK(s.sender_id, s.sender_password, s.user_id, s.company_id, None, session_id=session["sessionId"])
    assert xml.customers.count(None) == sdk.customers.count()
    with pytest.raises(BadRequestError):
        IntacctRESTSDK(username=f"{s.user_id}@{s.company_id}", client_id=s.client_id, client_secret="wrong")


def test_paging_reads_every_active_customer_once(intacct: Sandbox, sdk: IntacctRESTSDK):
    active = sdk.customers.count(filters=ACTIVE)
    pages = list(sdk.customers.get_all_generator(fields=["id", "name", "status"], filters=ACTIVE))
    ids = [row["id"] for page in pages for row in page]
    assert active > PAGE_SIZE and len(pages) == 2 and len(ids) == len(set(ids)) == active
    assert active == sum(1 for r in intacct.records("CUSTOMER") if r["STATUS"] == "active")


@pytest.mark.parametrize(
    ("api", "fields"),
    [
        ("accounts", ["id", "name", "accountType", "status"]),
        ("departments", ["id", "name", "status"]),
        ("locations", ["id", "name", "status"]),
        ("classes", ["id", "name", "status"]),
        ("customers", ["id", "name", "status"]),
        ("vendors", ["id", "name", "status", "contacts.default.email1"]),
        (
            "projects",
            [
                "id",
                "name",
                "status",
                "customer.id",
                "customer.name",
                "isBillableEmployeeExpense",
                "isBillablePurchasingAPExpense",
            ],
        ),
        (
            "employees",
            ["id", "name", "status", "primaryContact.email1", "primaryContact.printAs", "department.id", "location.id"],
        ),
        ("items", ["id", "name", "status", "itemType"]),
        ("location_entities", ["id", "name"]),
        ("users", ["id", "userName", "status"]),
        ("reporting_periods", ["id", "startDate", "endDate"]),
        ("ap_payments", ["id", "paymentDate", "state"]),
    ],
)
def test_field_lists_production_syncs_ask_for(sdk: IntacctRESTSDK, api: str, fields: list[str]):
    """The fields fyle's connector.py selects, filtered like its first sync and counted like it."""
    filters = [] if api == "ap_payments" else ACTIVE
    rows = [row for page in getattr(sdk, api).get_all_generator(fields=fields, filters=filters) for row in page]
    assert rows and set(rows[0]) == set(fields)
    assert getattr(sdk, api).count(filters=filters) == len(rows)
    one = getattr(sdk, api).get_by_key(rows[0].get("key") or _key_of(sdk, api, rows[0]["id"]))["ia::result"]
    assert one["id"] == rows[0]["id"]


def _key_of(sdk: IntacctRESTSDK, api: str, ident: str) -> str:
    (page,) = getattr(sdk, api).get_all_generator(fields=["key"], filters=[{"$eq": {"id": ident}}])
    return page[0]["key"]


def test_dimensions_list_as_every_sync_reads_it(sdk: IntacctRESTSDK):
    dimensions = sdk.dimensions.list()
    assert {"DEPARTMENT", "LOCATION", "CLASS", "ITEM"} <= {d["dimensionName"] for d in dimensions}
    user_defined = [d for d in dimensions if d["isUserDefinedDimension"]]
    assert user_defined == [] and all(d["dimensionEndpoint"].startswith("/objects/") for d in dimensions)


def test_customer_create_read_update_delete(sdk: IntacctRESTSDK):
    ident = unique("C")
    created = sdk.customers.post(
        {
            "id": ident,
            "name": "REST Conformance",
            "contacts": {"default": {"printAs": "REST Conformance", "email1": "ar@example.com"}},
        }
    )["ia::result"]
    assert created["id"] == ident
    sdk.customers.update(created["key"], {"name": "REST Conformance, renamed", "status": "inactive"})
    read = sdk.customers.get_by_key(created["key"])["ia::result"]
    assert (read["name"], read["status"], read["contacts"]["default"]["email1"]) == (
        "REST Conformance, renamed",
        "inactive",
        "ar@example.com",
    )
    assert sdk.customers.delete(created["key"]) is None  # 204
    with pytest.raises(BadRequestError):
        sdk.customers.get_by_key(created["key"])


def test_vendor_create_duplicate_recovery_update_delete(sdk: IntacctRESTSDK):
    """fyle's ``create_vendor`` payload, then its duplicate recovery: 'Another record with the value' in the
    error details, then a lookup by name ordered by modification time."""
    ident, name = unique("V"), f"REST Vendor {unique('')}"
    payload = {
        "id": ident,
        "name": name,
        "contacts": {"default": {"printAs": name, "email1": "ap@example.com", "firstName": "REST", "lastName": None}},
    }
    key = sdk.vendors.post(payload)["ia::result"]["key"]
    with pytest.raises(BadRequestError) as duplicate:
        sdk.vendors.post(payload)
    assert "Another record with the value" in duplicate.value.response
    (page,) = sdk.vendors.get_all_generator(
        fields=["id", "name", "status", "contacts.default.email1"],
        filters=[{"$eq": {"name": name}}, *ACTIVE],
        order_by=[{"audit.modifiedDateTime": "desc"}],
    )
    assert [row["id"] for row in page] == [ident]
    assert sdk.vendors.get_by_key(key)["ia::result"]["contacts"]["default"]["firstName"] == "REST"
    sdk.vendors.update(key, {"status": "inactive"})
    assert sdk.vendors.get_by_key(key)["ia::result"]["status"] == "inactive"
    sdk.vendors.delete(key)
    assert sdk.vendors.count(filters=[{"$eq": {"id": ident}}]) == 0


def test_bill_needs_its_created_date_and_keeps_it(intacct: Sandbox, sdk: IntacctRESTSDK):
    """fyle's ``construct_bill_payload`` (without tax entries, which the sandbox does not emulate)."""
    vendor = intacct.records("VENDOR")[0]["VENDORID"]
    item = intacct.records("ITEM")[0]["ITEMID"]
    line = {
        "glAccount": {"id": "6700"},
        "txnAmount": "90.50",
        "totalTxnAmount": "100.5",
        "memo": "Taxi",
        "allocation": {"id": None},
        "dimensions": {
            "location": {"id": "010"},
            "department": {"id": None},
            "project": {"id": None},
            "customer": {"id": None},
            "item": {"id": item},
            "task": {"id": None},
            "costType": {"id": None},
            "class": {"id": None},
        },
        "project": {"isBillable": False},
    }
    bill = {
        "vendor": {"id": vendor},
        "billNumber": unique("E/"),
        "dueDate": "2025-04-04",
        "currency": {"baseCurrency": "USD", "txnCurrency": "USD"},
        "attachment": {"id": None},
        "lines": [line],
    }
    with pytest.raises(BadRequestError) as undated:
        sdk.bills.post(bill)
    assert "createdDate" in undated.value.response
    key = sdk.bills.post({**bill, "createdDate": "2025-03-05"})["ia::result"]["key"]
    sdk.bills.update_attachment(key, "ATT-2")
    read = sdk.bills.get_by_key(key)["ia::result"]
    assert (read["createdDate"], read["postingDate"], read["totalTxnAmount"], read["attachment"]["id"]) == (
        "2025-03-05",
        "2025-03-05",
        "90.50",
        "ATT-2",
    )
    assert read["lines"][0]["dimensions"]["item"]["id"] == item and read["lines"][0]["memo"] == "Taxi"
    assert intacct.get("APBILL", int(key))["WHENCREATED"] == "2025-03-05"


def test_journal_entry_with_null_dimensions_and_attachment(intacct: Sandbox, sdk: IntacctRESTSDK):
    """fyle's ``construct_journal_entry_payload``: every unset dimension as ``{"id": None}``."""

    def line(kind: str, account: str, department: str | None) -> dict:
        dimensions = {
            name: {"id": None}
            for name in (
                "department",
                "location",
                "project",
                "customer",
                "vendor",
                "employee",
                "item",
                "class",
                "task",
                "costType",
            )
        }
        dimensions["department"] = {"id": department}
        return {
            "txnType": kind,
            "txnAmount": "25.00",
            "isBillable": None,
            "description": "REST JE",
            "glAccount": {"id": account},
            "allocation": {"id": None},
            "dimensions": dimensions,
        }

    entry = {
        "glJournal": {"id": "GJ"},
        "postingDate": "2025-03-05",
        "description": unique("JE "),
        "attachment": {"id": None},
        "lines": [line("debit", "6700", "020"), line("credit", "2000", None)],
    }
    key = sdk.journal_entries.post(entry)["ia::result"]["key"]
    read = sdk.journal_entries.get_by_key(key)["ia::result"]
    assert [(ln["txnType"], ln["dimensions"]["department"]["id"]) for ln in read["lines"]] == [
        ("debit", "020"),
        ("credit", None),
    ]
    lines = [r for r in intacct.records("GLENTRY") if r["BATCHNO"] == key]
    assert sorted(r["DEPARTMENTID"] or "" for r in lines) == ["", "020"]
    unbalanced = {**entry, "lines": [line("debit", "6700", None)]}
    with pytest.raises(BadRequestError):
        sdk.journal_entries.post(unbalanced)
