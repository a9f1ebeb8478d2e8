"""The XML gateway side of the client: sessions, functions, status levels, idempotent writes, hostile XML."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from lxml import etree

from intacct_assets.intacct import (
    Compare,
    IntacctApiError,
    IntacctClient,
    IntacctSettings,
    IntacctXmlError,
    OutcomeUnknownError,
    UnexpectedAnswerError,
    xml_request,
)
from intacct_assets_tests.clients import ManualClock, client_env


def test_query_read_by_query_and_lookup(sb, make_client):
    client = make_client(sb)
    page = client.xml.query(
        "CUSTOMER",
        ["RECORDNO", "CUSTOMERID", "DISPLAYCONTACT.EMAIL1"],
        filter=Compare("lte", "RECORDNO", "10"),
        order_by=[("RECORDNO", "desc")],
        pagesize=3,
    )
    assert [r["RECORDNO"] for r in page.records] == ["10", "9", "8"] and page.total == 10 and page.remaining == 7
    assert set(page.records[0]) == {"RECORDNO", "CUSTOMERID", "DISPLAYCONTACT.EMAIL1"}
    pages = list(client.xml.read_by_query("VENDOR", fields="RECORDNO", where="RECORDNO <= 25", pagesize=10))
    assert [len(p.records) for p in pages] == [10, 10, 5] and pages[-1].remaining == 0
    assert {f["ID"] for f in client.xml.lookup("ITEM")} >= {"RECORDNO", "ITEMID", "WHENMODIFIED"}
    # 1 query + 1 readByQuery + 2 readMore; getAPISession and lookup are free
    assert sum(c.transactions for c in client.calls.since(0)) == sb.stats()["api_transactions"] == 4


def test_several_functions_in_one_transaction_roll_back_together(fresh_sandbox, make_client):
    client = make_client(fresh_sandbox)
    good = xml_request.function(
        xml_request.create([("CUSTOMER", {"NAME": "Rolled back", "DISPLAYCONTACT": {"PRINTAS": "RB"}})])
    )
    bad = xml_request.function(xml_request.create([("CUSTOMER", {"NOSUCHFIELD": "x"})]))
    results = client.xml.call([good, bad], transaction=True)
    assert [r.status for r in results] == ["aborted", "failure"]
    logged = client.calls.since(0)[-1]  # HTTP 200, but nothing was done: the call log says so
    assert logged.outcome == "failed" and "create (controlid" in logged.error
    assert any(e.errorno == "XL03000009" for e in results[0].errors)
    assert not [r for r in fresh_sandbox.records("CUSTOMER") if r["NAME"] == "Rolled back"]
    with pytest.raises(IntacctXmlError) as error:
        results[1].raise_for_status()
    assert error.value.level == "function" and error.value.function == "create"
    results = client.xml.call([good, bad])  # without a transaction the good one stands
    assert [r.status for r in results] == ["success", "failure"]
    assert client.calls.since(0)[-1].outcome == "partial"


def test_uniqueid_and_a_stable_controlid_make_a_lost_write_safe_to_resend(fresh_sandbox, make_client):
    fresh_sandbox.configure(lost_response_rate=1.0, lost_response_mode="close")
    client = make_client(fresh_sandbox)
    result = client.xml.create(
        [("CUSTOMER", {"NAME": "Once only", "DISPLAYCONTACT": {"PRINTAS": "O"}})],
        controlid="customer-row-7",
        uniqueid=True,
    )
    assert not result.ok and result.error().already_executed  # the first attempt ran; the resend was refused
    assert len([r for r in fresh_sandbox.records("CUSTOMER") if r["NAME"] == "Once only"]) == 1


def test_an_unkeyed_xml_write_with_a_lost_answer_is_not_resent(fresh_sandbox, make_client):
    fresh_sandbox.configure(lost_response_rate=1.0, lost_response_mode="524")
    client = make_client(fresh_sandbox)
    with pytest.raises(OutcomeUnknownError):
        client.xml.create([("CUSTOMER", {"NAME": "Maybe", "DISPLAYCONTACT": {"PRINTAS": "M"}})])
    assert len([r for r in fresh_sandbox.records("CUSTOMER") if r["NAME"] == "Maybe"]) == 1


@pytest.mark.parametrize("answer", ["authentication", "control"])
def test_a_session_that_died_is_reopened_once_and_the_request_sent_again(fresh_sandbox, make_client, answer):
    fresh_sandbox.configure(xml_session_expiry=answer)  # XL03000006 at the authentication level, or HTTP 400
    client = make_client(fresh_sandbox)
    client.xml.lookup("CUSTOMER")
    fresh_sandbox.advance_clock(6 * 3600 + 1)  # the gateway's clock: the client cannot know
    assert client.xml.query("CUSTOMER", ["RECORDNO"], pagesize=1).total > 0
    calls = client.calls.since(0)
    assert [c.operation for c in calls].count("getAPISession") == 2
    refused = [c for c in calls if c.outcome == "failed"]
    assert len(refused) == 1 and (
        "XL03000006" in refused[0].error if answer == "authentication" else refused[0].status == 400
    )


@pytest.mark.parametrize("login", [True, False])
def test_a_session_is_renewed_before_the_time_the_gateway_announced(fresh_sandbox, make_client, login):
    fresh_sandbox.configure(xml_session_timeout_seconds=600)
    clock = ManualClock()
    client = make_client(fresh_sandbox, clock=clock, **({} if login else {"INTACCT_USER_PASSWORD": ""}))
    client.xml.lookup("CUSTOMER")
    clock.now += 500  # still alive, and each answer pushes the timeout back
    client.xml.lookup("VENDOR")
    clock.now += 500
    client.xml.lookup("VENDOR")
    opened = "getAPISession" if login else "session"
    assert [c.operation for c in client.calls.since(0)].count(opened) == 1
    clock.now += 541  # within a minute of the announced timeout: a new session, no refused request
    client.xml.lookup("CLASS")
    calls = client.calls.since(0)
    assert [c.operation for c in calls].count(opened) == 2 and all(c.outcome == "ok" for c in calls)


def test_a_long_read_outlives_any_number_of_sessions(fresh_sandbox, make_client):
    def each_page_outlasts_the_session(response: httpx.Response) -> None:
        if b"<query>" in response.request.content:
            fresh_sandbox.advance_clock(fresh_sandbox.knobs.xml_session_timeout_seconds + 1)

    client = make_client(fresh_sandbox, http=httpx.Client(event_hooks={"response": [each_page_outlasts_the_session]}))
    pages = [
        client.xml.query("GLDETAIL", ["RECORDNO"], order_by=[("RECORDNO", "asc")], offset=offset, pagesize=100)
        for offset in range(0, 480, 100)
    ]
    assert sum(len(p.records) for p in pages) == len(fresh_sandbox.records("GLDETAIL"))


def test_a_session_is_opened_through_rest_without_a_user_password(sb, make_client):
    client = make_client(sb, INTACCT_USER_PASSWORD="")
    assert client.xml.query("VENDOR", ["RECORDNO"], pagesize=1).total > 0
    assert "session" in [c.operation for c in client.calls.since(0)]


def test_entity_sessions_scope_reads(sb, make_client):
    client = make_client(sb)
    top = client.xml.query("CUSTOMER", ["RECORDNO", "MEGAENTITYID"], pagesize=2000)
    uk = client.xml.query("CUSTOMER", ["RECORDNO", "MEGAENTITYID"], pagesize=2000, entity="E-UK")
    assert {r["MEGAENTITYID"] for r in uk.records} <= {"E-UK", None} and uk.total < top.total


def test_bad_login_is_an_authentication_failure_without_the_password(sb, make_client):
    client = make_client(sb, INTACCT_USER_PASSWORD="wrong-password-123")
    with pytest.raises(IntacctXmlError) as error:
        client.xml.lookup("CUSTOMER")
    assert error.value.level == "authentication" and "wrong-password-123" not in str(error.value)


def test_markup_and_quotes_in_values_travel_as_data(fresh_sandbox, make_client):
    client = make_client(fresh_sandbox)
    hostile = "</NAME><RECORDNO>1</RECORDNO> & <!ENTITY x SYSTEM 'file:///etc/passwd'> ]]> 'quoted' \"too\""
    created = (
        client.xml.create([("CUSTOMER", {"NAME": hostile, "DISPLAYCONTACT": {"PRINTAS": "x"}})])
        .raise_for_status()
        .records()[0]
    )
    stored = fresh_sandbox.get("CUSTOMER", int(created["RECORDNO"]))
    assert stored["NAME"] == hostile
    page = client.xml.query("CUSTOMER", ["NAME"], filter=Compare("eq", "NAME", hostile))
    assert [r["NAME"] for r in page.records] == [hostile]
    with pytest.raises(ValueError):  # an element name cannot smuggle markup either
        xml_request.record("CUSTOMER", {"NAME><x": "y"})


HOSTILE_BODIES = {
    "/xxe": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b"<response><control><status>success</status></control><operation><result><status>success</status>"
    b"<data>&xxe;</data></result></operation></response>",
    "/laughs": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    b"<response>&lol2;</response>",
    "/html": b"<html><head><title>502</title></head><body>error code: 502</body></html>",
}


@pytest.fixture
def hostile_server():
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = HOSTILE_BODIES[self.path]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("path", sorted(HOSTILE_BODIES))
def test_dtds_entities_and_html_in_answers_are_refused_not_expanded(sb, make_client, hostile_server, path):
    client = make_client(sb, INTACCT_XML_URL=hostile_server + path)
    with pytest.raises(IntacctApiError, match="not a gateway response") as error:
        client.xml.query("CUSTOMER", ["RECORDNO"])
    assert "root:" not in str(error.value)


def test_requests_are_built_with_escaped_values(sb):
    settings_env = client_env(sb)
    payload = xml_request.envelope(
        sender_id="s",
        sender_password="p<&>",
        auth=xml_request.Login("u", "c", "pw&<"),
        functions=[
            xml_request.function(xml_request.query("CUSTOMER", ["NAME"], filter=Compare("eq", "NAME", "a<b&c")))
        ],
    )
    root = etree.fromstring(payload)
    assert root.findtext("control/password") == "p<&>" and root.findtext(".//equalto/value") == "a<b&c"
    assert settings_env["INTACCT_SENDER_PASSWORD"] not in payload.decode()


def _gateway(data: str):
    """An XML gateway answering every function with ``data`` (sessions aside)."""

    def answer(request: httpx.Request) -> httpx.Response:
        text = request.content.decode()
        if "<getAPISession" in text:
            data_xml = "<api><sessionid>S123456</sessionid><endpoint>https://intacct.test/xml</endpoint></api>"
            function, payload = "getAPISession", f"<data>{data_xml}</data>"
        else:
            function, payload = "readByQuery", data
        return httpx.Response(
            200,
            content=(
                "<response><control><status>success</status></control><operation><authentication><status>success"
                f"</status></authentication><result><status>success</status><function>{function}</function>"
                f"<controlid>c</controlid>{payload}</result></operation></response>"
            ).encode(),
        )

    env = {
        "INTACCT_XML_URL": "https://intacct.test/xml",
        "INTACCT_SENDER_ID": "s",
        "INTACCT_SENDER_PASSWORD": "sp",
        "INTACCT_COMPANY_ID": "C",
        "INTACCT_USER_ID": "u",
        "INTACCT_USER_PASSWORD": "up",
        "INTACCT_API_SLOT_DIR": "off",
    }
    return IntacctClient(IntacctSettings.from_env(env), http=httpx.Client(transport=httpx.MockTransport(answer)))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            '<data listtype="item" count="1" numremaining="5" resultId="r1"><item><RECORDNO>1</RECORDNO></item></data>',
            "totalcount",
        ),  # a missing total would end the reading early
        ("", "without <data>"),  # a success with no data is not an empty set
        (
            '<data listtype="item" count="1" totalcount="6" numremaining="5" resultId="r1"><item><RECORDNO>1</RECORDNO>'
            "</item></data>",
            "no progress",
        ),  # readMore answering the same page again and again
    ],
)
def test_read_by_query_refuses_answers_it_cannot_trust(data, message):
    with pytest.raises(UnexpectedAnswerError, match=message):
        list(_gateway(data).xml.read_by_query("ITEM", fields="RECORDNO"))
