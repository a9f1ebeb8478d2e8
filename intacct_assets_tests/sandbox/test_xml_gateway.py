"""XML gateway contract: status levels, sessions, reads, writes, transactions, uniqueid, hostile input."""

from __future__ import annotations

import uuid

import httpx
import pytest
from lxml import etree

from intacct_assets_tests.sandbox.helpers import call, fn, xml_post, xml_request


def errors(result: etree._Element) -> list[str]:
    return [e.findtext("errorno") for e in result.findall("errormessage/error")]


def test_response_envelope_and_content_type(sb):
    response = httpx.post(sb.xml_url, content=xml_request(sb, [fn("<getDdsObjects/>")]))
    # as a real gateway answers (hotgluexyz/tap-intacct VCR): clients decoding text by the charset need it
    assert response.headers["content-type"] == 'text/xml; encoding="UTF-8";charset=UTF-8'
    assert response.charset_encoding.lower() == "utf-8"
    root = etree.fromstring(response.content)
    assert root.tag == "response"
    assert [c.tag for c in root.find("control")] == ["status", "senderid", "controlid", "uniqueid", "dtdversion"]
    auth = root.find("operation/authentication")
    assert auth.findtext("status") == "success" and auth.findtext("sessiontimeout")
    result = root.find("operation/result")
    assert [c.tag for c in result][:3] == ["status", "function", "controlid"]


def test_control_failure_for_bad_sender_runs_nothing(sb):
    status, root = xml_post(sb, xml_request(sb, [fn("<getDdsObjects/>")], sender=("x", "y")))
    assert status == 200 and root.findtext("control/status") == "failure"
    assert root.find("operation") is None and root.findtext("errormessage/error/errorno") == "XL03000006"


def test_authentication_failure_level(sb):
    status, root = xml_post(sb, xml_request(sb, [fn("<getDdsObjects/>")], login=("u", "SANDBOX-CO", "bad")))
    assert root.findtext("control/status") == "success"
    assert root.findtext("operation/authentication/status") == "failure"
    assert root.find("operation/errormessage/error/errorno").text == "XL03000006"
    assert root.find("operation/result") is None


def test_function_failures_are_independent(sb):
    results = call(
        sb,
        fn("<read><object>NOPE</object><keys>1</keys></read>", "a"),
        fn("<readByName><object>CUSTOMER</object><keys>C00002</keys></readByName>", "b"),
    )
    assert [r.findtext("status") for r in results] == ["failure", "success"]
    assert [r.findtext("controlid") for r in results] == ["a", "b"]
    error = results[0].find("errormessage/error")
    assert [c.tag for c in error] == ["errorno", "description", "description2", "correction"]


def test_get_api_session_alone_then_use_session(sb):
    (result,) = call(sb, fn("<getAPISession/>"))
    session = result.findtext("data/api/sessionid")
    assert result.findtext("data/api/endpoint") == sb.xml_url
    results = call(sb, fn("<readByName><object>CUSTOMER</object><keys>C00002</keys></readByName>"), session=session)
    assert results[0].findtext("data/CUSTOMER/CUSTOMERID") == "C00002"
    mixed = call(sb, fn("<getAPISession/>", "s"), fn("<getDdsObjects/>", "o"))
    assert mixed[0].findtext("status") == "failure"
    # a dead session, as recorded from a real gateway: an authentication failure XL03000006, HTTP 200
    status, root = xml_post(sb, xml_request(sb, [fn("<getDdsObjects/>")], session="not-a-session"))
    assert status == 200 and root.findtext("operation/authentication/status") == "failure"
    assert root.findtext("operation/errormessage/error/errorno") == "XL03000006"
    assert root.find("operation/result") is None
    sb.configure(xml_session_expiry="control")  # the other form clients handle: HTTP 400 invalidRequest
    status, root = xml_post(sb, xml_request(sb, [fn("<getDdsObjects/>")], session="not-a-session"))
    assert status == 400 and root.findtext("errormessage/error/errorno") == "invalidRequest"


