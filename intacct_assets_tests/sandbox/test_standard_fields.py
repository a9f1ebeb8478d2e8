"""The sandbox takes the fields real clients send, under the names they send them: standard fields it does
not emulate are stored as given, GLENTRY dimensions are written DEPARTMENT/LOCATION, AR/AP documents are
dated by WHENCREATED, REST bills need their createdDate, and REST has item, user, reporting period and AP
payment."""

from __future__ import annotations

import csv
import io
import uuid

import pytest

from intacct_assets.sandbox.ddl import ddl, dds_columns
from intacct_assets.sandbox.objects import REGISTRY
from intacct_assets_tests.sandbox.helpers import Rest, call, fn

BILLS = "/objects/accounts-payable/bill"


def errors(result) -> list[tuple[str, str]]:
    return [(e.findtext("errorno"), e.findtext("description2")) for e in result.findall("errormessage/error")]


def new_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8].upper()}"


@pytest.fixture
def item(sb) -> str:
    """Records of the test's own: other tests delete seeded ones from the shared sandbox."""
    return sb.create("ITEM", {"ITEMID": new_id("ITM-"), "NAME": "Test item"})["ITEMID"]


@pytest.fixture
def vendor(sb) -> str:
    return sb.create("VENDOR", {"VENDORID": new_id("V"), "NAME": "Test vendor"})["VENDORID"]


@pytest.fixture
def customer(sb) -> str:
    return sb.create("CUSTOMER", {"CUSTOMERID": new_id("C"), "NAME": "Test customer"})["CUSTOMERID"]


def test_standard_fields_are_stored_as_given_and_kept_out_of_dds(sb):
    ident = new_id("V")
    (created,) = call(
        sb,
        fn(
            f"<create><VENDOR><VENDORID>{ident}</VENDORID><NAME>Standard fields</NAME><VENDTYPE>Supplier</VENDTYPE>"
            "<DISPLAYCONTACT><PRINTAS>Ada L</PRINTAS><FIRSTNAME>Ada</FIRSTNAME><LASTNAME>Lovelace</LASTNAME>"
            "</DISPLAYCONTACT></VENDOR></create>"
        ),
    )
    assert created.findtext("status") == "success", errors(created)
    vendor = sb.find("VENDOR", ident)
    assert (vendor["VENDTYPE"], vendor["DISPLAYCONTACT.FIRSTNAME"], vendor["DISPLAYCONTACT.LASTNAME"]) == (
        "Supplier",
        "Ada",
        "Lovelace",
    )
    rest = Rest(sb).get(f"/objects/accounts-payable/vendor/{vendor['RECORDNO']}").json()["ia::result"]
    assert rest["contacts"]["default"]["firstName"] == "Ada"
    columns = [name for name, _ in dds_columns(REGISTRY["VENDOR"])]
    assert "VENDTYPE" not in columns and "VENDORID" in columns
    (unknown,) = call(
        sb,
        fn(
            f"<create><VENDOR><VENDORID>{new_id('V')}</VENDORID><NAME>N</NAME>"
            "<NOT_A_FIELD>1</NOT_A_FIELD></VENDOR></create>"
        ),
    )
    assert unknown.findtext("status") == "failure" and "NOT_A_FIELD" in errors(unknown)[0][1]


