"""Whether Intacct's Idempotency-Key covers a create batch is undocumented (sandbox knob ``idempotent_batches``).
Under ``INTACCT_API_BATCH_IDEMPOTENCY=verify`` (the default) every document ends written exactly once either way,
through answers lost after commit and 5xx storms: read back by ``match.field``, or held for the user's word where
nothing can read it back. ``trust`` is exactly once only where Intacct replays batches; XML legacy creates (per
function ``controlid``) are unaffected by either."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest

from intacct_assets.reverse_sync.engine import write_requests
from intacct_assets.warehouse.connection import run
from intacct_assets_tests.reverse_sync.documents import (
    BILLS,
    CUSTOMERS,
    INVOICES,
    JOURNAL,
    JOURNAL_BY_DESCRIPTION,
    bill_rows,
    invoice_rows,
    journal_rows,
    posted_entries,
    synced_bills,
    synced_invoices,
)
from intacct_assets_tests.reverse_sync.harness import SyncHarness

DOCUMENTS = 12
BATCH = "    batch_size: 4\n"  # three batches per run: some answered, some lost


@dataclass(frozen=True)
class Target:
    spec: str
    table: str
    rows: Callable[[object], list[dict]]
    written: Callable[[object], list[str]]  # what the sync created, one entry per record (a duplicate shows twice)
    expected: list[str]


def _accruals(sandbox) -> list[dict]:
    return journal_rows([a["ACCOUNTNO"] for a in sandbox.records("GLACCOUNT")[:2]], DOCUMENTS)


def _customers(sandbox) -> list[dict]:
    return [
        {"crm_id": f"CRM-{n:04d}", "company_name": f"New customer {n}", "credit_limit": Decimal("100.00")}
        for n in range(DOCUMENTS)
    ]


def _crm_customers(sandbox) -> list[str]:
    return sorted(c["CUSTOMERID"] for c in sandbox.records("CUSTOMER") if str(c["CUSTOMERID"]).startswith("CRM-"))


TARGETS = {
    "journal entries": Target(
        JOURNAL_BY_DESCRIPTION + BATCH,
        "finance.accruals",
        _accruals,
        posted_entries,
        sorted(f"accrual {n}" for n in range(DOCUMENTS)),
    ),
    "bills": Target(
        BILLS + BATCH,
        "finance.bills",
        lambda sb: bill_rows(sb, DOCUMENTS),
        synced_bills,
        sorted(f"RSYNC-BILL-{n}" for n in range(DOCUMENTS)),
    ),
    "customers": Target(
        CUSTOMERS + BATCH,
        "analytics.crm_customers",
        _customers,
        _crm_customers,
        [f"CRM-{n:04d}" for n in range(DOCUMENTS)],
    ),
    "invoices (XML)": Target(
        INVOICES,
        "billing.invoice_lines",
        lambda sb: invoice_rows(sb, DOCUMENTS),
        synced_invoices,
        sorted(f"RSYNC-INV-{n}" for n in range(DOCUMENTS)),
    ),
}
FAULTS = {
    "connections dropped after commit": {"lost_response_rate": 0.5, "lost_response_mode": "close"},
    "524s after commit and a 5xx storm": {
        "lost_response_rate": 0.3,
        "lost_response_mode": "524",
        "error_rate": 0.4,
        "error_statuses": [429, 500, 502, 503, 524],
    },
}


def sync_until_settled(harness: SyncHarness, spec: str, runs: int = 8, **pending):
    """Runs an hour apart (Intacct's 48-hour replay window stays open) until no row fails."""
    for _ in range(runs):
        report = harness.sync(spec, **pending)
        if not report.failed:
            break
        harness.advance(1)
    return report


def pending_members(harness: SyncHarness) -> dict[str, list[str]]:
    """Idempotency key -> match values of the requests still pending."""
    with harness.warehouse.connect() as connection:
        rows = run(connection, "SELECT idempotency_key, members FROM intacct_meta.reverse_sync_pending")
    return {key: re.findall(r'"([^"]*)"', members) for key, members in rows}


KNOB = {True: "batches keyed", False: "batches run again"}  # the sandbox's idempotent_batches
# Every target, setting, knob value and fault (XML invoices: one, the REST setting and knob do not reach them), but
# for the hazard verify exists for (the counter-proof below): trusting the key when Intacct runs a resent batch
# again duplicates documents that have no unique ID.
CASES = [
    pytest.param(target, setting, knob, fault, id=f"{target}-{setting}-{KNOB[knob]}-{fault}")
    for target in TARGETS
    for setting in ("verify", "trust")
    for knob in KNOB
    for fault in (FAULTS if target != "invoices (XML)" else list(FAULTS)[1:])
    if not (setting == "trust" and not knob and target in ("journal entries", "bills"))
]


@pytest.mark.parametrize(("target", "batch_idempotency", "idempotent_batches", "fault"), CASES)
def test_every_document_is_written_exactly_once(harness, target, batch_idempotency, idempotent_batches, fault):
    chosen = TARGETS[target]
    harness.settings(INTACCT_API_BATCH_IDEMPOTENCY=batch_idempotency)
    harness.sandbox.configure(idempotent_batches=idempotent_batches)
    harness.table(chosen.table, chosen.rows(harness.sandbox))
    harness.sandbox.configure(**FAULTS[fault])
    report = sync_until_settled(harness, chosen.spec)
    harness.sandbox.configure(lost_response_rate=0, error_rate=0)
    assert not report.failed, report.failed[0].error
    assert chosen.written(harness.sandbox) == chosen.expected  # no duplicate, none missing
    assert pending_members(harness) == {}
    assert write_requests(harness.sync(chosen.spec)) == 0


@pytest.mark.parametrize("target", ["journal entries", "bills"])
def test_trusting_the_key_duplicates_documents_if_intacct_does_not_replay_batches(harness, target):
    """The counter-proof: were the key not to cover a batch, resending one whose answer was lost would create its
    documents again. With verify (the test above) the same run writes each exactly once."""
    chosen = TARGETS[target]
    harness.settings(INTACCT_API_BATCH_IDEMPOTENCY="trust")
    harness.sandbox.configure(idempotent_batches=False)
    harness.table(chosen.table, chosen.rows(harness.sandbox))
    harness.sandbox.configure(**FAULTS["connections dropped after commit"])
    sync_until_settled(harness, chosen.spec)
    written = chosen.written(harness.sandbox)
    assert sorted(set(written)) == chosen.expected and len(written) > len(chosen.expected)


@pytest.mark.parametrize("idempotent_batches", list(KNOB), ids=list(KNOB.values()))
def test_entries_that_cannot_be_read_back_are_held_until_the_user_says_what_intacct_has(harness, idempotent_batches):
    """Without ``match.field`` nothing can tell whether Intacct posted a batch whose answer was lost: its rows are
    held, each run saying how to release them, until the user (here: the test, looking in the sandbox) names the
    request in ``pending_written`` or ``pending_resend``."""
    harness.sandbox.configure(idempotent_batches=idempotent_batches)
    harness.table("finance.accruals", _accruals(harness.sandbox))
    harness.sandbox.configure(lost_response_rate=0.5, error_rate=0.3, error_statuses=[500, 502])
    first = harness.sync(JOURNAL + BATCH)
    harness.sandbox.configure(lost_response_rate=0, error_rate=0)
    held = pending_members(harness)
    assert held and {f.match_value for f in first.failed} == {m for members in held.values() for m in members}
    for failure in first.failed:
        assert "INTACCT_API_BATCH_IDEMPOTENCY=verify" in failure.error and "pending_written: ['" in failure.error

    harness.advance(1)
    again = harness.sync(JOURNAL + BATCH)  # still held, with the same advice; nothing is sent
    assert write_requests(again) == 0 and len(again.failed) == len(first.failed)
    assert all(
        f"pending_resend: ['{key}']" in failure.error
        for key, members in held.items()
        for failure in again.failed
        if failure.match_value in members
    )

    posted = set(posted_entries(harness.sandbox))
    there = [key for key, members in held.items() if {f"accrual {m.split('-')[1]}" for m in members} <= posted]
    settled = harness.sync(
        JOURNAL + BATCH, pending_written=there, pending_resend=[key for key in held if key not in there]
    )
    assert not settled.failed and pending_members(harness) == {}
    assert posted_entries(harness.sandbox) == TARGETS["journal entries"].expected
    assert write_requests(harness.sync(JOURNAL + BATCH)) == 0
