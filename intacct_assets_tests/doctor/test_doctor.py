"""The doctor against a healthy sandbox: every check passes, nothing is written to Intacct, no secret is shown,
and the CLI prints a table (or JSON) and exits 0 — or 1 when a check fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from intacct_assets.catalog import load_catalog
from intacct_assets.cli import main
from intacct_assets.doctor import CHECKS
from intacct_assets.doctor.intacct_checks import api_objects

READ_FUNCTIONS = {"query", "readByQuery", "readMore", "read", "lookup", "getAPISession", "readUserFormatting"}


def test_every_check_passes_against_a_healthy_sandbox(sb, doctor):
    report = doctor(sb)
    assert [r for r in report.results if r.status != "pass"] == []
    assert {r.check for r in report.results} == {check.__name__ for check in CHECKS}
    objects = {r.subject for r in report.of("api_objects")}
    assert {"customer", "gl_detail", "entity", "journal_entry_line"} <= objects
    customers = len(sb.records("CUSTOMER"))
    assert f"{customers:,} records" in report.of("api_objects", "customer")[0].found
    assert {r.subject for r in report.of("dds_dialect")} == {obj.name for obj in load_catalog().dds_objects()}


def test_objects_are_read_in_the_first_context_a_sync_reads(sb, doctor):
    """Without the top level, a sync reads its entities: so does the doctor (E-UK sees its own and top-level
    records, not those of E-US)."""
    checks = CHECKS[: CHECKS.index(api_objects) + 1]  # up to api_objects
    report = doctor(sb, checks=checks, INTACCT_API_TOP_LEVEL="false", INTACCT_API_ENTITIES="E-UK,E-US")
    visible = sum(r.get("MEGAENTITYID") in ("E-UK", None) for r in sb.records("CUSTOMER"))
    assert visible < len(sb.records("CUSTOMER"))
    assert report.of("api_objects", "customer")[0].found.startswith(f"{visible:,} records in E-UK, ")
    assert report.of("api_objects", "entity")[0].found.startswith("3 records, ")  # top level only, whatever the rest


def test_the_doctor_writes_nothing_to_intacct(sb, doctor):
    doctor(sb)
    stats = sb.stats(recent=1000)
    assert stats["requests"] > 20 and stats["records_written"] == 0
    for call in stats["recent"]:
        if call["face"] == "rest":
            assert call["method"] == "GET" or call["path"].endswith(("/services/core/query", "/oauth2/token")), call
        if call["face"] == "xml":
            assert {operation.split()[0] for operation in call["operations"]} <= READ_FUNCTIONS, call


def test_a_preflight_costs_one_transaction_per_object_query(sb, doctor):
    """Models, lookups, tokens and sessions are free; each one-row query is one transaction."""
    doctor(sb)
    queries = sum(
        1
        for call in sb.stats(recent=1000)["recent"]
        for operation in call["operations"]
        if operation.split()[0] in ("query", "readByQuery")
    )
    assert sb.stats()["api_transactions"] == queries


def test_the_cli_prints_a_table_and_exits_0(sb, doctor_env):
    doctor_env(sb)
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("PASS  oauth_token") for line in lines)
    assert any(line.startswith("PASS  api_objects") and "customer" in line for line in lines)
    assert lines[-1].startswith(f"{len(lines) - 2} pass, 0 warn, 0 fail, 0 skip in ")


def test_the_cli_exits_1_on_a_failed_check_and_says_why(sb, doctor_env):
    doctor_env(sb, INTACCT_CLIENT_SECRET="not-the-secret")
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 1
    assert "FAIL  oauth_token" in result.output and "fix: check INTACCT_CLIENT_ID" in result.output
    assert result.output.rstrip().endswith("a check failed")


def test_json_output_for_machines(sb, doctor_env):
    doctor_env(sb, INTACCT_API_ENTITIES="E-NOPE")
    result = CliRunner().invoke(main, ["doctor", "--json"])
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["failed"] is True and document["counts"]["fail"] == 1
    failure = next(r for r in document["results"] if r["status"] == "fail")
    assert failure["check"] == "entity_access" and failure["subject"] == "E-NOPE"
    assert set(failure) == {"check", "subject", "status", "found", "fix"}


def test_no_secret_is_shown_even_when_intacct_refuses_them(sb, doctor_env):
    """Wrong credentials make Intacct echo what it got back in places; the report masks every credential."""
    wrong = {
        "INTACCT_CLIENT_SECRET": "wrong-client-secret-123",
        "INTACCT_SENDER_PASSWORD": "wrong-sender-pw-456",
        "INTACCT_USER_PASSWORD": "wrong-user-pw-789",
    }
    outputs = []
    for env in ({}, wrong):
        doctor_env(sb, **env)
        outputs.append(CliRunner().invoke(main, ["doctor", "--json"]).output)
    settings = sb.settings
    secrets = [
        settings.client_secret,
        settings.sender_password,
        settings.user_password,
        settings.aws_secret_access_key,
        *wrong.values(),
    ]
    for output in outputs:
        assert not [secret for secret in secrets if secret in output]
    assert '"status": "fail"' in outputs[1]


def test_a_dotenv_file_in_the_working_folder_is_read(sb, doctor_env, tmp_path, monkeypatch):
    """Like `dagster dev`: .env values are set, replacing the environment's."""
    doctor_env(sb, INTACCT_API_ENTITIES="E-NOPE")
    (tmp_path / ".env").write_text("INTACCT_API_ENTITIES=E-UK\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["doctor", "--json"])
    entities = [r for r in json.loads(result.output)["results"] if r["check"] == "entity_access"]
    assert [r["subject"] for r in entities] == ["", "E-UK"] and result.exit_code == 0


def test_the_cli_runs_as_a_program(sb, doctor_env, tmp_path):
    """`python -m intacct_assets.cli doctor` (the `intacct-assets` script) in its own process."""
    doctor_env(sb)
    completed = subprocess.run(
        [sys.executable, "-m", "intacct_assets.cli", "doctor", "--json"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert json.loads(completed.stdout)["counts"]["fail"] == 0