def test_sessions_die_after_the_timeout_each_answer_announces(fresh):
    fresh.configure(xml_session_timeout_seconds=120)
    (result,) = call(fresh, fn("<getAPISession/>"))
    session = result.findtext("data/api/sessionid")
    fresh.advance_clock(100)
    status, root = xml_post(fresh, xml_request(fresh, [fn("<getDdsObjects/>")], session=session))
    auth = root.find("operation/authentication")
    assert auth.findtext("status") == "success"
    assert auth.findtext("sessiontimeout") == "2026-11-01T06:03:40+00:00"  # slides: 120 s after this use
    fresh.advance_clock(121)
    status, root = xml_post(fresh, xml_request(fresh, [fn("<getDdsObjects/>")], session=session))
    assert root.findtext("operation/errormessage/error/errorno") == "XL03000006"


def test_read_by_query_pages_with_read_more(sb):
    (first,) = call(
        sb,
        fn(
            "<readByQuery><object>CUSTOMER</object><fields>RECORDNO,CUSTOMERID</fields>"
            "<query>STATUS = 'active'</query><pagesize>30</pagesize></readByQuery>"
        ),
    )
    data = first.find("data")
    assert data.get("listtype") == "customer" and data[0].tag == "customer"
    total = int(data.get("totalcount"))
    seen = [r.findtext("RECORDNO") for r in data]
    assert int(data.get("numremaining")) == total - 30
    result_id = data.get("resultId")
    while result_id:
        (more,) = call(sb, fn(f"<readMore><resultId>{result_id}</resultId></readMore>"))
        page = more.find("data")
        seen += [r.findtext("RECORDNO") for r in page]
        result_id = page.get("resultId")
    assert len(seen) == len(set(seen)) == total
    (too_big,) = call(
        sb,
        fn("<readByQuery><object>CUSTOMER</object><fields>*</fields><query/><pagesize>1001</pagesize></readByQuery>"),
    )
    assert too_big.findtext("status") == "failure"


def test_read_by_query_formats_and_db_codes(sb):
    (result,) = call(
        sb,
        fn(
            "<readByQuery><object>GLBATCH</object><fields>RECORDNO,BATCH_DATE,WHENMODIFIED,STATE</fields>"
            "<query>STATE = 'P' AND WHENMODIFIED &gt;= '01/01/2024 00:00:00'</query>"
            "<pagesize>5</pagesize></readByQuery>"
        ),
    )
    record = result.find("data/glbatch")
    assert record.findtext("STATE") == "Posted"
    assert len(record.findtext("BATCH_DATE")) == 10 and record.findtext("BATCH_DATE")[2] == "/"
    assert record.findtext("WHENMODIFIED")[2] == "/" and record.findtext("WHENMODIFIED")[10] == " "


@pytest.mark.parametrize(
    "query",
    [
        "CUSTOMERID = 'x'; DROP TABLE CUSTOMER",
        "CUSTOMERID = 'x' -- comment",
        "CUSTOMERID = 'x' OR 1=1",
        "CUSTOMERID = (SELECT 1)",
        "NAME = 'unterminated",
        "BOGUS = 'x'",
        "CUSTOMERID IN ()",
        "sleep(5)",
    ],
)
def test_read_by_query_refuses_unsupported_sql(sb, query):
    body = etree.Element("readByQuery")
    for tag, text in (("object", "CUSTOMER"), ("fields", "RECORDNO"), ("query", query), ("pagesize", "10")):
        etree.SubElement(body, tag).text = text
    function = etree.Element("function", controlid="q")
    function.append(body)
    (result,) = call(sb, function)
    assert result.findtext("status") == "failure"
    assert errors(result)[0] == "DL02000001"


def test_read_by_query_quotes_are_data_not_syntax(sb):
    (result,) = call(
        sb,
        fn(
            "<readByQuery><object>CUSTOMER</object><fields>RECORDNO</fields>"
            "<query>NAME = 'x'' OR ''1''=''1' OR NAME = 'O\\'Brien'</query></readByQuery>"
        ),
    )
    assert result.findtext("status") == "success" and result.find("data").get("count") == "0"


