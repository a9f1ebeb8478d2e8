"""Replay mode served from captures written by hand in the documented format (version 1)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from intacct_assets.sandbox import Sandbox, SandboxSettings

RECORDED_ORIGIN = "https://api.intacct.com"
QUERY_URL = f"{RECORDED_ORIGIN}/ia/api/v1/services/core/query"
XML_URL = f"{RECORDED_ORIGIN}/ia/xml/xmlgw.phtml"
HEADER = {
    "format": "intacct-capture",
    "version": 1,
    "created_at": "2026-11-01T06:00:00Z",
    "producer": "intacct_assets",
    "masked_fields": [],
    "secret_mask": "***",
}


def exchange(
    seq: int,
    method: str,
    url: str,
    body: str = "",
    status: int | None = 200,
    answer: str = "",
    headers: list[list[str]] | None = None,
) -> dict:
    return {
        "seq": seq,
        "started_at": "2026-11-01T06:00:00Z",
        "duration_ms": 1.0,
        "attempt": 1,
        "face": "rest",
        "operation": "",
        "entity": "",
        "request": {"method": method, "url": url, "headers": headers or [], **({"body": body} if body else {})},
        "response": None
        if status is None
        else {
            "status": status,
            "headers": [["Content-Type", "application/json"], ["Content-Length", "1"], ["X-Recorded", str(seq)]],
            "body": answer,
        },
    }


def write_capture(path: Path, exchanges: list[dict], header: dict | None = None) -> Path:
    path.write_text("\n".join(json.dumps(line) for line in [header or HEADER, *exchanges]) + "\n")
    return path


@pytest.fixture
def replay(tmp_path) -> Iterator:
    started: list[Sandbox] = []

    def start(exchanges: list[dict], header: dict | None = None) -> Sandbox:
        capture = write_capture(tmp_path / f"capture-{len(started)}.jsonl", exchanges, header)
        started.append(Sandbox(SandboxSettings(replay=str(capture), start_s3=False)).start())
        return started[-1]

    yield start
    for sandbox in started:
        sandbox.stop()


def xml_request(controlid: str, function_id: str, auth: str, function: str) -> str:
    return (
        f"<?xml version='1.0' encoding='UTF-8'?>\n<request><control><senderid>s</senderid><password>p</password>"
        f"<controlid>{controlid}</controlid><uniqueid>false</uniqueid><dtdversion>3.0</dtdversion></control>"
        f'<operation transaction="false"><authentication>{auth}</authentication><content>'
        f'<function controlid="{function_id}">{function}</function></content></operation></request>'
    )


def xml_answer(controlid: str, function_id: str, data: str) -> str:
    return (
        f"<response><control><status>success</status><controlid>{controlid}</controlid></control><operation>"
        f"<authentication><status>success</status></authentication><result><status>success</status>"
        f"<function>f</function><controlid>{function_id}</controlid><data>{data}</data></result></operation>"
        f"</response>"
    )


def test_identical_requests_get_their_answers_in_recorded_order_then_the_last_again(replay):
    body = '{"object": "accounts-receivable/customer", "fields": ["key"], "start": 1, "size": 1}'
    sb = replay(
        [
            exchange(1, "POST", QUERY_URL, body, 429, '{"throttled": 1}'),
            exchange(2, "POST", QUERY_URL, body, 200, '{"page": 1}'),
            exchange(3, "POST", QUERY_URL, body, 200, '{"page": 2}'),
        ]
    )
    compact = json.dumps(json.loads(body), separators=(",", ":"))  # the same request, written differently
    answers = [
        httpx.post(f"{sb.rest_url}/services/core/query", content=text, headers={"Authorization": "Bearer x"})
        for text in (body, compact, body, body)
    ]
    assert [(a.status_code, a.text) for a in answers] == [
        (429, '{"throttled": 1}'),
        (200, '{"page": 1}'),
        (200, '{"page": 2}'),
        (200, '{"page": 2}'),
    ]
    assert [a.headers["x-recorded"] for a in answers] == ["1", "2", "3", "3"]
    assert answers[0].headers["x-intacct-replay"] == "capture-0.jsonl#1"
    assert answers[0].headers["content-length"] == str(len('{"throttled": 1}'))  # not the recorded length
    report = sb.replay.report()
    assert report["served"] == 3 and report["repeated"] == 1 and report["unused"] == []


def test_an_exchange_that_got_no_answer_drops_the_connection_again(replay):
    sb = replay(
        [
            exchange(1, "POST", f"{RECORDED_ORIGIN}/ia/api/v1/objects/x", "[]", status=None),
            exchange(2, "POST", f"{RECORDED_ORIGIN}/ia/api/v1/objects/x", "[]", 201, "[]"),
        ]
    )
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(f"{sb.rest_url}/objects/x", content="[]")
    assert httpx.post(f"{sb.rest_url}/objects/x", content="[]").status_code == 201


def test_recorded_addresses_point_at_the_replay_and_control_ids_are_those_of_the_request(replay):
    login = "<login><userid>u</userid><companyid>C</companyid><password>***</password></login>"
    recorded = xml_request("c-old", "f-old", login, "<getAPISession/>")
    answer = xml_answer(
        "c-old",
        "f-old",
        f"<api><sessionid>***</sessionid><endpoint>{XML_URL}</endpoint></api>"
        f"<link>{QUERY_URL.replace('/', chr(92) + '/')}</link>"
        f"<other>{RECORDED_ORIGIN}.example.org</other>",
    )
    sb = replay([exchange(1, "POST", XML_URL, recorded, 200, answer)])
    other_login = "<login><userid>me</userid><companyid>MINE</companyid><password>real</password></login>"
    got = httpx.post(sb.xml_url, content=xml_request("c-new", "f-new", other_login, "<getAPISession/>"))
    assert got.status_code == 200, got.text
    assert f"<endpoint>{sb.xml_url}</endpoint>" in got.text
    assert (sb.rest_url + "/services/core/query").replace("/", "\\/") in got.text
    assert f"<other>{RECORDED_ORIGIN}.example.org</other>" in got.text  # another host is left alone
    assert "<controlid>c-new</controlid>" in got.text and "<controlid>f-new</controlid>" in got.text
    assert "old" not in got.text


def test_entity_location_and_body_distinguish_requests_credentials_do_not(replay):
    session = "<sessionid>***</sessionid>"
    query = "<query><object>CUSTOMER</object></query>"
    sb = replay(
        [
            exchange(1, "POST", XML_URL, xml_request("a", "b", session, query), 200, xml_answer("a", "b", "<top/>")),
            exchange(
                2,
                "POST",
                XML_URL,
                xml_request(
                    "a",
                    "b",
                    "<login><userid>u</userid><companyid>c</companyid>"
                    "<password>***</password><locationid>E-UK</locationid>"
                    "</login>",
                    query,
                ),
                200,
                xml_answer("a", "b", "<uk/>"),
            ),
            exchange(
                3,
                "GET",
                f"{RECORDED_ORIGIN}/ia/api/v1/objects/x/1",
                headers=[["X-IA-API-Param-Entity", "E-US"]],
                answer='{"entity": "E-US"}',
            ),
        ]
    )
    other_session = "<sessionid>a-live-session</sessionid>"
    assert "<top/>" in httpx.post(sb.xml_url, content=xml_request("x", "y", other_session, query)).text
    uk = "<login><userid>v</userid><companyid>d</companyid><password>pw</password><locationid>E-UK</locationid></login>"
    assert "<uk/>" in httpx.post(sb.xml_url, content=xml_request("x", "y", uk, query)).text
    de = httpx.post(sb.xml_url, content=xml_request("x", "y", uk.replace("E-UK", "E-DE"), query))
    assert de.status_code == 599 and "<errorno>REPLAY-0001</errorno>" in de.text and "E-DE" in de.text
    other = httpx.post(sb.xml_url, content=xml_request("x", "y", other_session, query.replace("CUSTOMER", "VENDOR")))
    assert other.status_code == 599 and "&lt;object&gt;CUSTOMER" in other.text
    assert httpx.get(f"{sb.rest_url}/objects/x/1", headers={"X-IA-API-Param-Entity": "E-US"}).json() == {
        "entity": "E-US"
    }
    top = httpx.get(f"{sb.rest_url}/objects/x/1")
    assert (
        top.status_code == 599
        and "the entity differs (received '', recorded 'E-US')" in top.json()["ia::error"]["message"]
    )
    assert len(httpx.get(f"{sb.admin_url}/replay").json()["unmatched"]) == 3


def test_masked_field_values_are_ignored_when_matching(replay):
    body = '{"object": "o", "filters": [{"$eq": {"name": "masked-0123456789abcdef"}}]}'
    sb = replay([exchange(1, "POST", QUERY_URL, body, 200, '{"ok": 1}')], {**HEADER, "masked_fields": ["name"]})
    sent = '{"object": "o", "filters": [{"$eq": {"name": "Acme Inc."}}]}'  # a value the masked run never saw
    assert httpx.post(f"{sb.rest_url}/services/core/query", content=sent).json() == {"ok": 1}
    assert httpx.post(f"{sb.rest_url}/services/core/query", content=sent.replace('"o"', '"p"')).status_code == 599


def test_any_grant_gets_the_recorded_tokens(replay):
    token = '{"access_token": "***", "token_type": "Bearer", "expires_in": 43200}'
    sb = replay(
        [
            exchange(
                1,
                "POST",
                f"{RECORDED_ORIGIN}/ia/api/v1/oauth2/token",
                "client_id=a&client_secret=***&grant_type=client_credentials&username=u%40c",
                200,
                token,
            )
        ]
    )
    for form in (
        {"grant_type": "refresh_token", "refresh_token": "r", "client_id": "z", "client_secret": "s"},
        {"grant_type": "client_credentials", "username": "other@co"},
    ):
        assert httpx.post(f"{sb.rest_url}/oauth2/token", data=form).json()["access_token"] == "***"


def test_a_folder_replays_its_files_oldest_first(tmp_path):
    url = f"{RECORDED_ORIGIN}/ia/api/v1/objects/x/1"
    write_capture(
        tmp_path / "b.jsonl",
        [exchange(1, "GET", url, answer='"newer"')],
        {**HEADER, "created_at": "2026-11-02T00:00:00Z"},
    )
    write_capture(
        tmp_path / "a.jsonl",
        [exchange(1, "GET", url, answer='"older"')],
        {**HEADER, "created_at": "2026-11-03T00:00:00Z"},
    )
    write_capture(
        tmp_path / "c.jsonl",
        [exchange(1, "GET", url, answer='"oldest"')],
        {**HEADER, "created_at": "2026-11-01T00:00:00Z"},
    )
    (tmp_path / ".mask-key").write_bytes(b"k" * 32)  # the folder's key is not a capture
    with Sandbox(SandboxSettings(replay=str(tmp_path), start_s3=False)) as sb:
        assert [httpx.get(f"{sb.rest_url}/objects/x/1").json() for _ in range(3)] == ["oldest", "newer", "older"]
        assert sb.replay.report()["files"] == ["c.jsonl", "b.jsonl", "a.jsonl"]


def test_the_command_replays_a_capture_and_refuses_a_file_that_is_not_one(tmp_path):
    url = f"{RECORDED_ORIGIN}/ia/api/v1/objects/x/1"
    capture = write_capture(tmp_path / "run.jsonl", [exchange(1, "GET", url, answer='{"replayed": true}')])
    child = (
        "import os, urllib.request; "
        "print(urllib.request.urlopen(os.environ['INTACCT_API_URL'] + '/objects/x/1').read().decode())"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "intacct_assets.sandbox",
            "--no-s3",
            "--replay",
            str(capture),
            "--",
            sys.executable,
            "-c",
            child,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == '{"replayed": true}'
    (tmp_path / "notes.txt").write_text("hello\n")
    refused = subprocess.run(
        [sys.executable, "-m", "intacct_assets.sandbox", "--no-s3", "--replay", str(tmp_path / "notes.txt")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2 and "is not an intacct-capture file" in refused.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    refused = subprocess.run(
        [sys.executable, "-m", "intacct_assets.sandbox", "--no-s3", "--replay", str(empty)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2 and "holds no capture files" in refused.stderr


@pytest.mark.parametrize("line", [{"seq": 2}, {"seq": 2, "request": {"url": "https://x/y"}}, {"seq": 2, "request": 3}])
def test_a_line_that_is_not_a_recorded_exchange_is_refused_naming_it(tmp_path, line):
    capture = write_capture(tmp_path / "odd.jsonl", [exchange(1, "GET", QUERY_URL), line])
    with pytest.raises(ValueError, match=r"odd.jsonl#2: not a recorded exchange"):
        Sandbox(SandboxSettings(replay=str(capture), start_s3=False))
