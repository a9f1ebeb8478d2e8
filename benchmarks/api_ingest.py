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

The bound assumes an infinitely fast server and a client that needs no time of its own, and it counts
no round for the object model. The benchmark therefore also measures two ceilings of a bare client that
holds a slot only until each answer starts (as the real client does) and parses or stores nothing:

* pages only: the sandbox's and the HTTP stack's own cost per round;
* model round + pages: what a first full load must do at the least. Query ``fields`` are mandatory
  (no ``*``) and come from the object model, so the model takes one slot of the first round and the
  pages need 25 more rounds at concurrency 2.

The full load's ratio to the second ceiling is reported too.
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
import polars as pl

from intacct_assets.api_ingest.schema import ENTITY_COLUMN, rest_fields
from intacct_assets.api_ingest.settings import ApiSettings
from intacct_assets.api_ingest.sources import REST_MODIFIED, _decode_rest
from intacct_assets.api_ingest.state import SyncState
from intacct_assets.api_ingest.sync import ApiIngestion
from intacct_assets.api_ingest.targets import API_SCHEMA, SyncTarget
from intacct_assets.api_ingest.typed_pages import typed_batch
from intacct_assets.api_ingest.writer import Writer
from intacct_assets.catalog import load_catalog
from intacct_assets.intacct import IntacctClient, IntacctSettings, batches
from intacct_assets.intacct.rest import MAX_QUERY_SIZE, Query
from intacct_assets.sandbox import Knobs, Sandbox, SandboxSettings
from intacct_assets.warehouse.connection import Warehouse
from intacct_assets.warehouse.merge import TargetTable


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
        return {
            "run": label,
            "seconds": seconds,
            "rows": rows,
            "rows_per_s": rows / seconds,
            "requests": stats["requests"],
            "transactions": stats["api_transactions"],
            "peak_in_flight": stats["peak_in_flight"],
            "throttled": stats["throttled_429"],
            "bound_s": bound,
            "ratio": bound / seconds,
            "client_transactions": report.transactions,
        }

    def change(self, share: float, rows: int) -> None:
        """Rename ``share`` of the records through REST batch writes (500 per request)."""
        keys = [str(k) for k in range(1, rows + 1, round(1 / share))]
        for chunk in batches([{"key": k, "name": f"Benchmark change {k}"} for k in keys]):
            result = self.client.rest.update(self.target.rest, chunk)
            assert result.ok, result.failed[:3]


def bare_client_seconds(bench: Bench, rows: int, *, model_round: bool = False) -> float:
    """The sandbox's ceiling: every page of all fields, fetched by a client that does nothing else.

    Like the real client, a request holds one of ``concurrency`` slots only until its answer starts, so the
    next request goes out while the body is still being read; nothing is parsed or stored.
    ``model_round``: first ask for the object model (query fields are mandatory and come from it) beside a
    one-row query, as a first full load must, and send no page before the model is back.
    """
    rest = bench.target.rest
    fields = [f.source for f in rest_fields(bench.client.rest.model(rest))]
    header = bench.client.rest._authorizer.header()
    api = bench.client.settings.api_url
    query = f"{api}/services/core/query"

    def page(start: int) -> tuple[str, str, dict, bool]:  # (method, url, options, needs the fields)
        return (
            "POST",
            query,
            {
                "json": {
                    "object": rest,
                    "fields": fields,
                    "orderBy": [{"key": "asc"}],
                    "start": start,
                    "size": MAX_QUERY_SIZE,
                }
            },
            True,
        )

    pages = [page(start) for start in range(1, rows + 1, MAX_QUERY_SIZE)]
    first = [
        ("GET", f"{api}/services/core/model", {"params": {"name": rest}}, False),
        ("POST", query, {"json": {"object": rest, "fields": ["key"], "orderBy": [{"key": "desc"}], "size": 1}}, False),
    ]
    todo = [*first, *pages] if model_round else pages
    lock, slots, model_read = threading.Lock(), threading.Semaphore(bench.concurrency), threading.Event()
    if not model_round:
        model_read.set()

    def worker(http: httpx.Client) -> None:
        while True:
            with lock:
                if not todo:
                    return
                method, url, options, needs_fields = todo.pop(0)
            if needs_fields:
                model_read.wait()
            request = http.build_request(method, url, **options)
            with slots:
                response = http.send(request, stream=True)
            response.read()
            response.raise_for_status()
            if method == "GET":
                model_read.set()

    clients = [httpx.Client(timeout=120, headers={"Authorization": header}) for _ in range(2 * bench.concurrency)]
    # Untimed: the first query after a change pays for the sandbox's sort. Both ceilings start warm, so that
    # neither depends on which runs first; the full load's own first page pays a filter over that order.
    method, url, options, _ = pages[0]
    clients[0].request(method, url, **options).raise_for_status()
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