def test_query_function_uppercase_filters_order_offset(sb):
    body = (
        "<query><object>CUSTOMER</object><select><field>RECORDNO</field><field>CUSTOMERID</field>"
        "<field>DISPLAYCONTACT.EMAIL1</field></select><filter><and><equalto><field>STATUS</field>"
        "<value>active</value></equalto><in><field>CUSTOMERID</field><value>C00002</value><value>C00003</value>"
        "<value>C00005</value></in></and></filter><orderby><order><field>CUSTOMERID</field><descending/></order>"
        "</orderby><pagesize>2</pagesize><offset>{offset}</offset></query>"
    )
    (first,) = call(sb, fn(body.format(offset=0)))
    data = first.find("data")
    assert data.get("listtype") == "CUSTOMER" and data[0].tag == "CUSTOMER"
    assert data[0].find("DISPLAYCONTACT.EMAIL1") is not None
    total = int(data.get("totalcount"))
    assert data.get("offset") == "0" and int(data.get("numremaining")) == total - int(data.get("count"))
    ids = [r.findtext("CUSTOMERID") for r in data]
    assert ids == sorted(ids, reverse=True)
    (second,) = call(sb, fn(body.format(offset=2)))
    assert second.find("data").get("offset") == "2"
    (bad,) = call(
        sb,
        fn(
            "<query><object>CUSTOMER</object><select><field>RECORDNO</field></select>"
            "<filter><and><equalto><field>STATUS</field><value>x</value></equalto></and></filter></query>"
        ),
    )
    assert bad.findtext("status") == "failure"


def test_read_lookup_and_related_fields(sb):
    (read,) = call(sb, fn("<read><object>GLBATCH</object><keys>1,2</keys><fields>*</fields></read>"))
    batches = read.findall("data/GLBATCH")
    assert len(batches) == 2 and len(batches[0].findall("ENTRIES/GLENTRY")) >= 2
    (customer,) = call(sb, fn("<read><object>CUSTOMER</object><keys>1</keys><fields>*</fields></read>"))
    assert customer.find("data/CUSTOMER/DISPLAYCONTACT/MAILADDRESS/CITY") is not None
    (lookup,) = call(sb, fn("<lookup><object>GLACCOUNT</object></lookup>"))
    ids = [f.findtext("ID") for f in lookup.findall("data/Type/Fields/Field")]
    assert {"ACCOUNTNO", "TITLE", "NORMALBALANCE"} <= set(ids)
    (related,) = call(
        sb,
        fn(
            "<query><object>APBILL</object><select><field>RECORDNO</field><field>VENDOR.NAME</field>"
            "</select><pagesize>1</pagesize></query>"
        ),
    )
    assert related.findtext("data/APBILL/VENDOR.NAME")


def test_generic_create_update_delete(sb):
    a, b = f"X{uuid.uuid4().hex[:8]}", f"X{uuid.uuid4().hex[:8]}"
    (created,) = call(
        sb,
        fn(
            f"<create><CLASS><CLASSID>{a}</CLASSID><NAME>First</NAME></CLASS>"
            f"<VENDOR><VENDORID>{b}</VENDORID><NAME>V, Inc.</NAME>"
            "<DISPLAYCONTACT><EMAIL1>v@example.com</EMAIL1></DISPLAYCONTACT></VENDOR></create>"
        ),
    )
    data = created.find("data")
    assert data.get("listtype") == "objects" and data.get("count") == "2"
    assert [c.tag for c in data] == ["class", "vendor"] and data[0].findtext("CLASSID") == a
    assert sb.find("VENDOR", b)["DISPLAYCONTACT.EMAIL1"] == "v@example.com"
    (updated,) = call(sb, fn(f"<update><CLASS><CLASSID>{a}</CLASSID><NAME>Renamed</NAME></CLASS></update>"))
    assert updated.findtext("status") == "success" and sb.find("CLASS", a)["NAME"] == "Renamed"
    (missing,) = call(sb, fn("<update><CLASS><CLASSID>UT99</CLASSID><NAME>x</NAME></CLASS></update>"))
    assert "Cannot update non-existing CLASS with CLASSID=UT99." in missing.findtext("errormessage/error/description2")
    assert missing.find("data").get("count") == "0"
    key = sb.find("CLASS", a)["RECORDNO"]
    (deleted,) = call(sb, fn(f"<delete><object>CLASS</object><keys>{key}</keys></delete>"))
    assert deleted.findtext("status") == "success" and deleted.find("data") is None
    (again,) = call(sb, fn(f"<delete><object>CLASS</object><keys>{key}</keys></delete>"))
    assert "Cannot find class with key" in again.findtext("errormessage/error/description2")


