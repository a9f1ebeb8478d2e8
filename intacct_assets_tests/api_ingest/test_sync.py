"""API ingestion against the sandbox: full loads, incremental windows, deletes, entities, accounting."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import httpx
import polars as pl
import pytest

from intacct_assets.api_ingest.schema import FieldSpec
from intacct_assets.api_ingest.settings import ApiSettings
from intacct_assets.api_ingest.sources import _decode_rest
from intacct_assets.api_ingest.sync import ApiIngestion
from intacct_assets.api_ingest.targets import SyncTarget
from intacct_assets.api_ingest.typed_pages import typed_batch
from intacct_assets.catalog import BUILTIN_CATALOG, load_catalog, parse_catalog
from intacct_assets.intacct import IntacctConfigError, UnexpectedAnswerError
from intacct_assets_tests.api_ingest.syncing import intacct_customers


def assert_matches_intacct(syncer, sandbox, entity: str = "") -> None:
    """Live rows are exactly Intacct's customers, with their current names and modified times."""
    table = syncer.rows("customer", entity)
    expected = intacct_customers(sandbox, entity or None)
    assert set(table) == set(expected)
    for key, record in expected.items():
        assert table[key]["name"] == record["NAME"]
        assert table[key]["audit__modifiedDateTime"].isoformat() + "Z" == record["WHENMODIFIED"]


def test_full_load_matches_intacct_and_costs_one_transaction_per_page(sb, syncer):
    sync = syncer(sb)
    report = sync.sync("customer")
    context = report.contexts[0]
    assert context.mode == "full load" and context.fetched == len(intacct_customers(sb)) == 100
    assert_matches_intacct(sync, sb)
    # one probe for the largest key, then 4 pages of 25 -- and nothing else is billed
    assert report.transactions == sb.stats()["api_transactions"] == 5 == context.pages
    row = next(iter(sync.rows("customer").values()))
    assert isinstance(row["creditLimit"], Decimal | None) and isinstance(row["onHold"], bool)
    assert row["key"].isdigit() and row["intacct_entity"] == "" and not row["_intacct_deleted"]


def test_edits_creates_and_deletes_between_runs(fresh_sandbox, syncer):
    sync = syncer(fresh_sandbox)
    sync.sync("customer")
    fresh_sandbox.update("CUSTOMER", 5, {"NAME": "Renamed, Inc."})
    created = fresh_sandbox.create("CUSTOMER", {"NAME": "Brand New Ltd", "DISPLAYCONTACT.PRINTAS": "BN"})
    fresh_sandbox.delete("CUSTOMER", 7)
    fresh_sandbox.advance_clock(60)
    fresh_sandbox.reset_stats()
    report = sync.sync("customer")
    context = report.contexts[0]
    assert context.mode == "incremental" and context.deletes == "audit_history"
    assert (context.counts.inserted, context.counts.updated, context.counts.deleted) == (1, 1, 1)
    assert_matches_intacct(sync, fresh_sandbox)
    tombstone = sync.rows("customer", live=False)["7"]
    assert tombstone["_intacct_deleted"] and tombstone["name"]  # deleted records keep their last values
    assert str(created["RECORDNO"]) in sync.rows("customer")
    # the window (one page) and AUDITHISTORY (one query) ran side by side: two transactions
    assert report.transactions == fresh_sandbox.stats()["api_transactions"] == 2


@pytest.mark.parametrize("name", ["customer", "item", "gl_detail"])
def test_an_incremental_run_with_nothing_changed_costs_at_most_two_transactions(fresh_sandbox, syncer, name):
    sync = syncer(fresh_sandbox)
    sync.sync(name)
    fresh_sandbox.reset_stats()
    report = sync.sync(name)
    assert report.contexts[0].mode == "incremental"
    assert report.total("inserted") == report.total("updated") == report.total("deleted") == 0
    assert fresh_sandbox.stats()["api_transactions"] == report.transactions <= 2
    assert not [c for c in report.calls if c.operation.startswith("model") or c.operation.startswith("lookup")]


