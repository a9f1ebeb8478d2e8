"""Each check, made to fail by a sandbox (or a setting) that behaves badly, says so with its own message and fix."""

from __future__ import annotations

import gzip
import subprocess
import sys
import textwrap
from math import ceil

import pytest
from filelock import FileLock

from intacct_assets.doctor import CHECKS, DoctorReport
from intacct_assets.doctor.audit_checks import audit_history
from intacct_assets.doctor.dds_checks import dds_bucket, dds_ddl, dds_dialect, dds_file_names
from intacct_assets.doctor.intacct_checks import (
    api_objects,
    clock_skew,
    concurrency,
    entity_access,
    oauth_token,
    private_entities,
    xml_session,
)
from intacct_assets.doctor.local_checks import warehouse_file
from intacct_assets.doctor.xml_dates import xml_dates
from intacct_assets.sandbox import DdsFormat, Knobs, Sandbox, SandboxSettings

API = (oauth_token, xml_session, api_objects)


def only(report: DoctorReport, check: str, subject: str | None = None):
    """The one result of ``check`` (``subject``) that is not a pass."""
    found = [r for r in report.of(check, subject) if r.status != "pass"]
    assert len(found) == 1, report.results
    return found[0]


def test_settings_a_variable_that_cannot_be_read(sb, doctor):
    report = doctor(sb, INTACCT_API_PAGE_SIZE="lots", INTACCT_DDS_HEADER="maybe")
    failed = {r.subject: r for r in report.of("settings")}
    assert failed["api"].status == "fail"
    assert "INTACCT_API_PAGE_SIZE='lots' is not a whole number" in failed["api"].found
    assert failed["dds"].status == "fail" and "INTACCT_DDS_HEADER='maybe'" in failed["dds"].found
    assert failed["api"].fix == "correct the environment variable (or .env line) named above"
    # checks that need them are skipped, not failed a second time
    assert only(report, "api_objects").status == "skip" and only(report, "dds_bucket").status == "skip"
    assert sum(r.status == "fail" for r in report.results) == 2


def test_warehouse_file_locked_by_a_run(sb, doctor, tmp_path):
    path = tmp_path / "warehouse.duckdb"
    doctor(sb, checks=(warehouse_file,))  # a file that does not exist yet is fine ...
    assert not path.exists()  # ... and is not created by the doctor
    import duckdb

    duckdb.connect(str(path)).close()
    lock = FileLock(f"{path}.lock")
    with lock:
        result = only(doctor(sb, checks=(warehouse_file,)), "warehouse_file")
    assert result.status == "fail" and f"{path} is locked" in result.found and "wait for the running job" in result.fix
    assert doctor(sb, checks=(warehouse_file,)).of("warehouse_file")[0].status == "pass"