def test_glbatch_balance_rule_and_entries_replacement(sb):
    entries = (
        "<ENTRIES><GLENTRY><ACCOUNTNO>6500</ACCOUNTNO><TR_TYPE>1</TR_TYPE><TRX_AMOUNT>1450.80</TRX_AMOUNT>"
        "</GLENTRY><GLENTRY><ACCOUNTNO>2080</ACCOUNTNO><TR_TYPE>-1</TR_TYPE><AMOUNT>{credit}</AMOUNT>"
        "</GLENTRY></ENTRIES>"
    )
    head = "<JOURNAL>GJ</JOURNAL><BATCH_DATE>03/31/2026</BATCH_DATE><BATCH_TITLE>Payroll accrual</BATCH_TITLE>"
    (bad,) = call(sb, fn(f"<create><GLBATCH>{head}{entries.format(credit='1000.00')}</GLBATCH></create>"))
    assert bad.findtext("status") == "failure" and "do not balance" in bad.findtext("errormessage/error/description2")
    (good,) = call(sb, fn(f"<create><GLBATCH>{head}{entries.format(credit='1450.80')}</GLBATCH></create>"))
    key = int(good.findtext("data/glbatch/RECORDNO"))
    assert [line["AMOUNT"] for line in sb.store.lines_of(sb.store.registry["GLBATCH"], key)] == ["1450.80"] * 2
    (replaced,) = call(
        sb,
        fn(
            f"<update><GLBATCH><RECORDNO>{key}</RECORDNO><ENTRIES>"
            "<GLENTRY><ACCOUNTNO>6500</ACCOUNTNO><TR_TYPE>1</TR_TYPE><TRX_AMOUNT>5</TRX_AMOUNT></GLENTRY>"
            "<GLENTRY><ACCOUNTNO>1000</ACCOUNTNO><TR_TYPE>1</TR_TYPE><TRX_AMOUNT>-5</TRX_AMOUNT></GLENTRY>"
            "</ENTRIES></GLBATCH></update>"
        ),
    )
    assert replaced.findtext("status") == "success"
    lines = sb.store.lines_of(sb.store.registry["GLBATCH"], key)
    assert [(line["TR_TYPE"], line["AMOUNT"]) for line in lines] == [(1, "5.00"), (-1, "5.00")]
    (one,) = call(
        sb,
        fn(
            f"<create><GLBATCH>{head}<ENTRIES><GLENTRY><ACCOUNTNO>6500</ACCOUNTNO><TR_TYPE>1</TR_TYPE>"
            "<TRX_AMOUNT>1</TRX_AMOUNT></GLENTRY></ENTRIES></GLBATCH></create>"
        ),
    )
    assert one.findtext("status") == "failure"


