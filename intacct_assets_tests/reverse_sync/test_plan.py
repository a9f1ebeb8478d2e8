"""Reverse-sync core without the network: YAML specs, mapping, journal balance, the diff, state."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from intacct_assets.reverse_sync.engine import source_query
from intacct_assets.reverse_sync.mapping import build_records, payload_hash, wire_value
from intacct_assets.reverse_sync.objects import UnknownWriteObject, write_object
from intacct_assets.reverse_sync.plan import plan_sync
from intacct_assets.reverse_sync.spec import SyncSpecError, parse_syncs
from intacct_assets.reverse_sync.state import RowResult, StateRow, load_state, save_results
from intacct_assets.warehouse.connection import transaction

CUSTOMERS = """
syncs:
  - name: crm_customers
    source: {table: analytics.crm_customers}
    object: customer
    mode: upsert
    match: {column: crm_id, field: id}
    mapping: {id: crm_id, name: company_name, "contacts.default.email1": email, creditLimit: limit}
    on_delete: clear
"""
JOURNAL = """
syncs:
  - name: accruals
    source: {sql: "select * from finance.accruals"}
    object: journal_entry
    mode: insert
    match: {column: entry}
    mapping: {postingDate: posted, description: memo, glJournal.id: journal}
    lines: {glAccount.id: account, amount: amount, description: line_memo}