def test_warehouse_file_open_in_another_process(sb, doctor, tmp_path):
    """A DuckDB CLI/UI session holds DuckDB's own lock on the file (not the project's lock file)."""
    path = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import duckdb, sys
        connection = duckdb.connect({str(path)!r})
        print("open", flush=True)
        sys.stdin.readline()
    """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        result = only(doctor(sb, checks=(warehouse_file,)), "warehouse_file")
    finally:
        holder.communicate("done\n", timeout=30)
    assert result.status == "fail" and "DuckDB cannot open" in result.found and "lock" in result.found.lower()
    assert "close the process that has the file open" in result.fix


def test_oauth_token_refused(sb, doctor):
    report = doctor(
        sb, checks=(oauth_token, api_objects, entity_access), INTACCT_CLIENT_SECRET="not-it", INTACCT_SENDER_ID=""
    )
    result = only(report, "oauth_token")
    assert result.status == "fail"
    assert "Intacct refused the client credentials for sandbox_user@SANDBOX-CO" in result.found
    assert result.fix.startswith("check INTACCT_CLIENT_ID, INTACCT_CLIENT_SECRET")
    # later checks do not hammer the token endpoint: they are skipped, saying why
    assert {r.status for r in report.of("api_objects")} == {"skip"}
    assert any("needs a working OAuth token" in r.found for r in report.of("api_objects"))


def test_oauth_token_unreachable(sb, doctor):
    report = doctor(sb, checks=(oauth_token,), INTACCT_API_URL="http://127.0.0.1:9/ia/api/v1")
    result = only(report, "oauth_token")
    assert result.status == "fail" and "no token from http://127.0.0.1:9/ia/api/v1" in result.found
    assert result.fix.startswith("check INTACCT_API_URL")


def test_xml_session_refused(sb, doctor):
    report = doctor(sb, checks=(xml_session, xml_dates), INTACCT_SENDER_PASSWORD="not-it")
    result = only(report, "xml_session")
    assert result.status == "fail" and "no session through a login as sandbox_user@SANDBOX-CO" in result.found
    assert "INTACCT_SENDER_ID / INTACCT_SENDER_PASSWORD" in result.fix
    assert only(report, "xml_dates").status == "skip"  # checks that need a session do not log in again


def test_xml_and_rest_not_configured_are_skipped_with_what_to_set(sb, doctor):
    report = doctor(sb, checks=(oauth_token, xml_session, api_objects), INTACCT_CLIENT_ID="", INTACCT_SENDER_ID="")
    assert {r.status for r in report.results} == {"skip"}
    assert "set INTACCT_CLIENT_ID" in only(report, "oauth_token").fix
    assert "set INTACCT_SENDER_ID" in only(report, "xml_session").fix


@pytest.mark.parametrize(
    "knobs, reason, fix",
    [
        ({"xml_date_format": ".dmy"}, "has a two-digit year", "Give the user a four-digit year (Y) in Intacct."),
        ({"xml_clock": "12"}, "shows times on a 12-hour clock", "Give the user the 24-hour clock in Intacct."),
    ],
)
def test_xml_dates_that_cannot_be_read_unambiguously(sb, doctor, knobs, reason, fix):
    sb.configure(**knobs)
    # settings cannot help: the gateway writes what the user's preferences say
    for env in ({}, {"INTACCT_XML_DATE_FORMAT": "/dmY", "INTACCT_XML_TIMEZONE": "UTC"}):
        result = only(doctor(sb, checks=(xml_dates,), **env), "xml_dates")
        assert result.status == "fail" and reason in result.found and result.fix == fix
        assert result.found.startswith(
            f"sandbox_user: date format {knobs.get('xml_date_format', '/mdY')}, GMT offset "
            f"+00:00, {knobs.get('xml_clock', '24')}-hour clock, locale en_US"
        )


def test_xml_dates_settings_that_disagree_with_the_users_preferences(sb, doctor):
    sb.configure(xml_date_format=".dmY", xml_gmt_offset="+01:00")
    report = doctor(sb, checks=(xml_dates,), INTACCT_XML_DATE_FORMAT="m/d/Y", INTACCT_XML_TIMEZONE="America/New_York")
    result = only(report, "xml_dates", "settings")
    assert result.status == "warn"
    assert (
        "INTACCT_XML_DATE_FORMAT=m/d/Y reads 12/31/2026 23:59:59 (m/d/Y), but Intacct writes 31.12.2026 23:59:59 "
        "(d.m.Y) for this user: dates would be misread"
    ) in result.found
    assert "INTACCT_XML_TIMEZONE=America/New_York is not the user's GMT offset +01:00" in result.found
    assert result.fix.startswith("remove INTACCT_XML_DATE_FORMAT / INTACCT_XML_TIMEZONE")
    # a zone name whose standard time is the user's offset agrees with it, and follows daylight saving
    agreeing = doctor(sb, checks=(xml_dates,), INTACCT_XML_DATE_FORMAT="d.m.Y", INTACCT_XML_TIMEZONE="Europe/Paris")
    (read,) = agreeing.results
    assert read.status == "pass"
    assert (
        "read as 31.12.2026 23:59:59 (d.m.Y) in Europe/Paris (by INTACCT_XML_DATE_FORMAT and INTACCT_XML_TIMEZONE)"
        in read.found
    )
    unusable = only(doctor(sb, checks=(xml_dates,), INTACCT_XML_TIMEZONE="Mars/Olympus"), "xml_dates")
    assert unusable.status == "fail" and "the XML time zone 'Mars/Olympus' (settings)" in unusable.found
    assert unusable.fix.startswith("correct INTACCT_XML_DATE_FORMAT / INTACCT_XML_TIMEZONE, or remove them")


def test_xml_dates_a_fixed_offset_ignores_daylight_saving(sb, doctor):
    sb.configure(xml_gmt_offset="-08:00")
    result = only(doctor(sb, checks=(xml_dates,)), "xml_dates", "time zone")
    assert result.status == "warn" and "the fixed offset -08:00, which does not follow daylight saving" in result.found
    assert result.fix.startswith("set INTACCT_XML_TIMEZONE to the user's time zone name")
    named = doctor(sb, checks=(xml_dates,), INTACCT_XML_TIMEZONE="America/Los_Angeles")
    assert [r.status for r in named.results] == ["pass"]


def test_xml_dates_another_locale_than_en_us(sb, doctor):
    sb.configure(xml_locale="de_DE", xml_date_format=".dmY")
    report = doctor(sb, checks=(xml_dates,))
    result = only(report, "xml_dates", "locale")
    assert result.status == "warn" and "the user's locale is de_DE" in result.found
    assert result.fix == "give the Web Services user the locale en_US in Intacct"
    assert "XML times are read as 31.12.2026 23:59:59 (d.m.Y) in UTC" in report.of("xml_dates", "")[0].found


def test_xml_dates_not_readable_and_not_set(doctor):
    with Sandbox(SandboxSettings(seed=3, start_s3=False)) as nobody:
        nobody.delete("USERINFO", nobody.find("USERINFO", "sandbox_user")["RECORDNO"])  # readUserFormatting fails
        unset = only(doctor(nobody, checks=(xml_dates,)), "xml_dates")
        named = only(
            doctor(nobody, checks=(xml_dates,), INTACCT_XML_DATE_FORMAT="/dmY", INTACCT_XML_TIMEZONE="+0200"),
            "xml_dates",
        )
        wrong = only(
            doctor(nobody, checks=(xml_dates,), INTACCT_XML_DATE_FORMAT="dd/mm/yyyy", INTACCT_XML_TIMEZONE="UTC"),
            "xml_dates",
        )
    assert unset.status == "fail" and "cannot be read (readUserFormatting: " in unset.found
    assert "Cannot find user 'sandbox_user'" in unset.found and "every XML read fails" in unset.found
    assert unset.fix.startswith("set INTACCT_XML_DATE_FORMAT / INTACCT_XML_TIMEZONE to the Web Services user's")
    assert named.status == "warn" and "XML times are read as 31/12/2026 23:59:59 (d/m/Y) in +02:00" in named.found
    assert wrong.status == "fail" and "the XML date format 'dd/mm/yyyy' (settings)" in wrong.found


def test_xml_dates_skipped_without_the_xml_gateway(sb, doctor):
    result = only(doctor(sb, checks=(xml_dates,), INTACCT_SENDER_ID=""), "xml_dates")
    assert result.status == "skip" and "set INTACCT_SENDER_ID" in result.fix


def test_entity_access_an_entity_the_company_does_not_have(sb, doctor):
    report = doctor(sb, checks=(entity_access,), INTACCT_API_ENTITIES="E-UK,E-XX")
    result = only(report, "entity_access")
    assert result.subject == "E-XX" and result.status == "fail"
    assert "E-XX is not an entity of this company (E-DE, E-UK, E-US)" in result.found
    assert report.of("entity_access", "E-UK")[0].status == "pass"


def test_api_objects_an_object_the_company_does_not_have(sb, doctor, tmp_path):
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text("objects:\n  WIDGET:\n    api: {name: widget, rest: inventory-control/widget}\n")
    queries = tmp_path / "queries.yaml"
    queries.write_text("queries:\n  bad_query:\n    sql: select RECORDNO, NOSUCHFIELD from CUSTOMER\n")
    report = doctor(sb, checks=(api_objects,), INTACCT_CATALOG_PATH=str(catalog), INTACCT_API_QUERIES_PATH=str(queries))
    widget = only(report, "api_objects", "widget")
    assert widget.status == "fail" and "HTTP 404" in widget.found
    assert widget.fix == (
        "this company has no inventory-control/widget: turn the asset off with "
        "`WIDGET: {api: null}` in INTACCT_CATALOG_PATH"
    )
    query = only(report, "api_objects", "bad_query")
    assert query.status == "fail" and "NOSUCHFIELD" in query.found and "INTACCT_API_QUERIES_PATH" in query.fix
    assert report.of("api_objects", "customer")[0].status == "pass"


def test_private_entities_hidden_from_the_top_level(doctor):
    with Sandbox(SandboxSettings(seed=3, start_s3=False, private_entities=("E-UK",))) as private:
        report = doctor(private, checks=(private_entities,), INTACCT_API_INCLUDE_PRIVATE="false")
        included = doctor(private, checks=(private_entities,))  # the default: the sync asks for them
        hidden = sum(r.get("MEGAENTITYID") == "E-UK" for r in private.records("CUSTOMER"))
    result = only(report, "private_entities")
    assert result.status == "warn" and "records of private entities are not read at the top level" in result.found
    assert f"customer {hidden:,}" in result.found and "add the private entities to INTACCT_API_ENTITIES" in result.fix
    (read,) = included.of("private_entities")
    assert read.status == "pass" and f"customer {hidden:,}" in read.found


def test_audit_history_not_readable_costs_reconciliation_requests(sb, doctor):
    sb.configure(audit_history_readable=False)
    report = doctor(
        sb, checks=(api_objects, audit_history), INTACCT_API_PAGE_SIZE="25", INTACCT_API_RECONCILE_HOURS="12"
    )
    result = only(report, "audit_history")
    # the built-in catalog's objects that read an audit trail are REST objects: they read REST's
    assert result.subject == "REST" and result.status == "warn"
    assert "company-config/audit-history is not readable" in result.found and "HTTP 403" in result.found
    # objects whose deletes would come from the audit trail (the catalog's line objects always reconcile)
    reconciling = {"journal_entry_line", "gl_detail", "bill_line", "invoice_line"}
    totals = {
        r.subject: int(r.found.split(" records")[0].replace(",", ""))
        for r in report.of("api_objects")
        if r.subject not in reconciling
    }
    per_scan = sum(1 + ceil(total / 25) for total in totals.values())  # the largest-key probe, then 25 keys a page
    assert (
        f"~{per_scan:,} requests (as many transactions) per reconciliation of {len(totals)} objects, every 12 h"
        in result.found
    )
    assert f"~{per_scan * 60:,} a month" in result.found  # twice a day, 30 days
    assert "give the Web Services user permission" in result.fix


def test_audit_history_not_readable_where_it_is_required(sb, doctor):
    sb.configure(audit_history_readable=False)
    result = only(doctor(sb, checks=(audit_history,), INTACCT_API_DELETES="audit_history"), "audit_history")
    assert result.status == "fail" and "must read it: their syncs fail" in result.found
    assert "INTACCT_API_DELETES=auto" in result.fix


def test_audit_history_of_each_face_its_objects_read(sb, doctor, tmp_path):
    """REST objects read REST's audit trail, XML objects AUDITHISTORY: each face is probed and reported."""
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text("objects:\n  VENDOR:\n    api: {name: vendor_xml, xml: VENDOR}\n")
    readable = doctor(sb, checks=(audit_history,), INTACCT_CATALOG_PATH=str(catalog))
    assert [(r.subject, r.status) for r in readable.results] == [("REST", "pass"), ("XML", "pass")]
    assert readable.of("audit_history", "XML")[0].found.startswith("AUDITHISTORY is readable (")
    assert "deletes of 1 object come from it" in readable.of("audit_history", "XML")[0].found
    sb.configure(audit_history_readable=False)
    report = doctor(sb, checks=(audit_history,), INTACCT_CATALOG_PATH=str(catalog))
    assert [(r.subject, r.status) for r in report.results] == [("REST", "warn"), ("XML", "warn")]
    xml = report.of("audit_history", "XML")[0]
    assert xml.found.startswith("AUDITHISTORY is not readable (BL01001973 You do not have permission")
    assert "reconciliation of 1 object, every 24 h" in xml.found
    # a face that is not configured is skipped, saying what to set; the other is still probed
    rest_only = doctor(sb, checks=(audit_history,), INTACCT_CATALOG_PATH=str(catalog), INTACCT_SENDER_ID="")
    assert [(r.subject, r.status) for r in rest_only.results] == [("REST", "warn"), ("XML", "skip")]
    assert "set INTACCT_SENDER_ID" in rest_only.of("audit_history", "XML")[0].fix


