"""Captured traffic (INTACCT_CAPTURE_DIR): every exchange in the documented format, and no credential in it."""

from __future__ import annotations

import html
import json
import logging
import re
from pathlib import Path

import httpx
import pytest

from intacct_assets.intacct import IntacctClient, IntacctError, IntacctSettings, Query, capture

CUSTOMER = "accounts-receivable/customer"
UNUSUAL_NAME = 'Zoë "Zeb" Quartermaine & Søn <Ltd>'  # escaped differently by JSON and XML


def capture_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.jsonl"))


def only_capture(folder: Path) -> tuple[dict, list[dict]]:
    (path,) = capture_files(folder)
    return capture.read(path)


def test_every_exchange_is_appended_in_the_documented_format(fresh_sandbox, make_client, tmp_path):
    client = make_client(fresh_sandbox, INTACCT_CAPTURE_DIR=str(tmp_path / "captures"))
    client.rest.query(Query(CUSTOMER, ("key", "name"), size=2))
    client.xml.query("CUSTOMER", ["RECORDNO", "NAME"], pagesize=2)
    created = client.rest.create(CUSTOMER, [{"id": "CAP-1", "name": "Captured"}, {"name": "no id", "bogus": 1}])
    fresh_sandbox.configure(error_rate=1.0, error_statuses=(503,))
    with pytest.raises(IntacctError):
        client.rest.query(Query(CUSTOMER, ("key",), size=1))

    header, exchanges = only_capture(tmp_path / "captures")
    assert header["format"] == "intacct-capture" and header["version"] == 1 and header["masked_fields"] == []
    assert [e["seq"] for e in exchanges] == list(range(1, len(exchanges) + 1))
    operations = [e["operation"] for e in exchanges]
    assert operations[:5] == [
        "token client_credentials",
        "query accounts-receivable/customer",
        "getAPISession",
        "query CUSTOMER",
        "create accounts-receivable/customer",
    ]
    query = exchanges[1]
    assert query["face"] == "rest" and query["attempt"] == 1 and query["duration_ms"] > 0
    assert query["started_at"].endswith("Z") and query["request"]["method"] == "POST"
    assert query["request"]["url"] == f"{fresh_sandbox.rest_url}/services/core/query"
    assert json.loads(query["request"]["body"])["fields"] == ["key", "name"]
    assert query["response"]["status"] == 200 and len(json.loads(query["response"]["body"])["ia::result"]) == 2
    assert ["content-type", "application/json"] in query["response"]["headers"]
    assert "<NAME>" in exchanges[3]["response"]["body"]
    assert exchanges[4]["response"]["status"] == 207 and not created.ok
    throttled = exchanges[5:]  # every attempt of the failing query, the last one too
    assert [e["attempt"] for e in throttled] == list(range(1, 9))
    assert {e["response"]["status"] for e in throttled} == {503}


def test_a_request_that_got_no_answer_is_captured_with_its_error(fresh_sandbox, make_client, tmp_path):
    client = make_client(fresh_sandbox, INTACCT_CAPTURE_DIR=str(tmp_path), INTACCT_API_MAX_ATTEMPTS="1")
    fresh_sandbox.configure(lost_response_rate=1.0)
    with pytest.raises(IntacctError):
        client.rest.create(CUSTOMER, [{"id": "LOST-1", "name": "Lost"}])
    _, exchanges = only_capture(tmp_path)
    lost = exchanges[-1]
    assert lost["response"] is None and lost["error"].startswith("RemoteProtocolError")
    assert json.loads(lost["request"]["body"]) == [{"id": "LOST-1", "name": "Lost"}]


