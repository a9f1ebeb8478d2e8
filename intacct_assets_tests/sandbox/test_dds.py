"""DDS deliveries: file names, dialects, headers/DDL, split, gzip, change and delete files, DDSJOB."""

from __future__ import annotations

import re
import uuid

import pytest

from intacct_assets.sandbox.dds_delivery import CsvDialect
from intacct_assets.sandbox.settings import DdsFormat
from intacct_assets_tests.sandbox.helpers import call, fn, parse_csv, read

NAME = re.compile(
    r"^(?P<prefix>.*?)(?P<object>[A-Z]+)\.(?P<kind>all|change|delete)\."
    r"(?P<ts>\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z)(?:\.(?P<part>\d{3}))?\.csv(?P<gz>\.gz)?$"
)


def deliver(sb, prefix, objects, job_type="all", **fmt):
    sb.delivery.prefix = prefix
    try:
        return sb.deliver_dds(objects, job_type, **fmt)
    finally:
        sb.delivery.prefix = sb.settings.prefix


def test_all_job_file_name_columns_and_values(sb, prefix):
    (job,) = deliver(sb, prefix, ["DEPARTMENT"], include_headers=True)
    (key,) = job["FILELIST"].split(",")
    match = NAME.match(key)
    assert match and match["prefix"] == prefix and match["object"] == "DEPARTMENT" and match["kind"] == "all"
    assert match["part"] is None and match["gz"] is None
    assert job["JOBNAME"].startswith("DEPARTMENT;all;") and job["JOBNAME"].endswith("+00:00")
    assert job["STATUS"] == "Completed" and job["RECORDSCREATED"] == len(sb.records("DEPARTMENT"))
    rows = parse_csv(read(sb, key), DdsFormat(include_headers=True))
    header = rows[0]
    assert header[-1] == "ddsReadTime" and {"RECORDNO", "DEPARTMENTID", "WHENMODIFIED"} <= set(header)
    by_id = {r[header.index("DEPARTMENTID")]: r for r in rows[1:]}
    assert "010" in by_id  # leading zeros survive
    record = sb.find("DEPARTMENT", "010")
    row = by_id["010"]
    assert row[header.index("WHENMODIFIED")] == record["WHENMODIFIED"]
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", row[header.index("ddsReadTime")])


def test_value_formats_in_csv(sb, prefix):
    (job,) = deliver(sb, prefix, ["CUSTOMER"], include_headers=True)
    rows = parse_csv(read(sb, job["FILELIST"]), DdsFormat())
    header, body = rows[0], rows[1:]
    onhold = {r[header.index("ONHOLD")] for r in body}
    assert onhold <= {"true", "false"}
    limits = [r[header.index("CREDITLIMIT")] for r in body if r[header.index("CREDITLIMIT")]]
    assert all(re.match(r"^\d+\.\d{2}$", v) for v in limits)
    assert any(r[header.index("CREDITLIMIT")] == "" for r in body)  # NULL = empty field
    comments = [r[header.index("COMMENTS")] for r in body]
    assert any("\n" in c for c in comments) and any("," in c for c in comments)
    assert any('"' in r[header.index("NAME")] for r in body)


def test_headerless_delivery_writes_ddl_file(sb, prefix):
    (job,) = deliver(sb, prefix, ["GLACCOUNT"], include_headers=False)
    ddl = read(sb, f"{prefix}_ddl/GLACCOUNT.sql")
    assert ddl.startswith("create table GLACCOUNT (") and "alter table GLACCOUNT add constraint PK_GLACCOUNT" in ddl
    columns = re.findall(r"(\w+) (?:varchar|integer|numeric|date|timestamp|boolean)", ddl.split(";")[0])
    rows = parse_csv(read(sb, job["FILELIST"]), DdsFormat())
    assert all(len(r) == len(columns) for r in rows) and columns[-1] == "ddsReadTime"