def test_back_dated_changes_within_the_look_back_are_read(fresh_sandbox, syncer):
    sync = syncer(fresh_sandbox, INTACCT_API_LOOKBACK_SECONDS="3600")
    sync.sync("customer")
    fresh_sandbox.advance_clock(3600)
    sync.sync("customer")  # the cursor moves to the newest change read
    fresh_sandbox.configure(backdate_rate=1.0, backdate_seconds=1800)
    fresh_sandbox.update("CUSTOMER", 9, {"NAME": "Back-dated but seen"})
    assert sync.sync("customer").total("updated") == 1
    assert sync.rows("customer")["9"]["name"] == "Back-dated but seen"


def test_back_dated_changes_beyond_the_look_back_are_repaired_by_reconciliation(fresh_sandbox, syncer):
    sync = syncer(fresh_sandbox, INTACCT_API_LOOKBACK_SECONDS="60")
    sync.sync("customer")
    fresh_sandbox.advance_clock(7200)
    fresh_sandbox.update("CUSTOMER", 11, {"NAME": "Touch"})  # the cursor follows the newest change: "now"
    sync.sync("customer")
    fresh_sandbox.configure(backdate_rate=1.0, backdate_seconds=3600)
    fresh_sandbox.update("CUSTOMER", 12, {"NAME": "Back-dated an hour"})
    missed = sync.sync("customer")
    assert missed.total("updated") == 0  # older than cursor minus look-back: the window cannot see it
    repaired = sync.sync("customer", reconcile=True)
    assert repaired.contexts[0].refetched == 1 and repaired.total("updated") == 1
    assert_matches_intacct(sync, fresh_sandbox)


def changing_underneath(sandbox, every: int = 1):
    """An httpx hook that lets the sandbox's background users edit, create and delete records after
    every ``every``-th query answer: data moves while the pages are being read."""
    answers = {"count": 0}

    def edit(response: httpx.Response) -> None:
        if response.request.url.path.endswith("/services/core/query"):
            answers["count"] += 1
            if answers["count"] % every == 0:
                sandbox.run_background_edits(3)
                for key in (answers["count"] * 3, answers["count"] * 3 + 1):
                    if sandbox.get("CUSTOMER", key) is not None:
                        sandbox.delete("CUSTOMER", key)  # deletes shift every later page

    return httpx.Client(event_hooks={"response": [edit]})


def test_paging_while_records_change_underneath_skips_and_duplicates_nothing(fresh_sandbox, make_client, syncer):
    before = intacct_customers(fresh_sandbox)
    sync = syncer(fresh_sandbox)
    sync.client = make_client(fresh_sandbox, http=changing_underneath(fresh_sandbox), **sync.settings_env)
    report = sync.sync("customer")
    assert report.contexts[0].repairs > 0  # boundaries moved and were repaired with keyset queries
    after = intacct_customers(fresh_sandbox)
    untouched = {k for k in before if k in after and before[k]["WHENMODIFIED"] == after[k]["WHENMODIFIED"]}
    table = sync.rows("customer")
    assert untouched <= set(table)  # nothing that stood still was skipped
    assert len(sync.query("SELECT key FROM api.customer GROUP BY key HAVING count(*) > 1")) == 0
    # later runs (window in modified-time order, pages verified by overlap) converge while edits continue
    for _ in range(2):
        fresh_sandbox.advance_clock(30)
        sync.sync("customer")
    sync.client = make_client(fresh_sandbox, **sync.settings_env)
    fresh_sandbox.advance_clock(30)
    sync.sync("customer")
    assert_matches_intacct(sync, fresh_sandbox)


def test_an_interrupted_full_load_resumes_where_it_stopped(fresh_sandbox, make_client, syncer):
    answers = {"count": 0}

    def crash_after_three_pages(response: httpx.Response) -> None:
        if response.request.url.path.endswith("/services/core/query"):
            answers["count"] += 1
            if answers["count"] == 4:
                raise RuntimeError("the worker died")

    sync = syncer(fresh_sandbox, INTACCT_API_FLUSH_ROWS="25", INTACCT_API_CONCURRENCY="1")
    sync.client = make_client(
        fresh_sandbox, http=httpx.Client(event_hooks={"response": [crash_after_three_pages]}), **sync.settings_env
    )
    with pytest.raises(RuntimeError, match="the worker died"):
        sync.sync("customer")
    kept = len(sync.rows("customer"))
    assert 0 < kept < 100
    sync.client = make_client(fresh_sandbox, **sync.settings_env)
    resumed = sync.sync("customer").contexts[0]
    # at least the first page committed with its progress; rows merged after it may be read again (harmless)
    assert resumed.mode == "resumed full load" and 100 - kept <= resumed.fetched <= 75
    assert_matches_intacct(sync, fresh_sandbox)
    assert sync.sync("customer").contexts[0].mode == "incremental"


