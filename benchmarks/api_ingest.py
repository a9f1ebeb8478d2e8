"""API ingestion benchmark: 200,000 customers over REST at 100 ms latency and concurrency 2.

Run: .venv/bin/python benchmarks/api_ingest.py [--object customer] [--rows 200000] [--latency-ms 100] [--repeat 3]

The sandbox runs in a child process (its CPU does not compete for this process's GIL). Three runs
of the asset's core (``ApiIngestion.sync``) into a fresh DuckDB file:

1. full load;
2. incremental after 1% of the records changed (REST batch updates, 500 per request);
3. incremental with nothing changed.

For each: wall time, rows/s, HTTP requests, Intacct transactions (counted by the sandbox), and the
ratio to the concurrency bound = data pages x latency / concurrency, the fastest any client could
read that many rows (pages of 4,000 rows, the query service's maximum).

The bound assumes an infinitely fast server and a client that needs no time of its own. The benchmark
therefore also measures the sandbox's own ceiling: the same pages fetched by a bare client that holds a
slot only until each answer starts (as the real client does) and parses or stores nothing, and reports
the full load's ratio to that as well.
``--object department`` runs the same with a narrow object (12 fields), which the sandbox serves fast.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx

from intacct_assets.api.schema import rest_fields
from intacct_assets.api.settings import ApiSettings
from intacct_assets.api.sync import ApiIngestion
from intacct_assets.api.targets import SyncTarget
from intacct_assets.catalog import load_catalog
from intacct_assets.intacct import IntacctClient, IntacctSettings, batches
from intacct_assets.intacct.rest import MAX_QUERY_SIZE
from intacct_assets.sandbox import Knobs, Sandbox, SandboxSettings
from intacct_assets.warehouse.connection import Warehouse


def serve(conn, counts: dict[str, int], latency_ms: int, concurrency: int) -> None:
    knobs = Knobs(latency_ms=latency_ms, concurrency_limit=concurrency)
    with Sandbox(SandboxSettings(counts=counts, start_s3=False, knobs=knobs)) as sb:
        conn.send({"env": sb.env, "admin": sb.admin_url})
        conn.recv()  # stop


class Bench:
    def __init__(self, env: dict[str, str], admin: str, latency_ms: int, concurrency: int, name: str) -> None:
        self.admin, self.latency, self.concurrency = admin, latency_ms / 1000, concurrency
        self.client = IntacctClient(IntacctSettings.from_env({**env, "INTACCT_API_CONCURRENCY": str(concurrency)}))
        self.settings = ApiSettings.from_env()
        self.target = SyncTarget.from_catalog(load_catalog().by_api_name(name), self.settings)

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

    def change(self, share: float, rows: int) -> None:
        """Rename ``share`` of the records through REST batch writes (500 per request)."""
        keys = [str(k) for k in range(1, rows + 1, round(1 / share))]
        for chunk in batches([{"key": k, "name": f"Benchmark change {k}"} for k in keys]):
            result = self.client.rest.update(self.target.rest, chunk)
            assert result.ok, result.failed[:3]


def bare_client_seconds(bench: Bench, rows: int) -> float:
    """The sandbox's ceiling: every page of all fields, fetched by a client that does nothing else.

    Like the real client, a request holds one of ``concurrency`` slots only until its answer starts, so the
    next request goes out while the body is still being read; nothing is parsed or stored.
    """
    rest = bench.target.rest
    fields = [f.source for f in rest_fields(bench.client.rest.model(rest))]
    header = bench.client.rest._authorizer.header()
    starts = list(range(1, rows + 1, MAX_QUERY_SIZE))
    lock, slots = threading.Lock(), threading.Semaphore(bench.concurrency)

    url = f"{bench.client.settings.api_url}/services/core/query"

    def worker(http: httpx.Client) -> None:
        while True:
            with lock:
                if not starts:
                    return
                start = starts.pop(0)
            body = {"object": rest, "fields": fields, "orderBy": [{"key": "asc"}], "start": start,
                    "size": MAX_QUERY_SIZE}
            request = http.build_request("POST", url, json=body)
            with slots:
                response = http.send(request, stream=True)
            response.read()
            response.raise_for_status()

    clients = [httpx.Client(timeout=120, headers={"Authorization": header}) for _ in range(2 * bench.concurrency)]
    threads = [threading.Thread(target=worker, args=(http,)) for http in clients]
    started = time.perf_counter()  # clients are created first: the real client's exist before a sync too
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    for http in clients:
        http.close()
    return seconds


def once(args, bench: Bench) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="api-bench-") as folder:
        warehouse = Warehouse(str(Path(folder) / "bench.duckdb"))
        ingestion = ApiIngestion(bench.client, warehouse, bench.settings, run_id="benchmark")
        results = [bench.run("full load", ingestion)]
        bench.change(0.01, args.rows)
        results.append(bench.run("incremental, 1% changed", ingestion))
        results.append(bench.run("incremental, nothing changed", ingestion))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--object", default="customer", help="a catalog object read over REST")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    parent, child = multiprocessing.Pipe()
    counts = {load_catalog().by_api_name(args.object).name: args.rows}
    server = multiprocessing.Process(target=serve, args=(child, counts, args.latency_ms, args.concurrency), daemon=True)
    server.start()
    started = parent.recv()
    bench = Bench(started["env"], started["admin"], args.latency_ms, args.concurrency, args.object)
    rounds = []
    ceilings = []
    try:
        for attempt in range(args.repeat):
            ceilings.append(bare_client_seconds(bench, args.rows))
            print(f"[{attempt + 1}] sandbox ceiling (bare client, same pages)   {ceilings[-1]:6.2f} s", flush=True)
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
    ceiling, bound = min(ceilings), rounds[0][0]["bound_s"]
    print(f"  sandbox ceiling (bare client)  best {ceiling:.2f} s = {bound / ceiling:.0%} of the bound"
          f"  spread {max(ceilings) - min(ceilings):.2f} s")
    for index, label in enumerate(r["run"] for r in rounds[0]):
        seconds = [r[index]["seconds"] for r in rounds]
        best = min(rounds, key=lambda r: r[index]["seconds"])[index]
        versus = f", {ceiling / best['seconds']:.0%} of the sandbox ceiling" if index == 0 else ""
        print(f"  {label:<30} best {best['seconds']:.2f} s ({best['rows_per_s']:.0f} rows/s, ratio {best['ratio']:.0%}"
              f"{versus})"
              f"  spread {max(seconds) - min(seconds):.2f} s  median {statistics.median(seconds):.2f} s  "
              f"requests {best['requests']}  transactions {best['transactions']}"
              f"  rows per transaction {best['rows'] / max(best['transactions'], 1):.0f}")


if __name__ == "__main__":
    main()