"""


def spec_of(text):
    return parse_syncs(text)[0]


def test_mapping_nests_dot_paths_and_keeps_values_exact():
    spec = spec_of(CUSTOMERS)
    [record] = build_records(
        [{"crm_id": "C-1", "company_name": "Acme", "email": "a@acme.test", "limit": Decimal("1000.50")}],
        spec,
        write_object("customer"),
    )
    assert record.payload == {
        "id": "C-1",
        "name": "Acme",
        "contacts": {"default": {"email1": "a@acme.test"}},
        "creditLimit": "1000.5",
    }
    assert wire_value(date(2026, 1, 2)) == "2026-01-02"
    assert wire_value(datetime(2026, 1, 2, 3)) == "2026-01-02T03:00:00Z"


def test_null_leaves_a_field_alone_and_empty_string_clears_it():
    spec = spec_of(CUSTOMERS)
    [record] = build_records(
        [{"crm_id": "C-1", "company_name": None, "email": "", "limit": None}], spec, write_object("customer")
    )
    assert record.payload == {"id": "C-1", "contacts": {"default": {"email1": None}}}
    lenient = spec.model_copy(update={"nulls": "clear", "empty_strings": "leave"})
    [record] = build_records(
        [{"crm_id": "C-1", "company_name": None, "email": "", "limit": None}], lenient, write_object("customer")
    )
    assert record.payload == {"id": "C-1", "name": None, "creditLimit": None}


def test_journal_entries_group_lines_sign_amounts_and_reject_unbalanced_entries():
    spec = spec_of(JOURNAL)
    rows = [
        {
            "entry": "JE-1",
            "posted": date(2026, 11, 1),
            "memo": "accrual",
            "journal": "GJ",
            "account": "6000",
            "amount": Decimal("100.00"),
            "line_memo": "expense",
        },
        {
            "entry": "JE-1",
            "posted": date(2026, 11, 1),
            "memo": "accrual",
            "journal": "GJ",
            "account": "2000",
            "amount": Decimal("-100.00"),
            "line_memo": "liability",
        },
        {
            "entry": "JE-2",
            "posted": date(2026, 11, 1),
            "memo": "bad",
            "journal": "GJ",
            "account": "6000",
            "amount": Decimal("50"),
            "line_memo": None,
        },
        {
            "entry": "JE-2",
            "posted": date(2026, 11, 1),
            "memo": "bad",
            "journal": "GJ",
            "account": "2000",
            "amount": Decimal("-40"),
            "line_memo": None,
        },
    ]
    good, bad = build_records(rows, spec, write_object("journal_entry"))
    assert good.error is None
    assert good.payload["lines"] == [
        {"glAccount": {"id": "6000"}, "txnType": "debit", "txnAmount": "100", "description": "expense"},
        {"glAccount": {"id": "2000"}, "txnType": "credit", "txnAmount": "100", "description": "liability"},
    ]
    assert bad.error == "debits 50 do not equal credits 40 (difference 10)"


def test_duplicate_and_empty_match_values_are_rejected():
    spec = spec_of(CUSTOMERS)
    records = build_records(
        [
            {"crm_id": "C-1", "company_name": "a"},
            {"crm_id": "C-1", "company_name": "b"},
            {"crm_id": None, "company_name": "c"},
        ],
        spec,
        write_object("customer"),
    )
    errors = sorted(r.error for r in records)
    assert "2 source rows share crm_id = 'C-1'" in errors[0] and "is empty" in errors[1]


def test_plan_sends_only_new_changed_failed_and_removed_rows():
    spec = spec_of(CUSTOMERS)
    target = write_object("customer")
    records = build_records([{"crm_id": f"C-{n}", "company_name": f"name {n}"} for n in range(1, 6)], spec, target)
    hashes = {r.match_value: r.hash for r in records}
    state = {
        "C-1": StateRow("C-1", hashes["C-1"], "101", "created", True),  # unchanged
        "C-2": StateRow("C-2", "old", "102", "updated", True),  # changed → update by key
        "C-3": StateRow("C-3", hashes["C-3"], None, "failed", True),  # failed before → retried
        "C-9": StateRow("C-9", "x", "109", "created", True),  # left the source → clear
        "C-8": StateRow("C-8", None, "108", "cleared", False),  # already handled
    }
    plan = plan_sync(spec, target, records, state)
    operations = {w.match_value: (w.operation, w.intacct_key) for w in plan.writes}
    assert plan.unchanged == ["C-1"]
    assert operations == {
        "C-2": ("update", "102"),
        "C-3": ("upsert", None),
        "C-4": ("upsert", None),
        "C-5": ("upsert", None),
        "C-9": ("clear", "109"),
    }
    clear = next(w for w in plan.writes if w.operation == "clear")
    assert clear.payload == {"name": None, "contacts": {"default": {"email1": None}}, "creditLimit": None}


def test_insert_only_objects_are_never_sent_twice():
    spec = spec_of(JOURNAL)
    target = write_object("journal_entry")
    rows = [
        {"entry": "JE-1", "account": "1", "amount": Decimal(1)},
        {"entry": "JE-1", "account": "2", "amount": Decimal(-1)},
    ]
    [record] = build_records(rows, spec, target)
    changed_later = plan_sync(spec, target, [record], {"JE-1": StateRow("JE-1", "other", "55", "created", True)})
    assert changed_later.writes == [] and changed_later.unchanged == ["JE-1"]
    assert plan_sync(spec, target, [record], {}).writes[0].operation == "create"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "syncs: [{name: BadName, source: {table: t}, object: customer, match: {column: a}, mapping: {a: b}}]",
            "lower_snake_case",
        ),
        (
            "syncs: [{name: s, source: {table: t, sql: x}, object: customer, match: {column: a}, mapping: {a: b}}]",
            "exactly one",
        ),
        (
            "syncs: [{name: s, source: {table: t}, object: customer, mode: update, match: {column: a}, "
            "mapping: {a: b}}]",
            "match.field",
        ),
        (
            "syncs: [{name: s, source: {table: 'x; drop'}, object: customer, match: {column: a}, mapping: {a: b}}]",
            "schema.table",
        ),
        (
            "syncs: [{name: s, source: {table: t}, object: customer, match: {column: a}, mapping: {}}]",
            "mapping is empty",
        ),
    ],
)
def test_invalid_specs_explain_themselves(text, message):
    with pytest.raises(SyncSpecError, match=message):
        parse_syncs(text)


def test_unknown_target_objects_are_refused():
    with pytest.raises(UnknownWriteObject, match="customer"):
        write_object("gl_detail")


def test_state_moves_forward_and_failures_are_kept_for_retry(warehouse):
    at = datetime(2026, 11, 1)
    with warehouse.connect() as connection, transaction(connection):
        save_results(
            connection,
            "s",
            "run1",
            [
                RowResult("A", "create", "created", "1", payload_hash="h1"),
                RowResult("B", "create", "failed", error="BL01001973 Invalid Project", payload_hash="h2"),
            ],
            at,
        )
        save_results(connection, "s", "run2", [RowResult("A", "delete", "deleted", "1")], at)
    with warehouse.connect() as connection:
        state = load_state(connection, "s")
    assert state["A"] == StateRow("A", None, None, "deleted", False)
    assert state["B"] == StateRow("B", None, None, "failed", True)
    assert payload_hash({"a": 1, "b": [1, 2]}) == payload_hash({"b": [1, 2], "a": 1})


@pytest.mark.parametrize(
    ("asset", "table"),
    [
        ("[intacct, api, customer]", '"api"."customer"'),
        ("[intacct, acme, api, customer]", '"api"."customer"'),  # a company declared in YAML
        ("[intacct, acme, dds, glentry]", '"dds"."glentry"'),
        ("[analytics, crm_customers]", '"analytics"."crm_customers"'),
    ],
)
def test_a_source_asset_names_its_table(asset, table):
    text = CUSTOMERS.replace("source: {table: analytics.crm_customers}", f"source: {{asset: {asset}}}")
    [spec] = parse_syncs(text)
    assert source_query(spec) == f"SELECT * FROM {table}"