def test_concurrency_above_the_limit_intacct_announces(sb, doctor):
    sb.configure(concurrency_limit=2, throttle_headers=True)
    report = doctor(sb, checks=(oauth_token, api_objects, concurrency), INTACCT_API_CONCURRENCY="4")
    result = only(report, "concurrency")
    assert result.status == "fail"
    assert "Intacct allows 2 concurrent requests, INTACCT_API_CONCURRENCY is 4" in result.found
    assert result.fix == "set INTACCT_API_CONCURRENCY=2"
    within = doctor(sb, checks=(oauth_token, concurrency), INTACCT_API_CONCURRENCY="2").of("concurrency")[0]
    assert within.status == "pass" and "Intacct allows 2 concurrent requests" in within.found


def test_concurrency_throttled_without_a_limit_header(sb, doctor):
    sb.configure(error_rate=1.0, error_statuses=(429,))  # every answer throttled, none saying the limit
    report = doctor(sb, checks=(oauth_token, concurrency), INTACCT_API_MAX_ATTEMPTS="2")
    assert report.of("oauth_token")[0].status == "pass"  # the token endpoint is never throttled
    result = only(report, "concurrency")
    assert result.status == "warn" and "answers were throttled (HTTP 429)" in result.found
    assert result.fix.startswith("lower INTACCT_API_CONCURRENCY")