def test_multi_entity_rows_are_tagged_with_their_entity_and_keyed_per_context(fresh_sandbox, syncer):
    sync = syncer(fresh_sandbox, INTACCT_API_ENTITIES="E-US,E-UK")
    report = sync.sync("customer")
    assert [c.entity for c in report.contexts] == ["", "E-US", "E-UK"]
    for entity in ("", "E-US", "E-UK"):
        assert_matches_intacct(sync, fresh_sandbox, entity)
    # a record visible in several contexts has one row per context: (intacct_entity, key) is the key
    shared = {k for k, r in intacct_customers(fresh_sandbox).items() if r.get("MEGAENTITYID") is None}
    assert shared and shared <= set(sync.rows("customer", "E-US")) & set(sync.rows("customer", "E-UK"))
    uk_only = next(k for k, r in intacct_customers(fresh_sandbox).items() if r.get("MEGAENTITYID") == "E-UK")
    fresh_sandbox.delete("CUSTOMER", int(uk_only))
    fresh_sandbox.advance_clock(60)
    sync.sync("customer")
    assert uk_only not in sync.rows("customer", "") and uk_only not in sync.rows("customer", "E-UK")
    # the entity object exists once, at the top level
    assert [c.entity for c in sync.sync("entity").contexts] == [""]


def test_without_audit_history_deletions_come_from_key_reconciliation(fresh_sandbox, syncer):
    fresh_sandbox.configure(audit_history_readable=False)
    sync = syncer(fresh_sandbox, INTACCT_API_RECONCILE_HOURS="0")
    sync.sync("vendor")
    fresh_sandbox.delete("VENDOR", 3)
    fresh_sandbox.advance_clock(60)
    report = sync.sync("vendor").contexts[0]
    assert report.deletes == "reconcile" and report.counts.deleted == 1
    # vendor is a REST object: the warning names the trail it read, not the XML one
    assert "company-config/audit-history is not readable: deletions come from key reconciliation" in report.warnings
    assert not any("AUDITHISTORY" in w for w in report.warnings)
    assert "3" not in sync.rows("vendor")
    strict = syncer(fresh_sandbox, INTACCT_API_DELETES="audit_history")  # same warehouse: an incremental run
    with pytest.raises(
        IntacctConfigError,
        match=r"audit trail \(company-config/audit-history\).*"
        "INTACCT_API_DELETES=reconcile",
    ):
        strict.sync("vendor")


def test_line_objects_reconcile_their_keys_because_audit_history_skips_lines(fresh_sandbox, syncer):
    sync = syncer(fresh_sandbox, INTACCT_API_RECONCILE_HOURS="0")
    sync.sync("journal_entry_line")
    batch = fresh_sandbox.records("GLBATCH")[0]
    lines = {str(r["RECORDNO"]) for r in fresh_sandbox.records("GLENTRY") if int(r["BATCHNO"]) == batch["RECORDNO"]}
    fresh_sandbox.delete("GLBATCH", batch["RECORDNO"])
    fresh_sandbox.advance_clock(60)
    report = sync.sync("journal_entry_line").contexts[0]
    assert report.deletes == "reconcile" and report.counts.deleted == len(lines) >= 2
    assert not lines & set(sync.rows("journal_entry_line"))


