"""``sageintacctsdk`` (the XML gateway library production syncs use) against the sandbox, called the way
fylein/fyle-intacct-api calls it: sign-in, paging, the SDK's default field lists, customer and vendor
create/read/update/delete, a bill and a journal entry with the payload shapes of its ``utils.py``."""

from __future__ import annotations

import pytest
from sageintacctsdk import SageIntacctSDK
from sageintacctsdk.apis.constants import dimensions_fields_mapping
from sageintacctsdk.exceptions import InvalidTokenError, WrongParamsError

from intacct_assets.sandbox import Sandbox
from intacct_assets_tests.conformance.libraries import PAGE_SIZE, unique


@pytest.fixture(scope="module")
def sdk(intacct: Sandbox) -> SageIntacctSDK:
    s = intacct.settings
    return SageIntacctSDK(
        sender_id=s.sender_id,
        sender_password=s.sender_password,
        user_id=s.user_id,
        company_id=s.company_id,
        user_password=s.user_password,
    )


def first_error(error: WrongParamsError) -> dict:
    return error.response["error"][0]


def test_sign_in_opens_a_session_the_calls_use(intacct: Sandbox, sdk: SageIntacctSDK):
    assert sdk.customers.count(None) == len(intacct.records("CUSTOMER"))
    s = intacct.settings
    with pytest.raises(InvalidTokenError):
        SageIntacctSDK(s.sender_id, s.sender_password, s.user_id, s.company_id, "wrong password")