def test_clock_skew_of_an_hour(doctor):
    with Sandbox(SandboxSettings(seed=3, start_s3=False)) as ahead:
        ahead.advance_clock(3600)
        report = doctor(ahead, checks=(oauth_token, clock_skew))
    result = only(report, "clock_skew")
    assert result.status == "warn" and "Intacct's clock is 3600 s ahead of this machine's" in result.found
    assert "synchronize this machine's clock" in result.fix


def test_dds_bucket_that_does_not_exist(sb, doctor):
    report = doctor(sb, checks=(dds_bucket, dds_file_names, dds_dialect), INTACCT_DDS_BUCKET="no-such-bucket")
    result = only(report, "dds_bucket")
    assert result.status == "fail" and f"cannot list s3://no-such-bucket/{sb.prefix}" in result.found
    assert "NoSuchBucket" in result.found and result.fix.startswith("check INTACCT_DDS_BUCKET")
    assert only(report, "dds_dialect").status == "skip"


def test_dds_bucket_prefix_with_nothing_in_it(sb, doctor):
    result = only(doctor(sb, checks=(dds_bucket,), INTACCT_DDS_PREFIX="nothing-here/"), "dds_bucket")
    assert result.status == "warn" and "holds no DDS files yet" in result.found and "dds/" in result.found
    assert "point INTACCT_DDS_PREFIX" in result.fix