def test_a_capture_holds_no_credential_token_session_or_masked_value(fresh_sandbox, make_client, tmp_path):
    issued: list[str] = []

    def remember_secrets(response: httpx.Response) -> None:  # what a leak would look like
        response.read()
        issued.extend(re.findall(r'"(?:access_token|refresh_token|sessionId)":"([^"]+)"', response.text))
        issued.extend(re.findall(r"<sessionid>([^<]+)</sessionid>", response.text))

    fields = "name,printAs,email1,TOTALDUE,creditLimit"
    client = make_client(
        fresh_sandbox,
        http=httpx.Client(event_hooks={"response": [remember_secrets]}),
        INTACCT_CAPTURE_DIR=str(tmp_path),
        INTACCT_CAPTURE_MASK_FIELDS=fields,
    )
    rest_rows = client.rest.query(Query(CUSTOMER, ("key", "name", "contacts.default.email1", "creditLimit"))).rows
    xml_rows = client.xml.query("CUSTOMER", ["RECORDNO", "NAME", "DISPLAYCONTACT.PRINTAS", "TOTALDUE"]).records
    client.rest.xml_session()  # the REST->XML session bridge answers a session id too
    created = client.rest.create(CUSTOMER, [{"id": "MASK-1", "name": UNUSUAL_NAME, "creditLimit": "12345.67"}])
    read_back = client.xml.read("CUSTOMER", [created.items[0].key], fields="NAME,CREDITLIMIT")
    assert read_back[0]["NAME"] == UNUSUAL_NAME  # the client sees real values: only the capture is masked
    fresh_sandbox.advance_clock(43201)  # the expired token is refused (401) and replaced
    client.rest.query(Query(CUSTOMER, ("key",), filter=None, size=1))

    lines = [line for path in capture_files(tmp_path) for line in path.read_text().splitlines()]
    bodies = [
        capture.body_bytes(message).decode()
        for line in lines[1:]
        for message in (json.loads(line)["request"], json.loads(line)["response"])
        if message
    ]
    text = "\n".join(lines + bodies)  # the file as written, and every body as the client saw it
    s = fresh_sandbox.settings
    credentials = [s.client_secret, s.user_password, s.sender_password, *issued]
    assert len(set(issued)) >= 4  # two tokens, a refresh token and sessions were really issued
    masked_values = (
        {str(r["name"]) for r in rest_rows}
        | {str(r["contacts.default.email1"]) for r in rest_rows}
        | {str(r["DISPLAYCONTACT.PRINTAS"]) for r in xml_rows}
        | {UNUSUAL_NAME, "12345.67"}
    )
    for secret in credentials:
        assert secret not in text, "a credential reached the capture"
    for value in masked_values:  # as it is, and as a JSON or an XML body would write it
        for written in {
            value,
            json.dumps(value)[1:-1],
            json.dumps(value, ensure_ascii=False)[1:-1],
            html.escape(value, quote=False),
        }:
            assert written not in text, f"masked value {value!r} reached the capture"

    header, exchanges = capture.read(capture_files(tmp_path)[0])
    authorizations = {v for e in exchanges for k, v in e["request"]["headers"] if k.lower() == "authorization"}
    assert authorizations == {"***"}
    assert header["masked_fields"] == ["creditlimit", "email1", "name", "printas", "totaldue"]
    rest_answer = json.loads(exchanges[1]["response"]["body"])["ia::result"]
    xml_answer = exchanges[3]["response"]["body"]
    first_name = rest_answer[0]["name"]
    assert re.fullmatch(r"masked-[0-9a-f]{16}", first_name)
    assert f"<NAME>{first_name}</NAME>" in xml_answer  # one value, one placeholder, whichever face it came from
    assert len({row["name"] for row in rest_answer}) == len({str(r["name"]) for r in rest_rows})
    amounts = [row["creditLimit"] for row in rest_answer if row["creditLimit"]]
    assert amounts and all(re.fullmatch(r"-?[1-9]+\.[1-9]{2}", amount) for amount in amounts)  # still amounts
    sent = json.loads(next(e for e in exchanges if e["operation"].startswith("create"))["request"]["body"])
    assert sent[0]["id"] == "MASK-1" and sent[0]["name"].startswith("masked-")


def test_a_value_masks_to_one_placeholder_in_every_file_of_a_folder_and_another_elsewhere(sb, make_client, tmp_path):
    """Processes writing into one folder share its key (two mask settings here: two files, as two processes)."""
    placeholders = {}
    for label, folder, fields in (("a1", "a", "name"), ("a2", "a", "name,email1"), ("b", "b", "name")):
        client = make_client(sb, INTACCT_CAPTURE_DIR=str(tmp_path / folder), INTACCT_CAPTURE_MASK_FIELDS=fields)
        client.rest.query(Query(CUSTOMER, ("key", "name"), size=3))
        newest = max(capture_files(tmp_path / folder), key=lambda path: path.stat().st_mtime_ns)
        answer = capture.read(newest)[1][-1]["response"]["body"]
        placeholders[label] = [row["name"] for row in json.loads(answer)["ia::result"]]
    assert len(capture_files(tmp_path / "a")) == 2
    assert placeholders["a1"] == placeholders["a2"] and len(set(placeholders["a1"])) == 3
    assert not set(placeholders["a1"]) & set(placeholders["b"])
    assert (tmp_path / "a" / ".mask-key").stat().st_mode & 0o777 == 0o600