def test_legacy_functions_return_key(sb):
    date = "<year>2026</year><month>10</month><day>15</day>"
    (invoice,) = call(
        sb,
        fn(
            f"<create_invoice><customerid>C00002</customerid><datecreated>{date}</datecreated>"
            "<invoiceitems><lineitem><glaccountno>4000</glaccountno><amount>100.00</amount></lineitem>"
            "<lineitem><glaccountno>4100</glaccountno><amount>50.5</amount></lineitem></invoiceitems>"
            "</create_invoice>"
        ),
    )
    key = invoice.findtext("key")
    assert invoice.findtext("function") == "create_invoice" and sb.get("ARINVOICE", int(key))["TOTALDUE"] == "150.50"
    (payment,) = call(
        sb,
        fn(
            f"<create_arpayment><customerid>C00002</customerid><paymentamount>150.50</paymentamount>"
            f"<datereceived>{date}</datereceived><paymentmethod>EFT</paymentmethod>"
            f"<arpaymentitem><invoicekey>{key}</invoicekey><amount>150.50</amount></arpaymentitem>"
            "</create_arpayment>"
        ),
    )
    assert payment.findtext("key") and sb.get("ARINVOICE", int(key))["STATE"] == "Paid"
    (adjustment,) = call(
        sb,
        fn(
            f"<create_aradjustment><customerid>C00002</customerid><datecreated>{date}</datecreated>"
            "<aradjustmentitems><lineitem><glaccountno>4000</glaccountno><amount>-20</amount>"
            "</lineitem></aradjustmentitems></create_aradjustment>"
        ),
    )
    assert sb.get("ARADJUSTMENT", int(adjustment.findtext("key")))["TOTALENTERED"] == "-20.00"
    (gl,) = call(
        sb,
        fn(
            f"<create_gltransaction><journalid>GJ</journalid><datecreated>{date}</datecreated>"
            "<description>Legacy</description><gltransactionentries>"
            "<glentry><trtype>debit</trtype><amount>10</amount><glaccountno>6000</glaccountno></glentry>"
            "<glentry><trtype>credit</trtype><amount>10</amount><glaccountno>1000</glaccountno></glentry>"
            "</gltransactionentries></create_gltransaction>"
        ),
    )
    assert sb.get("GLBATCH", int(gl.findtext("key")))["BATCH_TITLE"] == "Legacy"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            "<create_invoice><datecreated>{date}</datecreated><customerid>C00002</customerid>{items}</create_invoice>",
            "<create_invoice> needs <customerid> before <datecreated>",
        ),
        (
            "<create_invoice><customerid>C00002</customerid><datecreated>{date}</datecreated>{items}"
            "<description>late</description></create_invoice>",
            "<description> is out of order",
        ),
        (
            "<create_invoice><customerid>C00002</customerid><datecreated>{date}</datecreated><invoiceitems><lineitem>"
            "<amount>1</amount><glaccountno>4000</glaccountno></lineitem></invoiceitems></create_invoice>",
            "<lineitem> needs <accountlabel>|<glaccountno> before <amount>",
        ),
        (
            "<create_invoice><customerid>C00002</customerid><datecreated>{date}</datecreated>{items}<color>red</color>"
            "</create_invoice>",
            "<create_invoice> has no element <color>",
        ),
        (
            "<create_invoice><customerid>C00002</customerid><datecreated>{date}</datecreated></create_invoice>",
            "<create_invoice> needs <invoiceitems>",
        ),
        (
            "<create_arpayment><customerid>C00002</customerid><paymentamount>1</paymentamount><arpaymentitem>"
            "<invoicekey>1</invoicekey><amount>1</amount></arpaymentitem><paymentmethod>EFT</paymentmethod>"
            "</create_arpayment>",
            "<paymentmethod> is out of order",
        ),
    ],
)
def test_a_legacy_create_out_of_schema_order_fails_the_whole_request(sb, body, reason):
    """The gateway validates requests against intacct/intacct_dtd v3.0/api.xsd before running any of them."""
    date = "<year>2026</year><month>10</month><day>15</day>"
    items = "<invoiceitems><lineitem><glaccountno>4000</glaccountno><amount>1</amount></lineitem></invoiceitems>"
    name = f"S{uuid.uuid4().hex[:8]}"
    status, root = xml_post(
        sb,
        xml_request(
            sb,
            [
                fn(f"<create><CLASS><CLASSID>{name}</CLASSID><NAME>first</NAME></CLASS></create>", "ok"),
                fn(body.format(date=date, items=items), "bad"),
            ],
        ),
    )
    assert status == 200 and root.findtext("control/status") == "failure" and root.find("operation") is None
    assert root.findtext("errormessage/error/errorno") == "XL03000003"
    assert reason in root.findtext("errormessage/error/description2")
    assert sb.find("CLASS", name) is None  # nothing in the request ran