def test_journal_lines_are_written_with_department_and_location_and_read_with_their_ids(sb, item):
    """intacct-sdk-php JournalEntryLineCreate writes LOCATION and DEPARTMENT; reads (and DDS) show the IDs."""
    entry = (
        "<create><GLBATCH><JOURNAL>GJ</JOURNAL><BATCH_DATE>10/01/2026</BATCH_DATE><BATCH_TITLE>{title}</BATCH_TITLE>"
        "<SUPDOCID>ATT-7</SUPDOCID><ENTRIES>"
        "<GLENTRY><ACCOUNTNO>6500</ACCOUNTNO><TR_TYPE>1</TR_TYPE><TRX_AMOUNT>5</TRX_AMOUNT>{dimension}"
        "<ITEMID>{item}</ITEMID><BILLABLE>true</BILLABLE><ALLOCATION></ALLOCATION></GLENTRY>"
        "<GLENTRY><ACCOUNTNO>2000</ACCOUNTNO><TR_TYPE>-1</TR_TYPE><TRX_AMOUNT>5</TRX_AMOUNT></GLENTRY>"
        "</ENTRIES></GLBATCH></create>"
    )
    title = new_id("JE ")
    dimension = "<DEPARTMENT>020</DEPARTMENT><LOCATION>010</LOCATION>"
    (created,) = call(sb, fn(entry.format(title=title, dimension=dimension, item=item)))
    assert created.findtext("status") == "success", errors(created)
    key = int(created.findtext("data/glbatch/RECORDNO"))
    lines = [r for r in sb.records("GLENTRY") if r["BATCHNO"] == str(key)]
    assert (lines[0]["DEPARTMENTID"], lines[0]["LOCATIONID"], lines[0]["ITEMID"]) == ("020", "010", item)
    assert lines[0]["BILLABLE"] is True and sb.get("GLBATCH", key)["SUPDOCID"] == "ATT-7"
    (read,) = call(sb, fn(f"<read><object>GLBATCH</object><keys>{key}</keys><fields>*</fields></read>"))
    assert read.findtext("data/GLBATCH/ENTRIES/GLENTRY/DEPARTMENTID") == "020"
    for name in ("DEPARTMENTID", "LOCATIONID"):
        (refused,) = call(sb, fn(entry.format(title=new_id("JE "), dimension=f"<{name}>010</{name}>", item=item)))
        assert refused.findtext("status") == "failure"
        assert f"Unknown field {name} on GLENTRY; it is written as {name[:-2]}" in errors(refused)[0][1]
    (missing_item,) = call(sb, fn(entry.format(title=title, dimension="", item="NO-SUCH-ITEM")))
    assert "Invalid Item 'NO-SUCH-ITEM' specified." in errors(missing_item)[0][1]


def test_bill_lines_describe_themselves_in_entrydescription_not_memo(sb, vendor, customer):
    bill = (
        f"<create><APBILL><VENDORID>{vendor}</VENDORID><WHENCREATED>01/15/2025</WHENCREATED><APBILLITEMS>"
        "<APBILLITEM><ACCOUNTNO>6600</ACCOUNTNO><TRX_AMOUNT>12.5</TRX_AMOUNT><{tag}>Rent</{tag}>"
        f"<TOTALTRXAMOUNT>15</TOTALTRXAMOUNT><CUSTOMERID>{customer}</CUSTOMERID><BILLABLE>true</BILLABLE>"
        "</APBILLITEM></APBILLITEMS></APBILL></create>"
    )
    (created,) = call(sb, fn(bill.format(tag="ENTRYDESCRIPTION")))
    assert created.findtext("status") == "success", errors(created)
    key = created.findtext("data/apbill/RECORDNO")
    (line,) = [r for r in sb.records("APBILLITEM") if r["RECORDKEY"] == key]
    assert (line["ENTRYDESCRIPTION"], line["TOTALTRXAMOUNT"], line["CUSTOMERID"]) == ("Rent", "15.00", customer)
    (memo,) = call(sb, fn(bill.format(tag="MEMO")))
    assert memo.findtext("status") == "failure" and "Unknown field MEMO on APBILLITEM" in errors(memo)[0][1]


