"""Reverse-sync benchmark: upsert 10,000 customers at 100 ms latency and concurrency 2.

Run: .venv/bin/python benchmarks/reverse_sync.py [--rows 10000] [--latency-ms 100] [--batches-run-again]

The sandbox runs in a child process (its CPU does not compete for this process's GIL) with 5,000
customers. The source table holds 10,000 rows: those 5,000 (renamed, so they need an update) and
5,000 new ones. Runs:

1. the upsert (half new, half existing);
2. a rerun after 1% of the source rows changed;
3. a rerun with nothing changed;
4. the first run again on a fresh sandbox with 30% of write answers lost after commit, plus 5% random
   429/5xx faults, once per ``INTACCT_API_BATCH_IDEMPOTENCY`` (verify, trust), rerun an hour later (the
   sandbox's clock and the sync's) until no row fails; then duplicates, missing and stale customers are
   counted (must be 0). ``--batches-run-again``: the sandbox runs a resent batch again
   (``idempotent_batches=False``) instead of replaying its first answer.

For each: wall time, write requests, lookup requests, Intacct transactions (counted by the sandbox).
For scale: Zeotap sends one request per row, sequentially — 10,000 requests, ≥ 1,000 s at this latency.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import polars as pl

from intacct_assets.intacct import IntacctClient, IntacctSettings
from intacct_assets.reverse_sync.engine import ReverseSync, write_requests
from intacct_assets.reverse_sync.spec import parse_syncs
from intacct_assets.sandbox import Knobs, Sandbox, SandboxSettings
from intacct_assets.warehouse.connection import Warehouse, run

SPEC = parse_syncs("""
syncs:
  - name: crm_customers
    source: {table: analytics.crm_customers}
    object: customer
    mode: upsert
    match: {column: crm_id, field: id}
    mapping: {id: crm_id, name: company_name, "contacts.default.email1": email}
