"""Sandbox throughput: start-up time, then sustained requests/s on loopback.

Run: .venv/bin/python benchmarks/sandbox_throughput.py [--customers 200000] [--seconds 5]

The server runs in a child process (as with the CLI) so client and server do not share a GIL.
Figures printed: start-up (small scale, 200k customers), seed time for 1M GL entries, cheap GET req/s
(1 and 4 client threads), 4000-row query pages/s (knobs off), server time per page, and pages/s at
100 ms latency + concurrency 2 against the theoretical bound (2 / 0.1 s = 20 pages/s).
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import threading
import time

import httpx

from intacct_assets.sandbox import Sandbox, SandboxSettings
from intacct_assets.sandbox.clock import Clock
from intacct_assets.sandbox.company.seed import seed_store
from intacct_assets.sandbox.company.store import Store
from intacct_assets.sandbox.objects import REGISTRY
from intacct_assets.sandbox.settings import Knobs

QUERY_FIELDS = ["key", "id", "name", "status", "creditLimit", "audit.modifiedDateTime", "contacts.default.email1"]


def startup_seconds(**settings) -> float:
    with Sandbox(SandboxSettings(**settings)) as sb:
        return sb.startup_seconds


def seed_seconds(counts: dict[str, int]) -> float:
    started = time.perf_counter()
    seed_store(Store(REGISTRY, Clock(), Knobs()), 1, 1.0, counts, "2026-01-01T00:00:00Z", "u")
    return time.perf_counter() - started


def serve(conn, customers: int) -> None:
    with Sandbox(SandboxSettings(counts={"CUSTOMER": customers}, start_s3=False)) as sb:
        conn.send({"rest_url": sb.rest_url, "admin": sb.admin_url, "token": sb.access_token()})
        conn.recv()  # stop


def rate(worker, threads: int, seconds: float) -> float:
    """Calls ``worker(client)`` repeatedly from ``threads`` threads for ``seconds``; returns calls/s."""
    counts = [0] * threads
    deadline = time.monotonic() + seconds

    def loop(index: int) -> None:
        with httpx.Client(timeout=30) as client:
            while time.monotonic() < deadline:
                worker(client)
                counts[index] += 1

    pool = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    started = time.monotonic()
    [t.start() for t in pool]
    [t.join() for t in pool]
    return sum(counts) / (time.monotonic() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()

    print(f"start-up, small scale (with local S3):   {startup_seconds():.2f} s")
    print(
        f"start-up, {args.customers} customers (with S3): {startup_seconds(counts={'CUSTOMER': args.customers}):.2f} s"
    )
    print(f"seed 1,000,000 GL entries:               {seed_seconds({'GLENTRY': 1_000_000}):.1f} s")

    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(child, args.customers), daemon=True)
    server.start()
    info = parent.recv()
    headers = {"Authorization": f"Bearer {info['token']}"}
    get_url = f"{info['rest_url']}/objects/accounts-receivable/customer/1"
    query_url = f"{info['rest_url']}/services/core/query"
    total = args.customers
    pages = max(1, total // 4000)
    cursor = iter(range(10**9))

    def cheap_get(client: httpx.Client) -> None:
        client.get(get_url, headers=headers).raise_for_status()

    def page(client: httpx.Client) -> None:
        start = (next(cursor) % pages) * 4000 + 1
        response = client.post(
            query_url,
            headers=headers,
            json={
                "object": "accounts-receivable/customer",
                "fields": QUERY_FIELDS,
                "orderBy": [{"id": "asc"}],
                "start": start,
                "size": 4000,
            },
        )
        response.raise_for_status()
        assert len(response.json()["ia::result"]) == 4000

    with httpx.Client() as client:
        page(client)  # warm the sorted-result cache once, as a paging client would
    print(f"cheap GET, 1 client thread:              {rate(cheap_get, 1, args.seconds):,.0f} req/s")
    print(f"cheap GET, 4 client threads:             {rate(cheap_get, 4, args.seconds):,.0f} req/s")
    httpx.post(f"{info['admin']}/stats/reset")
    print(f"4000-row query page, 1 thread:           {rate(page, 1, args.seconds):,.1f} pages/s")
    recent = httpx.get(f"{info['admin']}/stats", params={"recent": 1000}).json()["recent"]
    server_ms = [c["elapsed_ms"] for c in recent if c["path"].endswith("/query")]
    print(f"  server time per 4000-row page:         {statistics.median(server_ms):.1f} ms median")
    print(f"4000-row query page, 2 threads:          {rate(page, 2, args.seconds):,.1f} pages/s")
    httpx.post(f"{info['admin']}/config", json={"latency_ms": 100, "concurrency_limit": 2})
    achieved = rate(page, 2, max(args.seconds, 5))
    print(
        f"100 ms latency, limit 2, 2 threads:      {achieved:,.1f} pages/s = {achieved / 20:.0%} of the "
        "20 pages/s bound"
    )
    parent.send("stop")
    server.join(10)


if __name__ == "__main__":
    main()