def test_xml_objects_read_through_query_or_read_by_query_agree(fresh_sandbox, syncer, tmp_path):
    through_query = tmp_path / "query.yaml"
    through_query.write_text("objects:\n  ITEM:\n    api: {name: item, xml: ITEM}\n")  # REST has items too
    override = tmp_path / "catalog.yaml"
    override.write_text("objects:\n  ITEM:\n    api: {name: item, xml: ITEM, xml_function: readByQuery}\n")
    by_query = syncer(fresh_sandbox, catalog=parse_catalog(BUILTIN_CATALOG, through_query))
    report = by_query.sync("item")
    assert report.contexts[0].fetched == 40 and report.transactions == fresh_sandbox.stats()["api_transactions"]
    item = fresh_sandbox.records("ITEM")[0]
    row = by_query.rows("item")[str(item["RECORDNO"])]
    assert row["ITEMID"] == item["ITEMID"] and row["WHENMODIFIED"].isoformat() + "Z" == item["WHENMODIFIED"]
    assert isinstance(row["BASEPRICE"], Decimal | None)
    by_read = syncer(fresh_sandbox, catalog=parse_catalog(BUILTIN_CATALOG, override))
    target = by_read.target("item")
    assert target.xml_function == "readByQuery"
    by_read.warehouse = by_query.warehouse.__class__(str(tmp_path / "other.duckdb"))
    by_read.sync(target)
    assert by_read.rows("item").keys() == by_query.rows("item").keys()
    fresh_sandbox.update("ITEM", item["RECORDNO"], {"NAME": "Renamed item"})
    fresh_sandbox.advance_clock(60)
    assert by_read.sync(target).total("updated") == 1
    assert by_read.rows("item")[str(item["RECORDNO"])]["NAME"] == "Renamed item"


def test_values_that_cannot_be_read_as_their_type_are_rejected_not_lost(fresh_sandbox, syncer, tmp_path):
    override = tmp_path / "catalog.yaml"
    override.write_text("objects:\n  ITEM:\n    columns: {NAME: integer}\n    api: {name: item, xml: ITEM}\n")
    sync = syncer(fresh_sandbox, catalog=parse_catalog(BUILTIN_CATALOG, override))
    report = sync.sync("item")
    assert report.total("rejected") == 40 and report.total("inserted") == 0
    reasons = sync.query("SELECT reason, raw_text FROM intacct_meta.rejected_rows WHERE source = 'api.item'")
    assert len(reasons) == 40 and "NAME (integer)" in reasons[0][0] and '"ITEMID"' in reasons[0][1]


def test_faults_throttling_and_token_expiry_during_a_sync(sb, make_client, syncer):
    sb.configure(error_rate=0.5, error_statuses="429,500,502,503", latency_ms=2, concurrency_limit=2)
    answers = {"count": 0}

    def expire_token_midway(response: httpx.Response) -> None:
        if response.request.url.path.endswith("/services/core/query"):
            answers["count"] += 1
            if answers["count"] == 2:
                sb.advance_clock(43201)

    sync = syncer(sb, INTACCT_API_MAX_ATTEMPTS="30", INTACCT_API_PAGE_SIZE="10")
    sync.client = make_client(
        sb, http=httpx.Client(event_hooks={"response": [expire_token_midway]}), **sync.settings_env
    )
    report = sync.sync("customer")
    sb.configure(error_rate=0.0)
    assert_matches_intacct(sync, sb)
    stats = sb.stats()
    assert stats["injected_faults"] > 0 and stats["peak_in_flight"] <= 2
    assert 401 in [c.status for c in report.calls] and report.calls_summary()["retries"] > 0


def test_full_refresh_flags_rows_deleted_while_deletes_were_not_tracked(fresh_sandbox, syncer):
    sync = syncer(fresh_sandbox, INTACCT_API_DELETES="off")
    sync.sync("project")
    project = fresh_sandbox.records("PROJECT")[0]["RECORDNO"]
    fresh_sandbox.delete("PROJECT", project)
    fresh_sandbox.advance_clock(60)
    assert sync.sync("project").total("deleted") == 0
    refreshed = sync.sync("project", full_refresh=True)
    assert refreshed.total("deleted") == 1 and str(project) not in sync.rows("project")


def test_every_call_is_recorded_in_the_warehouse(sb, syncer):
    sync = syncer(sb)
    report = sync.sync("department")
    logged = sync.query(
        "SELECT run_id, operation, status, transactions, excerpt FROM intacct_meta.api_calls WHERE asset = 'department'"
    )
    assert len(logged) == len(report.calls) and {r[0] for r in logged} == {"run-1"}
    assert sum(r[3] for r in logged) == report.transactions
    assert any(r[1] == "query company-config/department" and r[2] == 200 for r in logged)
    for secret in (sb.settings.client_secret, sb.settings.user_password, sb.settings.sender_password):
        assert not any(secret in (r[4] or "") for r in logged)