def test_whencreated_is_the_document_date_and_the_audit_time_is_auwhencreated(fresh):
    """On AR/AP documents WHENCREATED is the transaction date (the SDK's ARINVOICE list has both it and
    AUWHENCREATED); the posting date, its lines and the bill's period follow it."""
    (bill,) = call(
        fresh,
        fn(
            "<create><APBILL><VENDORID>V00002</VENDORID><WHENCREATED>1/15/2025</WHENCREATED><APBILLITEMS>"
            "<APBILLITEM><ACCOUNTNO>6600</ACCOUNTNO><TRX_AMOUNT>10</TRX_AMOUNT></APBILLITEM></APBILLITEMS>"
            "</APBILL></create>"
        ),
    )
    record = fresh.get("APBILL", int(bill.findtext("data/apbill/RECORDNO")))
    dates = (record["WHENCREATED"], record["WHENPOSTED"], record["WHENDUE"])
    assert dates == ("2025-01-15", "2025-01-15", "2025-02-14")
    assert record["AUWHENCREATED"] == "2026-11-01T06:00:00Z"
    (line,) = [r for r in fresh.records("APBILLITEM") if r["RECORDKEY"] == str(record["RECORDNO"])]
    assert (line["WHENCREATED"], line["ENTRY_DATE"], line["AUWHENCREATED"]) == (
        "2025-01-15",
        "2025-01-15",
        "2026-11-01T06:00:00Z",
    )
    (undated,) = call(
        fresh,
        fn(
            "<create><APBILL><VENDORID>V00002</VENDORID><APBILLITEMS><APBILLITEM>"
            "<ACCOUNTNO>6600</ACCOUNTNO><TRX_AMOUNT>10</TRX_AMOUNT></APBILLITEM></APBILLITEMS>"
            "</APBILL></create>"
        ),
    )
    assert undated.findtext("status") == "failure" and "WHENCREATED" in errors(undated)[0][1]
    day = "<year>2025</year><month>2</month><day>{}</day>"
    (invoice,) = call(
        fresh,
        fn(
            f"<create_invoice><customerid>C00002</customerid><datecreated>{day.format(3)}</datecreated>"
            f"<dateposted>{day.format(5)}</dateposted><invoiceitems><lineitem><glaccountno>4000</glaccountno>"
            "<amount>10</amount><memo>Consulting</memo></lineitem></invoiceitems></create_invoice>"
        ),
    )
    record = fresh.get("ARINVOICE", int(invoice.findtext("key")))
    assert (record["WHENCREATED"], record["WHENPOSTED"]) == ("2025-02-03", "2025-02-05")
    (line,) = [r for r in fresh.records("ARINVOICEITEM") if r["RECORDKEY"] == str(record["RECORDNO"])]
    assert line["ENTRYDESCRIPTION"] == "Consulting"


def test_dds_delivers_the_document_date_as_a_date_and_the_audit_time_beside_it(sb):
    types = dict(dds_columns(REGISTRY["APBILL"]))
    assert types["WHENCREATED"] == "date" and types["AUWHENCREATED"] == "timestamp"
    assert "WHENCREATED date" in ddl(REGISTRY, REGISTRY["ARINVOICEITEM"])
    (job,) = sb.deliver_dds(["APBILL"], "all", include_headers=True)
    text = sb.s3_client().get_object(Bucket=sb.bucket, Key=job["FILELIST"])["Body"].read().decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and all(len(r["WHENCREATED"]) == 10 and r["AUWHENCREATED"].endswith("Z") for r in rows)


def test_rest_bill_requires_its_created_date_and_takes_the_documented_fields(rest: Rest, item, vendor, customer):
    """developer.sage.com "Create a bill": createdDate is required; the rest is the mirrored request example."""
    line = {
        "glAccount": {"id": "6000"},
        "txnAmount": "5",
        "totalTxnAmount": "15.00",
        "memo": "bill line",
        "allocation": {"id": None},
        "project": {"isBillable": False},
        "dimensions": {
            "location": {"id": "010"},
            "department": {"id": "020"},
            "customer": {"id": customer},
            "item": {"id": item},
            "task": {"id": None},
            "costType": {"id": None},
        },
    }
    bill = {
        "billNumber": new_id("B-"),
        "vendor": {"id": vendor},
        "dueDate": "2026-03-08",
        "currency": {"baseCurrency": "USD", "txnCurrency": "USD"},
        "attachment": {"id": None},
        "lines": [line],
    }
    undated = rest.post(BILLS, bill)
    assert undated.status_code == 400
    detail = undated.json()["ia::result"]["ia::error"]["details"][0]
    assert detail["target"] == "/createdDate" and "createdDate" in detail["message"]
    created = rest.post(BILLS, {**bill, "createdDate": "2026-02-21"})
    assert created.status_code == 201, created.text
    read = rest.get(f"{BILLS}/{created.json()['ia::result']['key']}").json()["ia::result"]
    assert (read["createdDate"], read["postingDate"], read["currency"]["baseCurrency"]) == (
        "2026-02-21",
        "2026-02-21",
        "USD",
    )
    (read_line,) = read["lines"]
    assert read_line["dimensions"]["item"]["id"] == item and read_line["totalTxnAmount"] == "15.00"
    assert read_line["createdDate"] == "2026-02-21" and read_line["memo"] == "bill line"