def test_transaction_true_rolls_back_and_aborts_others(sb):
    name = f"T{uuid.uuid4().hex[:8]}"
    results = call(
        sb,
        fn(f"<create><CLASS><CLASSID>{name}</CLASSID><NAME>A</NAME></CLASS></create>", "1"),
        fn("<create><CLASS><NAME>no id</NAME></CLASS></create>", "2"),
        fn("<getDdsObjects/>", "3"),
        transaction=True,
    )
    assert [r.findtext("status") for r in results] == ["aborted", "failure", "aborted"]
    assert errors(results[0]) == ["XL03000009"] and errors(results[1])[-1] == "XL03000009"
    assert sb.find("CLASS", name) is None


def test_uniqueid_refuses_completed_controlid(sb):
    controlid = uuid.uuid4().hex
    name = f"U{uuid.uuid4().hex[:8]}"
    body = f"<create><CLASS><CLASSID>{name}</CLASSID><NAME>Once</NAME></CLASS></create>"
    (first,) = call(sb, fn(body, controlid), uniqueid=True)
    (second,) = call(sb, fn(body, controlid), uniqueid=True)
    assert first.findtext("status") == "success" and second.findtext("status") == "failure"
    assert errors(second) == ["XL03000010"]
    assert controlid in second.findtext("errormessage/error/description2")
    (plain,) = call(sb, fn("<getDdsObjects/>", controlid), uniqueid=False)
    assert plain.findtext("status") == "success"


def test_the_refusal_of_a_duplicate_controlid_is_a_knob(sb):
    """No public source gives the gateway's answer: its error number and wording are knobs."""
    sb.configure(duplicate_controlid_errorno="BL01001973", duplicate_controlid_text="")
    body = f"<create><CLASS><CLASSID>K{uuid.uuid4().hex[:8]}</CLASSID><NAME>Once</NAME></CLASS></create>"
    controlid = uuid.uuid4().hex
    call(sb, fn(body, controlid), uniqueid=True)
    (second,) = call(sb, fn(body, controlid), uniqueid=True)
    error = second.find("errormessage/error")
    assert (error.findtext("errorno"), error.findtext("description2")) == ("BL01001973", "")
    with pytest.raises(ValueError, match="duplicate_controlid_errorno"):
        sb.configure(duplicate_controlid_errorno=" ")


def test_audit_history_written_for_every_face(sb):
    name = f"A{uuid.uuid4().hex[:8]}"
    call(sb, fn(f"<create><CLASS><CLASSID>{name}</CLASSID><NAME>Audit</NAME></CLASS></create>"))
    key = sb.find("CLASS", name)["RECORDNO"]
    sb.update("CLASS", key, {"NAME": "Audit 2"})
    sb.delete("CLASS", key)
    (result,) = call(
        sb,
        fn(
            f"<readByQuery><object>AUDITHISTORY</object><fields>*</fields>"
            f"<query>OBJECTTYPE = 'class' AND OBJECTKEY = '{name}'</query></readByQuery>"
        ),
    )
    events = result.findall("data/audithistory")
    assert [r.findtext("ACCESSMODE") for r in events] == ["C", "M", "D"]  # the documented query codes
    assert {r.findtext("SOURCE") for r in events} == {"xml", "ui"}
    assert all(r.findtext("ID") and r.find("RECORDNO") is None for r in events)  # ID is its key, not RECORDNO
    (no_recordno,) = call(
        sb, fn("<query><object>AUDITHISTORY</object><select><field>RECORDNO</field></select></query>")
    )
    assert no_recordno.findtext("errormessage/error/errorno") == "DL02000001"
    sb.configure(audit_history_readable=False)
    (denied,) = call(sb, fn("<query><object>AUDITHISTORY</object><select><field>ID</field></select></query>"))
    assert "You do not have permission for API" in denied.findtext("errormessage/error/description2")


@pytest.mark.parametrize("form, expected", [("name", "{id}"), ("recordno", "{key}"), ("recordno--REC", "{key}--REC")])
def test_audit_history_object_key_forms(sb, form, expected):
    sb.configure(audit_object_key=form)
    name = f"K{uuid.uuid4().hex[:8]}"
    key = sb.create("CLASS", {"CLASSID": name, "NAME": "Keyed"})["RECORDNO"]
    (result,) = call(
        sb,
        fn(
            f"<query><object>AUDITHISTORY</object><select><field>OBJECTKEY</field></select>"
            f"<filter><equalto><field>OBJECTDESC</field><value>{name}--Keyed</value></equalto>"
            f"</filter></query>"
        ),
    )
    assert result.findtext("data/AUDITHISTORY/OBJECTKEY") == expected.format(id=name, key=key)