def test_a_folder_that_cannot_be_written_is_reported_once_and_the_run_goes_on(
    sb, make_client, tmp_path, caplog, monkeypatch
):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    # a Dagster run earlier in the same process may have configured logging with existing loggers disabled
    monkeypatch.setattr(capture.log, "disabled", False)
    monkeypatch.setattr(capture.log, "propagate", True)
    caplog.set_level(logging.WARNING, logger=capture.log.name)
    for _ in range(2):
        client = make_client(sb, INTACCT_CAPTURE_DIR=str(blocked / "captures"))
        assert client.rest.query(Query(CUSTOMER, ("key",), size=1)).rows
    warnings = [r.getMessage() for r in caplog.records if "capture" in r.getMessage()]
    assert len(warnings) == 1 and "cannot be written" in warnings[0] and str(blocked) in warnings[0]


def test_capturing_is_off_unless_a_folder_is_set(sb, make_client):
    client = make_client(sb)
    assert client.transport.capture is None
    assert IntacctSettings.from_env({"INTACCT_CAPTURE_MASK_FIELDS": " name, ,email1 "}).capture_mask_fields == (
        "name",
        "email1",
    )


def test_credentials_quoted_back_in_answers_are_masked_in_the_capture(tmp_path):
    def echoing(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/token"):
            return httpx.Response(200, json={"access_token": "tok/abc+def==", "expires_in": 3600})
        return httpx.Response(
            400,
            content=rb'{"ia::error":{"code":"x","message":"token tok\/abc+def== and '
            rb"Cl\/ent+Secret\/77 " + b'\x00\xff binary"}}',
        )

    env = {
        "INTACCT_API_URL": "https://intacct.test/ia/api/v1",
        "INTACCT_CLIENT_ID": "cid",
        "INTACCT_CLIENT_SECRET": "Cl/ent+Secret/77",
        "INTACCT_USERNAME": "u@co",
        "INTACCT_API_MAX_ATTEMPTS": "1",
        "INTACCT_API_SLOT_DIR": "off",
        "INTACCT_CAPTURE_DIR": str(tmp_path),
    }
    client = IntacctClient(IntacctSettings.from_env(env), http=httpx.Client(transport=httpx.MockTransport(echoing)))
    with pytest.raises(IntacctError):
        client.rest.query(Query(CUSTOMER, ("key",)))
    _, exchanges = only_capture(tmp_path)
    answer = exchanges[-1]["response"]
    body = capture.body_bytes(answer)  # not UTF-8: kept as base64, byte for byte apart from the masks
    assert "body_base64" in answer and body.endswith(b'\x00\xff binary"}}')
    text = (tmp_path / capture_files(tmp_path)[0].name).read_text() + body.decode("latin-1")
    for secret in ("tok/abc+def==", r"tok\/abc", "Cl/ent+Secret/77", r"Cl\/ent+Secret\/77"):
        assert secret not in text


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"", "not an intacct-capture file"),
        (b'{"format": "har"}\n', "not an intacct-capture file"),
        (b'{"format": "intacct-capture", "version": 2}\n', "version 2"),
        (b'{"format": "intacct-capture", "version": 1}\n{"seq": 1}\nnot json\n{"seq": 3}\n', "line 3: not a JSON"),
    ],
)
def test_a_file_that_is_not_a_readable_capture_is_refused_clearly(tmp_path, content, problem):
    path = tmp_path / "x.jsonl"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=problem):
        capture.read(path)


def test_a_capture_cut_off_while_its_last_line_was_written_is_read(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"format": "intacct-capture", "version": 1}\n{"seq": 1}\n{"seq": 2, "requ')
    assert capture.read(path)[1] == [{"seq": 1}]