def test_ingestion_uses_the_entities_of_the_settings(sb, make_client, warehouse):
    settings = ApiSettings.from_env({"INTACCT_API_ENTITIES": "E-DE", "INTACCT_API_TOP_LEVEL": "false"})
    ingestion = ApiIngestion(make_client(sb), warehouse, settings)
    customer = SyncTarget.from_catalog(load_catalog().by_api_name("customer"), settings)
    assert ingestion.contexts(customer) == ["E-DE"]


def test_large_sets_are_read_in_segments_without_large_offsets(fresh_sandbox, make_client, syncer):
    starts: list[int] = []

    def remember_start(request: httpx.Request) -> None:
        if request.url.path.endswith("/services/core/query"):
            starts.append(json.loads(request.content)["start"])

    sync = syncer(fresh_sandbox, INTACCT_API_MAX_OFFSET="30")
    sync.client = make_client(
        fresh_sandbox, http=httpx.Client(event_hooks={"request": [remember_start]}), **sync.settings_env
    )
    sync.sync("customer")
    for key in range(1, 100, 2):  # half the customers change: a window of several segments
        fresh_sandbox.update("CUSTOMER", key, {"NAME": f"Changed {key}"})
    fresh_sandbox.advance_clock(60)
    assert sync.sync("customer").total("updated") == 50
    assert_matches_intacct(sync, fresh_sandbox)
    assert max(starts) <= 30 and starts.count(1) > 4  # every segment restarts at position 1


def test_a_full_load_reads_its_last_page_beside_the_first_and_checks_it(fresh_sandbox, make_client, syncer):
    """The last page travels with the first (read in the probe's order); a record created above the
    probed largest key, or deleted below it, meanwhile makes the last page's count disagree: the gap is
    re-read by key, so nothing is skipped and nothing is counted twice."""
    sent: list[dict] = []

    def change_after_probe(response: httpx.Response) -> None:
        if response.request.url.path.endswith("/services/core/query"):
            body = json.loads(response.request.content)
            sent.append(body)
            if body["size"] == 1 and len(sent) == 1:  # the probe for the largest key has answered
                fresh_sandbox.create("CUSTOMER", {"CUSTOMERID": "C-LATE", "NAME": "Late, Inc."})
                fresh_sandbox.delete("CUSTOMER", 40)

    before = set(intacct_customers(fresh_sandbox))
    sync = syncer(fresh_sandbox)
    sync.client = make_client(
        fresh_sandbox, http=httpx.Client(event_hooks={"response": [change_after_probe]}), **sync.settings_env
    )
    report = sync.sync("customer").contexts[0]
    descending = [b for b in sent if b["size"] > 1 and b["orderBy"] == [{"key": "desc"}]]
    assert len(descending) == 1 and descending[0]["start"] == 1  # the last page, read top-down
    assert report.repairs >= 1  # its count disagreed with the first page's: the gap was re-read by key
    assert before - {"40"} <= set(sync.rows("customer"))  # every record that stood still was read
    assert len(sync.query("SELECT key FROM api.customer GROUP BY key HAVING count(*) > 1")) == 0
    fresh_sandbox.advance_clock(30)
    sync.sync("customer")
    assert_matches_intacct(sync, fresh_sandbox)


@pytest.mark.parametrize(
    "body",
    [
        b'{"ia::result":[{"key":"1"}]}',  # no ia::meta.totalCount
        b'{"ia::result":[{"key":"1"}],"ia::meta":{"totalCount":null}}',
        b'{"ia::error":{"code":"x","message":"a gateway error sent with HTTP 200"}}',
        b"{}",
        b"<html>maintenance</html>",
    ],
)
def test_a_query_answer_without_its_rows_or_total_is_an_error_not_an_empty_set(body):
    """Read as "no rows", a full refresh would flag every record deleted."""
    with pytest.raises(UnexpectedAnswerError):
        _decode_rest(body, ("key",))
    empty = _decode_rest(b'{"ia::result":[],"ia::meta":{"totalCount":0}}', ("key",))
    assert empty.total == 0 and empty.frame.height == 0


