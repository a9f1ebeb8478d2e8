"""DDS discovery benchmark (issue 14): CPU a sensor tick costs, by bucket history and mode.

A moto server (S3 and SQS) runs in a child process, holding N historical DDS files (28 objects, daily change
files and split parts, LastModified spread over the past year) plus a day's new deliveries. Measured in this
process, for N = 10,000, 100,000 and 300,000:

  listing          a tick of the default mode in steady state: list the whole prefix, plan, cursor in and out
  events           a tick of the event-driven mode (INTACCT_DDS_SQS_QUEUE_URL): read the 28 waiting
                   notifications, plan them, delete them; no listing
  events+listing   the event-driven tick that also lists in full (every INTACCT_DDS_FULL_LISTING_SECONDS)

CPU is this process's (process_time: the client's parsing, signing and planning); wall time includes moto's
own server, much slower than S3, so only CPU is a figure to compare.

    .venv/bin/python benchmarks/dds_discovery.py [--keys 10000,100000,300000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import time
from datetime import UTC, datetime, timedelta

from moto_bucket import AWS_ENV, serve_bucket

BUCKET = "dds-discovery-bench"
PREFIX = "acme/"
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _objects() -> list[str]:
    from intacct_assets.catalog import load_catalog

    return [obj.name for obj in load_catalog().dds_objects()][:28]


def _history_keys(count: int) -> list[tuple[str, datetime]]:
    """Daily change files of 28 objects, split in parts, going back in time until ``count`` files."""
    objects, keys, day = _objects(), [], 1
    while len(keys) < count:
        moment = NOW - timedelta(days=day)
        for name in objects:
            for part in range(1, 4):
                keys.append((f"{PREFIX}{name}.change.{moment:%Y-%m-%dT%H-%M-%SZ}.{part:03d}.csv", moment))
        day += 1
    return keys[:count]


def _serve(count: int, queue: multiprocessing.Queue) -> None:
    serve_bucket(BUCKET, ((key, moment, b"x") for key, moment in _history_keys(count)), queue)


def _measure(endpoint: str, count: int, repeat: int) -> dict[str, list[float]]:
    import boto3

    from intacct_assets.catalog import load_catalog
    from intacct_assets.dds.discovery import DiscoveryCursor
    from intacct_assets.dds.notifications import delete
    from intacct_assets.dds.sensing import sense
    from intacct_assets.dds.settings import DdsSettings

    s3 = boto3.client("s3", endpoint_url=endpoint)
    sqs = boto3.client("sqs", endpoint_url=endpoint)
    catalog = load_catalog()
    queue = sqs.create_queue(QueueName=f"bench-{count}")["QueueUrl"]
    listing = DdsSettings(bucket=BUCKET, prefix=PREFIX, max_runs_per_tick=10**6)  # the warm-up plans everything
    events = DdsSettings(
        bucket=BUCKET, prefix=PREFIX, max_runs_per_tick=10**6, sqs_queue_url=queue, full_listing_seconds=3600
    )
    # steady state: a first tick has seen the history (and a cursor exists)
    cursor = sense(s3, None, DiscoveryCursor(), catalog, listing, NOW.timestamp()).plan.cursor.dump()
    results: dict[str, list[float]] = {"listing": [], "events": [], "events+listing": []}
    for round_ in range(repeat):
        delivered = NOW + timedelta(minutes=round_ + 1)
        for name in _objects():  # the day's deliveries: one file per object, announced
            key = f"{PREFIX}{name}.change.{delivered:%Y-%m-%dT%H-%M-%SZ}.csv"
            etag = s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")["ETag"]
            sqs.send_message(
                QueueUrl=queue,
                MessageBody=json.dumps(
                    {
                        "Records": [
                            {
                                "eventName": "ObjectCreated:Put",
                                "eventTime": delivered.isoformat(),
                                "s3": {"bucket": {"name": BUCKET}, "object": {"key": key, "size": 1, "eTag": etag}},
                            }
                        ]
                    }
                ),
            )
        for mode, settings, listed_at in (
            ("events", events, NOW.timestamp()),
            ("listing", listing, 0.0),
            ("events+listing", events, 0.0),
        ):
            started_cpu, started = time.process_time(), time.perf_counter()
            state = DiscoveryCursor.load(cursor)
            state.listed_at = listed_at
            tick = sense(s3, sqs if settings.sqs_queue_url else None, state, catalog, settings, NOW.timestamp() + 60)
            if settings.sqs_queue_url:
                delete(sqs, queue, tick.handled_messages)
            tick.plan.cursor.dump()
            cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started
            files = sum(len(b.files) for b in tick.plan.batches)
            results[mode].append(cpu)
            print(
                f"  {count:>7,} keys  {mode:15s} cpu {cpu:6.3f} s  wall {wall:6.2f} s  files planned {files}",
                flush=True,
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keys", default="10000,100000,300000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.update(AWS_ENV)
    print(f"load average: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    summary = []
    for count in (int(n) for n in args.keys.split(",")):
        queue: multiprocessing.Queue = multiprocessing.Queue()
        server = multiprocessing.Process(target=_serve, args=(count, queue), daemon=True)
        server.start()
        try:
            host, port = queue.get(timeout=600)
            results = _measure(f"http://{host}:{port}", count, args.repeat)
        finally:
            server.kill()
        summary.append((count, {mode: (min(v), statistics.median(v)) for mode, v in results.items()}))
    print(f"\n{'keys':>8s} {'listing':>17s} {'events':>17s} {'events+listing':>17s}   (CPU s: best / median)")
    for count, figures in summary:
        cells = " ".join(f"{best:7.3f} / {median:6.3f}" for best, median in figures.values())
        print(f"{count:>8,} {cells}")


if __name__ == "__main__":
    main()