def test_dds_file_names_the_pattern_does_not_match_and_a_suggested_one_does(sb, doctor, bucket_files):
    prefix = bucket_files.fresh_prefix()
    bucket_files.copy("VENDOR", prefix, name="VENDOR-all-20261101060000.csv")
    bucket_files.copy("CUSTOMER", prefix, name="CUSTOMER-change-20261102060000.csv")
    bucket_files.put(prefix + "notes.txt", b"not a DDS file")
    result = only(doctor(sb, checks=(dds_file_names,), INTACCT_DDS_PREFIX=prefix), "dds_file_names")
    assert result.status == "warn" and result.subject == "unmatched"
    assert "3 files do not match the default file-name pattern and are never loaded" in result.found
    suggested = result.fix.split("INTACCT_DDS_FILE_PATTERN='")[1].split("'")[0]
    assert "(it reads 2 of the 3; it replaces the default pattern)" in result.fix
    fixed = doctor(sb, checks=(dds_file_names,), INTACCT_DDS_PREFIX=prefix, INTACCT_DDS_FILE_PATTERN=suggested)
    assert [r.status for r in fixed.results] == ["pass", "warn"]
    assert "2 files of 2 catalog objects match INTACCT_DDS_FILE_PATTERN" in fixed.results[0].found
    assert "notes.txt" in fixed.results[1].found