class _ShortPages(httpx.HTTPTransport):
    """Intacct answering pages after the first with their last rows missing (but the same total)."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        query = json.loads(request.content or b"{}") if request.url.path.endswith("/services/core/query") else {}
        if query.get("start", 1) == 1 or query.get("size", 0) <= 1:
            return response
        page = json.loads(response.read())
        page["ia::result"] = page["ia::result"][:-3]
        return httpx.Response(response.status_code, json=page, request=request)


def test_a_short_page_in_a_full_load_is_re_read_not_skipped(fresh_sandbox, make_client, syncer):
    sync = syncer(fresh_sandbox, INTACCT_API_PAGE_SIZE="10")
    sync.client = make_client(fresh_sandbox, http=httpx.Client(transport=_ShortPages()), **sync.settings_env)
    report = sync.sync("customer").contexts[0]
    assert report.repairs >= 1
    assert set(sync.rows("customer")) == set(intacct_customers(fresh_sandbox))


def test_a_record_without_its_key_is_rejected():
    raw = pl.DataFrame({"key": ["1", None, " "], "name": ["a", "b", "c"]})
    fields = [FieldSpec("key", "key", "string"), FieldSpec("name", "name", "string")]
    batch, rejected = typed_batch(raw, fields, "", None, "key")
    assert batch["key"].to_list() == ["1"]
    assert [json.loads(text)["name"] for _, text in rejected] == ["b", "c"]
    assert rejected[0][0] == "cannot read key (required)"


def test_a_field_holding_an_object_or_a_list_is_kept_as_json_text_not_a_failed_page():
    """polars cannot read such a value as text; the exact decoder keeps it (and numbers keep their digits)."""
    body = (
        '{"ia::result":[{"key":"1","contacts":{"email":"a@b.example","rank":1.50},"amount":12345678901234567.25},'
        '{"key":"2","contacts":["x","é"],"amount":null}],"ia::meta":{"totalCount":2}}'
    ).encode()
    page = _decode_rest(body, ("key", "contacts", "amount"))
    assert page.total == 2
    assert page.frame.rows() == [
        ("1", '{"email":"a@b.example","rank":1.5}', "12345678901234567.25"),
        ("2", '["x","é"]', None),
    ]


@pytest.mark.parametrize(
    ("name", "obj", "column", "kind"),
    [
        ("item", "ITEM", "sales__basePrice", Decimal),
        ("user", "USERINFO", "userName", str),
        ("reporting_period", "REPORTINGPERIOD", "startDate", date),
        ("ap_payment", "APPYMT", "txnDate", date),
    ],
)
def test_objects_rest_has_are_read_over_rest(fresh_sandbox, syncer, name, obj, column, kind):
    """REST has item, user, reporting period and AP payment (mirrored OpenAPI dumps): no XML call is made."""
    sync = syncer(fresh_sandbox)
    report = sync.sync(name)
    rows = sync.rows(name)
    assert len(rows) == len(fresh_sandbox.records(obj)) == report.contexts[0].fetched > 0
    assert "xml" not in {c.face for c in report.calls} and "rest" in {c.face for c in report.calls}
    assert all(isinstance(row[column], kind) for row in rows.values())


@pytest.mark.parametrize("page_size", ["40", "4000"])
def test_pages_capped_below_the_size_asked_for_are_read_whole(fresh_sandbox, syncer, page_size):
    """Whether Intacct refuses a query ``size`` above its largest or caps it silently is undocumented: a capped
    page leaves gaps between positional pages, which keyset repairs fill however many capped pages they take."""
    fresh_sandbox.configure(max_query_size=10, oversize_query="cap")
    sync = syncer(fresh_sandbox, INTACCT_API_PAGE_SIZE=page_size)
    report = sync.sync("customer").contexts[0]
    assert report.repairs >= 1
    assert set(sync.rows("customer")) == set(intacct_customers(fresh_sandbox))
    fresh_sandbox.advance_clock(60)
    for n in range(1, 41):
        fresh_sandbox.update("CUSTOMER", n, {"NAME": f"Renamed {n}"})
    assert sync.sync("customer").contexts[0].fetched == 40
    names = {key: row["name"] for key, row in sync.rows("customer").items()}
    assert {names[str(n)] for n in range(1, 41)} == {f"Renamed {n}" for n in range(1, 41)}