""")[0]


def serve(conn, customers: int, knobs: Knobs) -> None:
    with Sandbox(SandboxSettings(counts={"CUSTOMER": customers}, start_s3=False, knobs=knobs)) as sb:
        ids = [record["CUSTOMERID"] for record in sb.records("CUSTOMER")]
        conn.send({"env": sb.env, "admin": sb.admin_url, "ids": ids})
        conn.recv()  # stop


class SandboxProcess:
    def __init__(self, customers: int, knobs: Knobs):
        self._conn, child = multiprocessing.Pipe()
        self._process = multiprocessing.Process(target=serve, args=(child, customers, knobs), daemon=True)
        self._process.start()
        self.info = self._conn.recv()

    def stats(self) -> dict:
        return httpx.get(f"{self.info['admin']}/stats", params={"recent": 0}).json()

    def reset(self) -> None:
        httpx.post(f"{self.info['admin']}/stats/reset")

    def configure(self, **knobs) -> None:
        httpx.post(f"{self.info['admin']}/config", json=knobs).raise_for_status()

    def advance(self, hours: float) -> None:
        httpx.post(f"{self.info['admin']}/clock/advance", json={"seconds": hours * 3600}).raise_for_status()

    def stop(self) -> None:
        self._conn.send("stop")
        self._process.join(timeout=30)


def source_rows(existing_ids: list[str], rows: int) -> list[dict]:
    half = rows // 2
    out = [
        {"crm_id": ident, "company_name": f"CRM name {n}", "email": f"ap{n}@crm.test"}
        for n, ident in enumerate(existing_ids[:half])
    ]
    out += [
        {"crm_id": f"CRM-{n:06d}", "company_name": f"New customer {n}", "email": f"new{n}@crm.test"}
        for n in range(rows - len(out))
    ]
    return out


def write_source(warehouse: Warehouse, rows: list[dict]) -> None:
    with warehouse.connect() as connection:
        connection.register("_rows", pl.DataFrame(rows).to_arrow())
        run(connection, "CREATE SCHEMA IF NOT EXISTS analytics")
        run(connection, "CREATE OR REPLACE TABLE analytics.crm_customers AS SELECT * FROM _rows")
        connection.unregister("_rows")


def measure(label: str, sandbox: SandboxProcess, sync: ReverseSync) -> dict:
    sandbox.reset()
    started = time.perf_counter()
    report = sync.run()
    seconds = time.perf_counter() - started
    stats = sandbox.stats()
    operations = report.api.get("by_operation", {})
    lookups = sum(int(row["requests"]) for name, row in operations.items() if name.startswith("query"))
    counts = report.counts()
    return {
        "run": label,
        "seconds": seconds,
        "write_requests": write_requests(report),
        "lookups": lookups,
        "requests": stats["requests"],
        "transactions": stats["api_transactions"],
        "throttled": stats["throttled_429"],
        "created": counts["created"],
        "updated": counts["updated"],
        "unchanged": counts["unchanged"],
        "failed": counts["failed"],
    }


def print_row(row: dict) -> None:
    print(
        f"{row['run']:34s} {row['seconds']:7.2f} s  writes {row['write_requests']:3d}  lookups {row['lookups']:3d}  "
        f"requests {row['requests']:4d}  transactions {row['transactions']:6d}  "
        f"created {row['created']:5d} updated {row['updated']:5d} unchanged {row['unchanged']:5d} "
        f"failed {row['failed']}"
    )


class Clock:
    """The sync's clock, moved as far as the sandbox's (a rerun an hour later)."""

    def __init__(self) -> None:
        self.advanced = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC).replace(tzinfo=None) + self.advanced


def prepared(
    sandbox: SandboxProcess, rows: int, concurrency: int, clock: Clock, batch_idempotency: str = "verify"
) -> tuple[ReverseSync, list[dict], IntacctClient]:
    """A fresh warehouse with the source table, and the sync against this sandbox."""
    warehouse = Warehouse(str(Path(tempfile.mkdtemp()) / "reverse.duckdb"))
    source = source_rows(sandbox.info["ids"], rows)
    write_source(warehouse, source)
    client = IntacctClient(
        IntacctSettings.from_env(
            {
                **sandbox.info["env"],
                "INTACCT_API_CONCURRENCY": str(concurrency),
                "INTACCT_API_BATCH_IDEMPOTENCY": batch_idempotency,
            }
        )
    )
    return ReverseSync(SPEC, warehouse, client, run_id="benchmark", clock=clock), source, client


def faulty(args: argparse.Namespace, batch_idempotency: str) -> None:
    """Run 4 under one setting: reruns an hour apart until no row fails, then duplicates and gaps are counted."""
    knobs = Knobs(
        latency_ms=args.latency_ms,
        concurrency_limit=args.concurrency,
        lost_response_rate=0.3,
        error_rate=0.05,
        retry_after_seconds=0,
        idempotent_batches=not args.batches_run_again,
    )
    sandbox, clock = SandboxProcess(args.rows // 2, knobs), Clock()
    try:
        sync, rows, client = prepared(sandbox, args.rows, args.concurrency, clock, batch_idempotency)
        runs = [measure(f"4. {batch_idempotency}: upsert, 30% lost + 5% faults", sandbox, sync)]
        print_row(runs[-1])
        while runs[-1]["failed"] and len(runs) < 6:
            sandbox.advance(1)
            clock.advanced += timedelta(hours=1)
            runs.append(measure(f"   rerun {len(runs)}, an hour later", sandbox, sync))
            print_row(runs[-1])
        sandbox.configure(lost_response_rate=0, error_rate=0)
        duplicates, missing, stale = count_records(client, rows)
        print(
            f"   {batch_idempotency}: {len(runs)} run(s), {sum(r['requests'] for r in runs):,} requests "
            f"({sum(r['write_requests'] for r in runs)} writes, {sum(r['lookups'] for r in runs)} lookups), "
            f"{sum(r['transactions'] for r in runs):,} transactions; {duplicates} duplicate(s), {missing} missing, "
            f"{stale} stale of {len(rows):,} customers"
        )
    finally:
        sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument(
        "--batches-run-again",
        action="store_true",
        help="run 4: the sandbox runs a resent create batch again instead of replaying its answer",
    )
    parser.add_argument("--faulty-only", action="store_true", help="only run 4")
    args = parser.parse_args()
    knobs = Knobs(latency_ms=args.latency_ms, concurrency_limit=args.concurrency)
    print(
        f"sandbox: {args.rows // 2:,} customers, latency {args.latency_ms} ms, concurrency {args.concurrency}; "
        f"source: {args.rows:,} rows (half new, half existing); load average {os.getloadavg()[0]:.1f}"
    )
    if not args.faulty_only:
        steady(args, knobs)
    for batch_idempotency in ("verify", "trust"):
        faulty(args, batch_idempotency)
    print(f"load average {os.getloadavg()[0]:.1f}")


def steady(args: argparse.Namespace, knobs: Knobs) -> None:
    """Runs 1 to 3, without faults."""
    sandbox = SandboxProcess(args.rows // 2, knobs)
    try:
        sync, rows, _ = prepared(sandbox, args.rows, args.concurrency, Clock())
        print_row(measure("1. upsert (half new, half existing)", sandbox, sync))
        for row in rows[::100]:
            row["company_name"] += " (changed)"
        write_source(sync.warehouse, rows)
        print_row(measure("2. rerun, 1% changed", sandbox, sync))
        print_row(measure("3. rerun, nothing changed", sandbox, sync))
    finally:
        sandbox.stop()


def count_records(client: IntacctClient, rows: list[dict]) -> tuple[int, int, int]:
    """(duplicates, missing, stale: named otherwise than the source) among the customers of the source rows."""
    from intacct_assets.intacct.filters import Compare
    from intacct_assets.intacct.rest import Query

    names: dict[str, list[str]] = {}
    ids = [row["crm_id"] for row in rows]
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        page = client.rest.query(
            Query("accounts-receivable/customer", ("key", "id", "name"), Compare("in", "id", chunk), size=4000)
        )
        for row in page.rows:
            names.setdefault(row["id"], []).append(row["name"])
    stale = sum(1 for row in rows if row["crm_id"] in names and row["company_name"] not in names[row["crm_id"]])
    return sum(len(found) - 1 for found in names.values()), len(set(ids) - set(names)), stale


if __name__ == "__main__":
    main()