def final_page_seconds(bench: Bench, warehouse: Warehouse, tries: int = 3) -> float:
    """The least a full load must spend after its last answer has been read: decode that page, type it, and
    merge it (new keys) into the loaded table in its own transaction. Best of ``tries``; with nothing else
    running, so a lower limit of the real tail."""
    fields = rest_fields(bench.client.rest.model(bench.target.rest))
    names = tuple(f.source for f in fields)
    body = bench.client.rest.query(Query(bench.target.rest, names, size=MAX_QUERY_SIZE)).body
    columns = {f.column: f.type for f in fields} | {ENTITY_COLUMN: "string"}
    table = TargetTable(API_SCHEMA, bench.target.name, bench.target.key_columns, columns)
    best = math.inf
    for attempt in range(1, tries + 1):
        started = time.perf_counter()
        raw = _decode_rest(body, names).frame
        raw = raw.with_columns((pl.col("key").cast(pl.Int64) + attempt * 10**9).cast(pl.String))  # new keys
        batch, rejected = typed_batch(raw, fields, "", REST_MODIFIED, "key")
        writer = Writer(warehouse, table, SyncState("benchmark-final-page", ""), MAX_QUERY_SIZE, None, "benchmark")
        writer.add(batch, rejected)
        writer.flush()
        best = min(best, time.perf_counter() - started)
    return best


def once(args, bench: Bench) -> tuple[list[dict], float]:
    with tempfile.TemporaryDirectory(prefix="api-bench-") as folder:
        warehouse = Warehouse(str(Path(folder) / "bench.duckdb"))
        ingestion = ApiIngestion(bench.client, warehouse, bench.settings, run_id="benchmark")
        results = [bench.run("full load", ingestion)]
        bench.change(0.01, args.rows)
        results.append(bench.run("incremental, 1% changed", ingestion))
        results.append(bench.run("incremental, nothing changed", ingestion))
        return results, final_page_seconds(bench, warehouse)


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
    ceilings: list[float] = []
    first_load_ceilings: list[float] = []
    final_pages: list[float] = []
    try:
        for attempt in range(args.repeat):
            ceilings.append(bare_client_seconds(bench, args.rows))
            first_load_ceilings.append(bare_client_seconds(bench, args.rows, model_round=True))
            print(
                f"[{attempt + 1}] sandbox ceiling (bare client, same pages)   {ceilings[-1]:6.2f} s; "
                f"with the model round first {first_load_ceilings[-1]:6.2f} s",
                flush=True,
            )
            results, final_page = once(args, bench)
            rounds.append(results)
            final_pages.append(final_page)
            for result in rounds[-1]:
                print(
                    f"[{attempt + 1}] {result['run']:<30} {result['seconds']:6.2f} s  {result['rows']:>7} rows  "
                    f"{result['rows_per_s']:>8.0f} rows/s  {result['requests']:>3} requests  "
                    f"{result['transactions']:>3} transactions (client counted {result['client_transactions']})  "
                    f"peak in flight {result['peak_in_flight']}  429s {result['throttled']}  "
                    f"bound {result['bound_s']:.2f} s  ratio {result['ratio']:.0%}",
                    flush=True,
                )
    finally:
        parent.send("stop")
        server.join(timeout=10)
    print("\nsummary (best of runs, spread = max - min):")
    ceiling, bound = min(first_load_ceilings), rounds[0][0]["bound_s"]
    for label, seconds in (("pages only", ceilings), ("model round + pages", first_load_ceilings)):
        print(
            f"  sandbox ceiling (bare client, {label})  best {min(seconds):.2f} s = {bound / min(seconds):.0%} "
            f"of the bound  spread {max(seconds) - min(seconds):.2f} s  median {statistics.median(seconds):.2f} s"
        )
    least = min(first_load_ceilings) + min(final_pages)
    print(
        f"  storing the last page after it was read (decode, type, merge, commit)  best {min(final_pages):.3f} s;"
        f" a full load needs at least {least:.2f} s = {bound / least:.0%} of the bound"
    )
    for index, label in enumerate(r["run"] for r in rounds[0]):
        seconds = [r[index]["seconds"] for r in rounds]
        best = min(rounds, key=lambda r: r[index]["seconds"])[index]
        versus = f", {ceiling / best['seconds']:.0%} of the first-load ceiling" if index == 0 else ""
        print(
            f"  {label:<30} best {best['seconds']:.2f} s ({best['rows_per_s']:.0f} rows/s, ratio {best['ratio']:.0%}"
            f"{versus})"
            f"  spread {max(seconds) - min(seconds):.2f} s  median {statistics.median(seconds):.2f} s  "
            f"requests {best['requests']}  transactions {best['transactions']}"
            f"  rows per transaction {best['rows'] / max(best['transactions'], 1):.0f}"
        )


if __name__ == "__main__":
    main()
