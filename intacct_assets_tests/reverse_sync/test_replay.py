"""A captured reverse sync — REST batches, XML legacy creates, answers lost after commit — replays: the same
source rows, synced against a sandbox holding nothing but the capture, end with the same outcome per row."""

from __future__ import annotations

import json
from decimal import Decimal

from intacct_assets.intacct import capture
from intacct_assets.sandbox import Sandbox, SandboxSettings
from intacct_assets.warehouse.connection import Warehouse, run
from intacct_assets_tests.reverse_sync.documents import CUSTOMERS, INVOICES, JOURNAL, invoice_rows, journal_rows
from intacct_assets_tests.reverse_sync.harness import SyncHarness


def outcomes(harness: SyncHarness) -> list[tuple]:
    with harness.warehouse.connect() as connection:
        return sorted(
            run(
                connection,
                "SELECT sync, run_id, match_value, outcome, intacct_key, error FROM intacct_meta.reverse_sync_results",
            )
        )


def test_a_captured_reverse_sync_with_lost_answers_replays_to_the_same_outcomes(fresh_sandbox, make_client, tmp_path):
    known = fresh_sandbox.records("CUSTOMER")[:5]
    sources = {
        "analytics.crm_customers": [
            {"crm_id": c["CUSTOMERID"], "company_name": f"{c['NAME']} (CRM)", "credit_limit": Decimal("5000.00")}
            for c in known
        ]
        + [{"crm_id": f"CRM-{n}", "company_name": f"New {n}", "credit_limit": None} for n in range(5)],
        "billing.invoice_lines": invoice_rows(fresh_sandbox, 6),
        "finance.accruals": journal_rows([a["ACCOUNTNO"] for a in fresh_sandbox.records("GLACCOUNT")[:2]], 4),
    }

    def sync_everything(harness: SyncHarness) -> None:
        for table, rows in sources.items():
            harness.table(table, rows)
        for _ in range(3):  # later runs replay what a lost answer left pending
            for spec in (CUSTOMERS, INVOICES, JOURNAL):
                harness.sync(spec)

    folder = tmp_path / "capture"
    recording = SyncHarness(
        fresh_sandbox, Warehouse(str(tmp_path / "recorded.duckdb")), make_client, INTACCT_CAPTURE_DIR=str(folder)
    )
    fresh_sandbox.configure(lost_response_rate=0.4)
    sync_everything(recording)
    (path,) = folder.glob("*.jsonl")
    exchanges = capture.read(path)[1]
    assert any(e["response"] is None for e in exchanges)  # answers were lost after Intacct committed
    assert {e["face"] for e in exchanges} == {"oauth", "rest", "xml"}

    with Sandbox(SandboxSettings(replay=str(folder), start_s3=False)) as replay:
        replaying = SyncHarness(replay, Warehouse(str(tmp_path / "replayed.duckdb")), make_client)
        sync_everything(replaying)
        report = replay.replay.report()
    assert report["unmatched"] == [] and report["unused"] == []
    recorded = outcomes(recording)
    assert {row[3] for row in recorded} >= {"created", "updated"} and recorded == outcomes(replaying)
    sent = [
        json.loads(e["request"]["body"]) for e in exchanges if e["operation"] == "create general-ledger/journal-entry"
    ]
    assert sent and all(entry["description"].startswith("accrual") for batch in sent for entry in batch)