def test_dds_file_names_of_objects_the_catalog_does_not_have(sb, doctor, bucket_files):
    prefix = bucket_files.fresh_prefix()
    bucket_files.put(prefix + "WIDGET.all.2026-11-01T06-00-00Z.csv", b"RECORDNO,ddsReadTime\n1,2026-11-01T06:00:00Z\n")
    result = only(doctor(sb, checks=(dds_file_names,), INTACCT_DDS_PREFIX=prefix), "dds_file_names")
    assert result.status == "warn" and "objects the catalog does not have: WIDGET (1)" in result.found
    assert "INTACCT_CATALOG_PATH" in result.fix


def test_dds_ddl_missing_for_headerless_files(sb, doctor, bucket_files):
    prefix = bucket_files.fresh_prefix()
    bucket_files.copy("GLENTRY", prefix, ddl=False)
    bucket_files.copy("VENDOR", prefix)
    report = doctor(sb, checks=(dds_ddl, dds_dialect), INTACCT_DDS_PREFIX=prefix)
    result = only(report, "dds_ddl")
    assert (
        result.status == "fail"
        and "no DDL for the headerless files of GLENTRY: those files are rejected" in result.found
    )
    assert f"save each object's getDdsDdl output as {prefix}_ddl/<OBJECT>.sql" in result.fix
    assert only(report, "dds_dialect", "GLENTRY").status == "skip"
    assert report.of("dds_dialect", "VENDOR")[0].status == "pass"


def test_dds_dialect_a_ddl_that_does_not_match_the_files(sb, doctor, bucket_files):
    prefix = bucket_files.fresh_prefix()
    key = bucket_files.copy("VENDOR", prefix, ddl=False)
    glentry_ddl = bucket_files.read(f"{sb.prefix}_ddl/GLENTRY.sql")
    bucket_files.put(f"{prefix}_ddl/VENDOR.sql", glentry_ddl.replace(b"GLENTRY", b"VENDOR"))
    result = only(doctor(sb, checks=(dds_dialect,), INTACCT_DDS_PREFIX=prefix), "dds_dialect", "VENDOR")
    assert result.status == "fail" and "the DDL of VENDOR lists" in result.found and key.split("/")[-1] in result.found
    assert result.fix.startswith("save a fresh getDdsDdl output for VENDOR")


def test_dds_dialect_a_header_without_the_key(sb, doctor, bucket_files):
    prefix = bucket_files.fresh_prefix()
    bucket_files.put(
        prefix + "VENDOR.all.2026-11-01T06-00-00Z.csv", b"VENDORID;NAME;ddsReadTime\nV1;Acme;2026-11-01T06:00:00Z\n"
    )
    result = only(doctor(sb, checks=(dds_dialect,), INTACCT_DDS_PREFIX=prefix), "dds_dialect", "VENDOR")
    assert result.status == "fail" and "';' delimited" in result.found and "a header row" in result.found
    assert "the header has no key column RECORDNO" in result.found and result.fix.startswith("include RECORDNO")


def test_dds_dialect_of_compressed_windows_files_with_headers(sb, doctor, bucket_files):
    prefix = bucket_files.fresh_prefix()
    rows = ["RECORDNO;CONTACTNAME;PRINTAS;WHENMODIFIED;ddsReadTime"] + [
        f'{n};"Contact; {n}";Ann {n};2026-11-01T06:00:00Z;2026-11-01T06:00:00Z' for n in range(1, 50_000)
    ]
    bucket_files.put(prefix + "CONTACT.all.2026-11-01T06-00-00Z.csv.gz", gzip.compress("\r\n".join(rows).encode()))
    result = doctor(sb, checks=(dds_dialect,), INTACCT_DDS_PREFIX=prefix).of("dds_dialect", "CONTACT")[0]
    assert result.status == "pass"
    assert result.found.startswith("';' delimited, '\"' enclosed, a header row, windows line ends, 5 fields")


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_every_check_has_a_failing_test_here(check):
    tests = [name for name in globals() if name.startswith("test_")]
    assert any(check.__name__ in name for name in tests), f"no test makes {check.__name__} fail"