def test_split_and_gzip(sb, prefix):
    (job,) = deliver(sb, prefix, ["GLENTRY"], split_size=100, compress=True, include_headers=True)
    keys = job["FILELIST"].split(",")
    total = len(sb.records("GLENTRY"))
    assert len(keys) == -(-total // 100)
    assert [NAME.match(k)["part"] for k in keys] == [f"{i:03d}" for i in range(1, len(keys) + 1)]
    assert all(k.endswith(".csv.gz") for k in keys)
    counts = [len(parse_csv(read(sb, k), DdsFormat())) - 1 for k in keys]
    assert sum(counts) == total and max(counts) == 100


@pytest.mark.parametrize("delimiter", [",", ";", "."])
@pytest.mark.parametrize("enclosure", ['"', "'", "[", "/"])
@pytest.mark.parametrize("line_ending", ["unix", "windows", "mac"])
def test_dialects_round_trip(delimiter, enclosure, line_ending):
    fmt = DdsFormat(delimiter=delimiter, enclosure=enclosure, line_ending=line_ending)
    dialect = CsvDialect(fmt)
    cells = [
        "plain",
        "with space",
        f"has{delimiter}delim",
        f"has{enclosure}enc",
        "multi\nline",
        "cr\rlf",
        "",
        "1450.80",
        "010",
        "tab\there",
        "O'Brien",
        '"q"',
        "a/b",
        "[x]",
    ]
    text = dialect.line(cells) + dialect.line(["x", "y"])
    assert parse_csv(text, fmt) == [cells, ["x", "y"]]
    assert dialect.quote("plain") == "plain" and dialect.quote("a b") == f"{enclosure}a b{enclosure}"
    assert dialect.quote(f"x{enclosure}y") == f"{enclosure}x{enclosure * 2}y{enclosure}"


def test_bom_option():
    assert CsvDialect(DdsFormat(bom=True)).encode(["a\n"]).startswith("\ufeff".encode())
    assert not CsvDialect(DdsFormat()).encode(["a\n"]).startswith("\ufeff".encode())


def test_change_job_create_update_delete_and_backdating(sb, prefix):
    # records of the test's own (other tests read the seeded ones): one to change, one to delete
    existing = sb.create("CONTACT", {"CONTACTNAME": f"X{uuid.uuid4().hex[:8]}", "PRINTAS": "Old, Person"})
    gone = sb.create("CONTACT", {"CONTACTNAME": f"Y{uuid.uuid4().hex[:8]}", "PRINTAS": "Soon, Gone"})
    deliver(sb, prefix, ["CONTACT"], "all")
    ident = f"Z{uuid.uuid4().hex[:8]}"
    created = sb.create("CONTACT", {"CONTACTNAME": ident, "PRINTAS": "New, Person"})
    sb.configure(backdate_rate=1.0, backdate_seconds=86400 * 365)
    sb.update("CONTACT", existing["RECORDNO"], {"PHONE1": "+1 555 0000"})
    sb.configure(backdate_rate=0.0)
    sb.delete("CONTACT", gone["RECORDNO"])
    (job,) = deliver(sb, prefix, ["CONTACT"], "change", include_headers=True)
    assert (job["RECORDSCREATED"], job["RECORDSUPDATED"], job["RECORDSDELETED"]) == (1, 1, 1)
    change_key, delete_key = job["FILELIST"].split(",")
    assert NAME.match(change_key)["kind"] == "change" and NAME.match(delete_key)["kind"] == "delete"
    rows = parse_csv(read(sb, change_key), DdsFormat())
    header = rows[0]
    assert header[-2:] == ["ddsReadTime", "ddsChangeType"]
    types = {r[header.index("RECORDNO")]: r[-1] for r in rows[1:]}
    assert types == {str(created["RECORDNO"]): "create", str(existing["RECORDNO"]): "update"}
    deletes = parse_csv(read(sb, delete_key), DdsFormat())
    assert deletes[0] == ["RECORDNO", "CONTACTNAME", "WHENMODIFIED", "ddsReadTime", "ddsChangeType"]
    assert deletes[1][:2] == [str(gone["RECORDNO"]), gone["CONTACTNAME"]] and deletes[1][-1] == "delete"
    (empty,) = deliver(sb, prefix, ["CONTACT"], "change", include_headers=True)
    assert empty["RECORDSCREATED"] == empty["RECORDSUPDATED"] == empty["RECORDSDELETED"] == 0
    assert len(parse_csv(read(sb, empty["FILELIST"]), DdsFormat())) == 1


def test_inline_deletes(sb, prefix):
    gone = sb.create("ITEM", {"ITEMID": f"ITM-{uuid.uuid4().hex[:8]}", "NAME": "Soon gone"})
    deliver(sb, prefix, ["ITEM"], "all")
    sb.delete("ITEM", gone["RECORDNO"])
    (job,) = deliver(sb, prefix, ["ITEM"], "change", include_headers=True, deletes_inline=True)
    (key,) = job["FILELIST"].split(",")
    rows = parse_csv(read(sb, key), DdsFormat())
    header = rows[0]
    row = next(r for r in rows[1:] if r[-1] == "delete")
    assert row[header.index("ITEMID")] == gone["ITEMID"] and row[header.index("WHENMODIFIED")]


def test_derived_objects_and_balance_follow_changes(sb, prefix):
    job = {j["OBJECT"]: j for j in deliver(sb, prefix, ["GLDETAIL", "GLACCOUNTBALANCE", "ARRECORD", "APDETAIL"])}
    assert all(j["STATUS"] == "Completed" for j in job.values())
    sb.create(
        "GLBATCH",
        {"BATCH_DATE": "2025-12-15", "BATCH_TITLE": "x"},
        [
            {"TR_TYPE": 1, "ACCOUNTNO": "1000", "TRX_AMOUNT": "7"},
            {"TR_TYPE": -1, "ACCOUNTNO": "4000", "TRX_AMOUNT": "7"},
        ],
    )
    changes = {
        j["OBJECT"]: j for j in deliver(sb, prefix, ["GLDETAIL", "GLACCOUNTBALANCE"], "change", include_headers=True)
    }
    assert changes["GLDETAIL"]["RECORDSCREATED"] == 2
    assert changes["GLACCOUNTBALANCE"]["RECORDSCREATED"] + changes["GLACCOUNTBALANCE"]["RECORDSUPDATED"] >= 2


def test_ddsjob_records_readable_over_xml(sb, prefix):
    (job,) = deliver(sb, prefix, ["CLASS"])
    (result,) = call(
        sb,
        fn(
            f"<query><object>DDSJOB</object><select><field>JOBNAME</field><field>STATUS</field>"
            f"<field>FILELIST</field><field>RECORDSCREATED</field></select><filter><equalto>"
            f"<field>RECORDNO</field><value>{job['RECORDNO']}</value></equalto></filter></query>"
        ),
    )
    record = result.find("data/DDSJOB")
    assert record.findtext("STATUS") == "Completed" and record.findtext("FILELIST") == job["FILELIST"]


def test_run_dds_job_over_xml(sb):
    (result,) = call(
        sb,
        fn(
            "<runDdsJob><object>CLASS</object><jobType>all</jobType><fileConfiguration>"
            "<delimiter>;</delimiter><includeHeaders>true</includeHeaders></fileConfiguration></runDdsJob>"
        ),
    )
    key = result.findtext("data/ddsjob/FILELIST")
    assert read(sb, key).startswith("RECORDNO;")


def test_schedule_runs_all_then_change_for_the_objects_that_changed(fresh_s3):
    first = fresh_s3._scheduler.run_once()
    assert {j["JOBTYPE"] for j in first} == {"all"}
    assert {j["OBJECT"] for j in first} == set(fresh_s3.store.registry.dds_objects())
    assert fresh_s3._scheduler.run_once() == []  # nothing changed: no empty change file per object
    created = fresh_s3.create("CLASS", {"CLASSID": f"SCHED-{uuid.uuid4().hex[:6]}", "NAME": "Scheduled"})
    second = fresh_s3._scheduler.run_once()
    assert [(j["JOBTYPE"], j["OBJECT"]) for j in second] == [("change", "CLASS")]
    fresh_s3.delete("CLASS", created["RECORDNO"])
    assert [j["OBJECT"] for j in fresh_s3._scheduler.run_once()] == ["CLASS"]  # a deletion is a change too


def test_job_times_are_unique_and_increasing(fresh_s3):
    names = [fresh_s3.deliver_dds(["CLASS"])[0]["FILELIST"] for _ in range(3)]
    assert len(set(names)) == 3 and names == sorted(names)


@pytest.fixture
def fresh_s3(sandbox):
    """A private prefix on the shared bucket with fresh delivery state."""
    from intacct_assets.sandbox.dds_delivery import DdsDelivery, DdsScheduler

    delivery = DdsDelivery(
        sandbox.store, sandbox.s3_client(), sandbox.bucket, f"s-{uuid.uuid4().hex[:8]}/", sandbox.settings.dds
    )
    original = sandbox.delivery, sandbox._scheduler
    sandbox.delivery, sandbox._scheduler = delivery, DdsScheduler(delivery, sandbox.knobs)
    yield sandbox
    sandbox.delivery, sandbox._scheduler = original