@pytest.mark.parametrize(
    ("path", "id_field", "fields"),
    [
        ("inventory-control/item", "ITEMID", ["id", "name", "status", "itemType", "sales.basePrice"]),
        ("company-config/user", "LOGINID", ["id", "userName", "userType", "status", "contact.email1"]),
        ("general-ledger/reporting-period", "NAME", ["id", "startDate", "endDate", "columnHeader1", "status"]),
        ("accounts-payable/payment", None, ["id", "paymentDate", "paymentMethod", "txnCurrency.totalPaid"]),
    ],
)
def test_rest_serves_item_user_reporting_period_and_ap_payment(rest: Rest, path, id_field, fields):
    """Objects the mirrored OpenAPI dumps (dgaretz-oss/intacct-mcp docs/rest) list, with their field names."""
    page = rest.query({"object": path, "fields": ["key", *fields], "size": 5})
    assert page.status_code == 200, page.text
    rows = page.json()["ia::result"]
    assert len(rows) == 5 and all(row["id"] is not None for row in rows)
    one = rest.get(f"/objects/{path}/{rows[0]['key']}").json()["ia::result"]
    assert one["id"] == rows[0]["id"] and one["href"] == f"/objects/{path}/{rows[0]['key']}"
    if id_field:
        record = rest.sb.find(REGISTRY.by_rest[path].name, rows[0]["id"])
        assert record[id_field] == one["id"]


def test_rest_item_create_and_ap_payment_pays_its_bill(rest: Rest, vendor):
    item = {
        "id": new_id("ITM-"),
        "name": "REST item",
        "itemType": "inventory",
        "sales": {"basePrice": "1300"},
        "purchasing": {"standardCost": "1200"},
    }
    created = rest.post("/objects/inventory-control/item", item)
    assert created.status_code == 201, created.text
    stored = rest.sb.find("ITEM", item["id"])
    assert (stored["ITEMTYPE"], stored["BASEPRICE"], stored["STANDARD_COST"]) == ("Inventory", "1300.00", "1200.00")
    bill = rest.post(
        BILLS,
        {
            "vendor": {"id": vendor},
            "createdDate": "2026-02-01",
            "lines": [{"glAccount": {"id": "6000"}, "txnAmount": "80"}],
        },
    ).json()["ia::result"]
    payment = {
        "paymentDate": "2026-02-15",
        "paymentMethod": "creditCard",
        "vendor": {"id": vendor},
        "financialEntity": {"entityId": "BOA"},
        "details": [{"bill": {"key": bill["key"]}, "txnCurrency": {"paymentAmount": "80.00"}}],
    }
    paid = rest.post("/objects/accounts-payable/payment", payment)
    assert paid.status_code == 201, paid.text
    read = rest.get(f"/objects/accounts-payable/payment/{paid.json()['ia::result']['key']}").json()["ia::result"]
    assert (read["paymentDate"], read["txnDate"], read["txnCurrency"]["totalAmount"]) == (
        "2026-02-15",
        "2026-02-15",
        "80.00",
    )
    assert rest.get(f"{BILLS}/{bill['key']}").json()["ia::result"]["state"] == "paid"


def test_item_model_lists_its_item_types(rest: Rest):
    model = rest.get("/services/core/model", params={"name": "inventory-control/item"}).json()["ia::result"]
    assert "nonInventory" in model["fields"]["itemType"]["enum"]
    assert model["groups"]["sales"]["fields"]["basePrice"] == {"type": "string", "format": "decimal-precision-2"}