def test_paging_reads_every_customer_once(sdk: SageIntacctSDK):
    total = sdk.customers.count(None)
    pages = list(sdk.customers.get_all_generator(fields=["RECORDNO", "CUSTOMERID"]))
    keys = [row["RECORDNO"] for page in pages for row in page]
    assert total > PAGE_SIZE and len(pages) == -(-total // PAGE_SIZE) >= 2
    assert len(keys) == len(set(keys)) == total


@pytest.mark.parametrize(
    "api",
    [
        "customers",
        "vendors",
        "accounts",
        "departments",
        "locations",
        "projects",
        "employees",
        "classes",
        "contacts",
        "items",
        "location_entities",
        "bills",
        "ar_invoices",
        "ar_invoice_items",
        "ar_payments",
        "journal_entries",
        "gl_detail",
    ],
)
def test_default_field_lists_of_real_tenants_are_readable(sdk: SageIntacctSDK, api: str):
    """``get_all`` selects the SDK's default field list for the object (dumped from real tenants)."""
    rows = [row for page in getattr(sdk, api).get_all_generator() for row in page]
    dimension = getattr(sdk, api)._ApiBase__dimension  # the object name; the SDK keeps it private
    assert rows and set(rows[0]) == set(dimensions_fields_mapping[dimension])


def test_employee_contact_fields_read_through_the_contact(intacct: Sandbox, sdk: SageIntacctSDK):
    fields = ["EMPLOYEEID", "CONTACT.EMAIL1", "CONTACT.CONTACTNAME"]
    employee = sdk.employees.get(field="EMPLOYEEID", value="EMP0001", fields=fields)["employee"]
    contact = intacct.find("CONTACT", intacct.find("EMPLOYEE", "EMP0001")["PERSONALINFO.CONTACTNAME"])
    assert employee["CONTACT.CONTACTNAME"] == contact["CONTACTNAME"] and employee["CONTACT.EMAIL1"] == contact["EMAIL1"]


def test_customer_create_read_update_delete(sdk: SageIntacctSDK):
    ident = unique("C")
    created = sdk.customers.post(
        {
            "CUSTOMERID": ident,
            "NAME": "Conformance, Inc.",
            "DISPLAYCONTACT": {"PRINTAS": "Conformance", "EMAIL1": "ar@example.com"},
        }
    )
    key = created["data"]["customer"]["RECORDNO"]
    assert created["data"]["customer"]["CUSTOMERID"] == ident
    sdk.customers.update({"CUSTOMERID": ident, "NAME": "Conformance, Ltd.", "DISPLAYCONTACT": {"PHONE2": "555"}})
    found = sdk.customers.get(field="CUSTOMERID", value=ident, fields=["RECORDNO", "NAME", "DISPLAYCONTACT.PHONE2"])
    assert found["customer"] == {"RECORDNO": key, "NAME": "Conformance, Ltd.", "DISPLAYCONTACT.PHONE2": "555"}
    sdk.customers.delete(key)
    assert sdk.customers.get(field="CUSTOMERID", value=ident)["@totalcount"] == "0"


def test_vendor_create_duplicate_recovery_update_delete(sdk: SageIntacctSDK):
    """fyle's ``post_vendor`` payload, then its duplicate recovery: it looks for 'Another record with the
    value' in the first error's description2 and finds the vendor by NAME."""
    ident, name = unique("V"), f"Conformance Vendor {unique('')}"
    payload = {
        "NAME": name,
        "VENDORID": ident,
        "DISPLAYCONTACT": {"PRINTAS": name, "EMAIL1": "ap@example.com", "FIRSTNAME": "Conformance", "LASTNAME": None},
    }
    created = sdk.vendors.post(payload)["data"]["vendor"]
    assert created["VENDORID"] == ident
    with pytest.raises(WrongParamsError) as duplicate:
        sdk.vendors.post(payload)
    assert "Another record with the value" in first_error(duplicate.value)["description2"]
    assert first_error(duplicate.value)["errorno"] == "BL34000061"
    found = sdk.vendors.get(field="NAME", value=name)
    assert found["@totalcount"] == "1" and found["VENDOR"][0]["DISPLAYCONTACT.FIRSTNAME"] == "Conformance"
    sdk.vendors.update({"RECORDNO": created["RECORDNO"], "STATUS": "inactive"})
    assert sdk.vendors.get(field="VENDORID", value=ident)["VENDOR"][0]["STATUS"] == "inactive"
    sdk.vendors.delete(created["RECORDNO"])
    assert sdk.vendors.get(field="VENDORID", value=ident)["@totalcount"] == "0"


def test_bill_lands_on_its_document_date(intacct: Sandbox, sdk: SageIntacctSDK):
    """fyle's ``__construct_bill`` (without tax entries and custom fields, which the sandbox does not
    emulate): WHENCREATED is the bill's date, and the GL posting date and lines follow it."""
    vendor = intacct.records("VENDOR")[0]["VENDORID"]
    item = intacct.records("ITEM")[0]["ITEMID"]
    line = {
        "ACCOUNTNO": "6700",
        "TRX_AMOUNT": 90.5,
        "TOTALTRXAMOUNT": 100.5,
        "ENTRYDESCRIPTION": "Taxi",
        "ALLOCATION": None,
        "LOCATIONID": "010",
        "DEPARTMENTID": "020",
        "PROJECTID": None,
        "CUSTOMERID": None,
        "ITEMID": item,
        "TASKID": None,
        "COSTTYPEID": None,
        "CLASSID": None,
        "BILLABLE": True,
    }
    bill = {
        "WHENCREATED": "3/5/2025",
        "VENDORID": vendor,
        "RECORDID": unique("E/"),
        "WHENDUE": "4/4/2025",
        "BASECURR": "USD",
        "SUPDOCID": None,
        "CURRENCY": "USD",
        "EXCH_RATE_TYPE_ID": None,
        "APBILLITEMS": {"APBILLITEM": [line]},
    }
    key = sdk.bills.post(bill)["data"]["apbill"]["RECORDNO"]
    sdk.bills.update_attachment(key, "ATT-1")
    read = sdk.bills.get(field="RECORDNO", value=key, fields=["WHENCREATED", "WHENPOSTED", "TOTALENTERED", "BASECURR"])[
        "apbill"
    ]
    assert read == {"WHENCREATED": "03/05/2025", "WHENPOSTED": "03/05/2025", "TOTALENTERED": "90.50", "BASECURR": "USD"}
    stored = intacct.get("APBILL", int(key))
    (stored_line,) = [i for i in intacct.records("APBILLITEM") if i["RECORDKEY"] == key]
    assert stored["SUPDOCID"] == "ATT-1" and stored["AUWHENCREATED"] > "2025-03-06"
    assert stored_line["WHENCREATED"] == "2025-03-05" and stored_line["ENTRYDESCRIPTION"] == "Taxi"
    assert stored_line["ITEMID"] == item and stored_line["BILLABLE"] is True


def test_journal_entry_with_the_line_names_sage_writes(intacct: Sandbox, sdk: SageIntacctSDK):
    """fyle's ``__construct_journal_entry`` (lower-case elements): lines name their department and location
    DEPARTMENT and LOCATION, as intacct-sdk-php JournalEntryLineCreate does; reads show them as …ID."""

    def line(account: str, tr_type: int, department: str | None) -> dict:
        return {
            "currency": "USD",
            "description": "Conformance",
            "allocation": None,
            "department": department,
            "location": "010",
            "projectid": None,
            "customerid": None,
            "vendorid": None,
            "employeeid": None,
            "classid": None,
            "itemid": None,
            "taskid": None,
            "costtypeid": None,
            "accountno": account,
            "amount": 25.0,
            "tr_type": tr_type,
            "billable": None,
        }

    title = unique("JE ")
    entry = {
        "recordno": None,
        "journal": "GJ",
        "batch_date": "3/5/2025",
        "batch_title": title,
        "supdocid": None,
        "entries": [{"glentry": [line("6700", 1, "020"), line("2000", -1, None)]}],
    }
    key = sdk.journal_entries.post(entry)["data"]["glbatch"]["RECORDNO"]
    lines = sdk.gl_detail.get(field="BATCHKEY", value=key, fields=["DEPARTMENTID", "LOCATIONID", "TR_TYPE"])
    assert sorted((r["TR_TYPE"], r["DEPARTMENTID"], r["LOCATIONID"]) for r in lines["gldetail"]) == [
        ("-1", None, "010"),
        ("1", "020", "010"),
    ]
    with pytest.raises(WrongParamsError) as refused:
        wrong = [{**line("6700", 1, None), "departmentid": "020"}, line("2000", -1, None)]
        sdk.journal_entries.post({**entry, "batch_title": unique("JE "), "entries": [{"glentry": wrong}]})
    assert "DEPARTMENTID" in first_error(refused.value)["description2"]
