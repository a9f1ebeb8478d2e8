"""API ingestion benchmark: 200,000 customers over REST at 100 ms latency and concurrency 2.

Run: .venv/bin/python benchmarks/api_ingest.py [--customers 200000] [--latency-ms 100] [--repeat 3]

The sandbox runs in a child process (its CPU does not compete for this process's GIL). Three runs
of the ``customer`` asset's core (``ApiIngestion.sync``) into a fresh DuckDB file:

1. full load;
2. incremental after 1% of the customers changed (REST batch updates, 500 per request);
3. incremental with nothing changed.

For each: wall time, rows/s, HTTP requests, Intacct transactions (counted by the sandbox), and the
ratio to the concurrency bound = data pages x latency / concurrency, the fastest any client could
read that many rows (pages of 4,000 rows, the query service's maximum).
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from intacct_assets.api.settings import ApiSettings
from intacct_assets.api.sync import ApiIngestion
from intacct_assets.api.targets import SyncTarget
from intacct_assets.catalog import load_catalog
from intacct_assets.intacct import IntacctClient, IntacctSettings, batches
from intacct_assets.intacct.rest import MAX_QUERY_SIZE
from intacct_assets.sandbox import Knobs, Sandbox, SandboxSettings
from intacct_assets.warehouse.connection import Warehouse

CUSTOMER = "accounts-receivable/customer"


def serve(conn, customers: int, latency_ms: int, concurrency: int) -> None:
    knobs = Knobs(latency_ms=latency_ms, concurrency_limit=concurrency)
    with Sandbox(SandboxSettings(counts={"CUSTOMER": customers}, start_s3=False, knobs=knobs)) as sb:
        conn.send({"env": sb.env, "admin": sb.admin_url})
        conn.recv()  # stop


class Bench:
    def __init__(self, env: dict[str, str], admin: str, latency_ms: int, concurrency: int) -> None:
        self.admin, self.latency, self.concurrency = admin, latency_ms / 1000, concurrency
        self.client = IntacctClient(IntacctSettings.from_env({**env, "INTACCT_API_CONCURRENCY": str(concurrency)}))
        self.settings = ApiSettings.from_env()
        self.target = SyncTarget.from_catalog(load_catalog().by_api_name("customer"), self.settings)

    def stats(self) -> dict:
        return httpx.get(f"{self.admin}/stats", params={"recent": 0}).json()

    def reset(self) -> None:
        httpx.post(f"{self.admin}/stats/reset")

    def run(self, label: str, ingestion: ApiIngestion) -> dict:
        self.reset()
        started = time.perf_counter()
        report = ingestion.sync(self.target)
        seconds = time.perf_counter() - started
        stats = self.stats()
        rows = report.total("fetched")
        pages = max(1, math.ceil(rows / MAX_QUERY_SIZE))
        bound = math.ceil(pages / self.concurrency) * self.latency
        return {"run": label, "seconds": seconds, "rows": rows, "rows_per_s": rows / seconds,
                "requests": stats["requests"], "transactions": stats["api_transactions"],
                "peak_in_flight": stats["peak_in_flight"], "throttled": stats["throttled_429"],
                "bound_s": bound, "ratio": bound / seconds, "client_transactions": report.transactions}

    def change(self, share: float, customers: int) -> None:
        """Update ``share`` of the customers through REST batch writes (500 per request)."""
        keys = [str(k) for k in range(1, customers + 1, round(1 / share))]
        for chunk in batches([{"key": k, "notes": f"benchmark change {k}"} for k in keys]):
            result = self.client.rest.update(CUSTOMER, chunk)
            assert result.ok, result.failed[:3]


def once(args, bench: Bench) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="api-bench-") as folder:
        warehouse = Warehouse(str(Path(folder) / "bench.duckdb"))
        ingestion = ApiIngestion(bench.client, warehouse, bench.settings, run_id="benchmark")
        results = [bench.run("full load", ingestion)]
        bench.change(0.01, args.customers)
        results.append(bench.run("incremental, 1% changed", ingestion))
        results.append(bench.run("incremental, nothing changed", ingestion))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(child, args.customers, args.latency_ms, args.concurrency),
                                     daemon=True)
    server.start()
    started = parent.recv()
    bench = Bench(started["env"], started["admin"], args.latency_ms, args.concurrency)
    rounds = []
    try:
        for attempt in range(args.repeat):
            rounds.append(once(args, bench))
            for result in rounds[-1]:
                print(f"[{attempt + 1}] {result['run']:<30} {result['seconds']:6.2f} s  {result['rows']:>7} rows  "
                      f"{result['rows_per_s']:>8.0f} rows/s  {result['requests']:>3} requests  "
                      f"{result['transactions']:>3} transactions (client counted {result['client_transactions']})  "
                      f"peak in flight {result['peak_in_flight']}  429s {result['throttled']}  "
                      f"bound {result['bound_s']:.2f} s  ratio {result['ratio']:.0%}", flush=True)
    finally:
        parent.send("stop")
        server.join(timeout=10)
    print("\nsummary (best of runs, spread = max - min):")
    for index, label in enumerate(r["run"] for r in rounds[0]):
        seconds = [r[index]["seconds"] for r in rounds]
        best = min(rounds, key=lambda r: r[index]["seconds"])[index]
        print(f"  {label:<30} best {best['seconds']:.2f} s ({best['rows_per_s']:.0f} rows/s, ratio {best['ratio']:.0%})"
              f"  spread {max(seconds) - min(seconds):.2f} s  median {statistics.median(seconds):.2f} s  "
              f"requests {best['requests']}  transactions {best['transactions']}"
              f"  rows per transaction {best['rows'] / max(best['transactions'], 1):.0f}")


if __name__ == "__main__":
    main()