def test_dds_ddl_and_objects(sb):
    ddl, objects = call(sb, fn("<getDdsDdl><object>CUSTOMER</object></getDdsDdl>", "d"), fn("<getDdsObjects/>", "o"))
    text = ddl.findtext("data/ddl")
    assert text.startswith("create table CUSTOMER (RECORDNO integer, ")
    assert "ddsReadTime timestamp);" in text and "primary key(CUSTOMERID);" in text
    names = [o.text for o in objects.findall("data/ddsObjects/object")]
    assert {"GLENTRY", "GLACCOUNTBALANCE", "APRECORD", "CUSTOMER"} <= set(names)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<request><control><senderid>&lol3;</senderid></control></request>"""
EXTERNAL = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<request><control><senderid>&x;</senderid></control></request>"""


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL, b"<request><control>", b"", b"\xff\xfe<not xml"])
def test_hostile_or_malformed_xml_is_a_control_failure(sb, payload):
    status, root = xml_post(sb, payload)
    assert root.findtext("control/status") == "failure"
    assert root.findtext("errormessage/error/errorno") in ("XL03000003",)
    assert b"root:" not in etree.tostring(root) and b"lollol" not in etree.tostring(root)


def test_get_is_refused(sb):
    response = httpx.get(sb.xml_url)
    assert response.status_code == 405


@pytest.mark.parametrize(
    ("wording", "first"),
    [
        ("record", "Another record with the value {ident} already exists."),  # what production code matches
        ("object", "Another Class with the given value(s) {ident} already exists"),  # intacct-sdk-php 2016 fixture
    ],
)
def test_duplicate_create_reports_the_value_then_the_failed_create(sb, wording, first):
    sb.configure(duplicate_wording=wording)
    ident = f"D{uuid.uuid4().hex[:6]}"
    create = f"<create><CLASS><CLASSID>{ident}</CLASSID><NAME>Duplicate</NAME></CLASS></create>"
    assert call(sb, fn(create))[0].findtext("status") == "success"
    (result,) = call(sb, fn(create))
    assert result.findtext("status") == "failure" and errors(result) == ["BL34000061", "BL01001973"]
    texts = [e.findtext("description2") for e in result.findall("errormessage/error")]
    assert texts[0].startswith(first.format(ident=ident) + " [Support ID: ")
    assert texts[1] == "Could not create class record!"
    assert result.findtext("errormessage/error/correction") == "Use a unique value instead."


def test_values_and_filters_follow_the_users_date_format_and_time_zone(fresh):
    fresh.configure(xml_date_format=".dmY", xml_gmt_offset="-08:00")
    (prefs,) = call(fresh, fn(f"<readUserFormatting><userId>{fresh.settings.user_id}</userId></readUserFormatting>"))
    assert [prefs.findtext(f"data/userformatting/{tag}") for tag in ("dateformat", "gmtoffset", "clock")] == [
        ".dmY",
        "-08:00",
        "24",
    ]
    fresh.update("VENDOR", 4, {"NAME": "Stamped"})  # at 2026-11-01 06:00:00 UTC: 31 October 22:00 in UTC-8
    (page,) = call(
        fresh,
        fn(
            "<query><object>VENDOR</object><select><field>RECORDNO</field><field>WHENMODIFIED</field></select>"
            "<filter><greaterthanorequalto><field>WHENMODIFIED</field><value>31.10.2026 22:00:00</value>"
            "</greaterthanorequalto></filter></query>"
        ),
    )
    assert [(r.findtext("RECORDNO"), r.findtext("WHENMODIFIED")) for r in page.findall("data/VENDOR")] == [
        ("4", "31.10.2026 22:00:00")
    ]
    assert fresh.get("VENDOR", 4)["WHENMODIFIED"] == "2026-11-01T06:00:00Z"  # stored in UTC