def test_the_sandbox_knobs_used_here_exist():
    assert {
        "audit_history_readable",
        "throttle_headers",
        "xml_date_format",
        "xml_gmt_offset",
        "xml_clock",
        "xml_locale",
    } <= set(Knobs().as_dict())


def test_dds_dialect_a_damaged_gzip_file(sb, doctor, bucket_files):
    prefix = bucket_files.fresh_prefix()
    bucket_files.put(prefix + "VENDOR.all.2026-11-01T06-00-00Z.csv.gz", b"\x1f\x8b" + bytes(range(256)) * 4)
    bucket_files.copy("CUSTOMER", prefix)
    report = doctor(sb, checks=(dds_ddl, dds_dialect), INTACCT_DDS_PREFIX=prefix)
    result = only(report, "dds_dialect", "VENDOR")
    assert result.status == "fail" and "starts like gzip but does not decompress" in result.found
    assert report.of("dds_dialect", "CUSTOMER")[0].status == "pass" and report.of("dds_ddl")[0].status == "pass"


@pytest.mark.parametrize("bracket_pair", [True, False])
def test_dds_dialect_values_enclosed_in_brackets(doctor, bracket_pair):
    """DDS offers [ as an enclosure ("Left bracket"); whether it closes with ] is undocumented. The reader closes
    [ with [ (PHP fputcsv): files of a job that closes with ] would keep their brackets, so the doctor warns."""
    dds = DdsFormat(enclosure="[", bracket_pair=bracket_pair, include_headers=True)
    settings = SandboxSettings(seed=3, dds=dds, initial_delivery=True, prefix=f"brackets-{bracket_pair}/")
    with Sandbox(settings) as brackets:
        report = doctor(brackets, checks=(dds_dialect,))
    vendor = report.of("dds_dialect", "VENDOR")[0]
    if bracket_pair:
        assert vendor.status == "warn" and "values such as '[" in vendor.found
        assert "are enclosed in [ ]; the reader closes a [ enclosure with [" in vendor.found
        assert vendor.fix == "set the DDS job's enclosure (Text qualifier) to \" (double quote)"
    else:
        assert vendor.status == "pass" and "'[' enclosed" in vendor.found


def test_dds_dialect_headerless_delete_files_are_read_in_an_assumed_order(sb, doctor, bucket_files):
    """Intacct documents no column layout for delete files: headerless ones are read in an assumed order."""
    prefix = bucket_files.fresh_prefix()
    bucket_files.copy("VENDOR", prefix)
    bucket_files.copy("CUSTOMER", prefix)
    bucket_files.put(
        prefix + "VENDOR.delete.2026-11-02T06-00-00Z.csv",
        b"7,V00007,2026-11-02T06:00:00Z,2026-11-02T06:00:00Z,delete\n",
    )
    bucket_files.put(
        prefix + "CUSTOMER.delete.2026-11-02T06-00-00Z.csv",
        b"RECORDNO,CUSTOMERID,WHENMODIFIED,ddsReadTime,ddsChangeType\n"
        b"7,C00007,2026-11-02T06:00:00Z,2026-11-02T06:00:00Z,delete\n",
    )
    report = doctor(sb, checks=(dds_dialect,), INTACCT_DDS_PREFIX=prefix)
    vendor = only(report, "dds_dialect", "VENDOR")
    assert vendor.status == "warn" and "its delete files have no header row (VENDOR.delete." in vendor.found
    assert (
        "read as RECORDNO, VENDORID, WHENMODIFIED, ddsReadTime, ddsChangeType, an assumed column order" in vendor.found
    )
    assert vendor.fix.startswith("turn on includeHeaders in the DDS job")
    assert report.of("dds_dialect", "CUSTOMER")[0].status == "pass"  # its delete files name their columns
    bucket_files.put(prefix + "VENDOR.delete.2026-11-03T06-00-00Z.csv", b"7,2026-11-03T06:00:00Z,delete\n")
    narrow = only(doctor(sb, checks=(dds_dialect,), INTACCT_DDS_PREFIX=prefix), "dds_dialect", "VENDOR")
    assert narrow.status == "fail" and "VENDOR.delete.2026-11-03T06-00-00Z.csv" in narrow.found
