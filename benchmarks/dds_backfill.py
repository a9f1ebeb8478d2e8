"""First deployment on a bucket with a year of DDS history (issue 14): how long the backfill takes.

A moto S3 server (child process) holds a year of daily change deliveries of 28 objects (default 50,000 files
of 20 records, headers on, one numbered part each), LastModified spread over the year. The loop below does
what the deployment does, without Dagster: each sensor tick plans bounded runs (INTACCT_DDS_MAX_RUNS_PER_TICK
runs of INTACCT_DDS_MAX_FILES_PER_RUN files), each run downloads, parses and merges its files (committed in groups
of INTACCT_DDS_MAX_FILES_PER_LOCK under one connection). It prints the
ticks the sensor needs, the time spent loading, and the wall time a deployment needs once Dagster's run
start-up and the sensor interval are added (RUN_START_SECONDS).

With --dagster it then loads the same files again into a fresh warehouse through real Dagster: the sensor's ticks
(``dds_sensor``) and one ``materialize`` run per request on a temporary instance (SQLite storage, as ``dagster dev``),
and prints what a run costs beyond the same work without Dagster.

    .venv/bin/python benchmarks/dds_backfill.py [--files 50000] [--workdir /tmp/intacct-dds-backfill] [--dagster]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from moto_bucket import AWS_ENV, serve_bucket

BUCKET = "dds-backfill-bench"
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}  # Dagster runs log every step at DEBUG
# what a Dagster run costs beyond its work with the in-process executor (--dagster: 0.9 s quiet, 1.9-2.0 s on the
# busy 2-core machine); the default run launcher's process, which loads the code location, comes on top (README)
RUN_START_SECONDS = 2.0


def _files(count: int) -> list[tuple[str, datetime, bytes]]:
    from intacct_assets.catalog import load_catalog

    objects = [obj for obj in load_catalog().dds_objects()][:28]
    files, day = [], 0
    while len(files) < count:
        moment = NOW - timedelta(days=365) + timedelta(minutes=day * 1440 * 365 // max(1, count // 28))
        for obj in objects:
            header = [*obj.key, obj.modified, "ddsReadTime", "ddsChangeType"]
            stamp = f"{moment:%Y-%m-%dT%H:%M:%SZ}"
            rows = [
                ",".join([*(f"{obj.name[:3]}-{day}-{n}" for _ in obj.key), stamp, stamp, "update"]) for n in range(20)
            ]
            body = "\n".join([",".join(header), *rows, ""]).encode()
            files.append((f"acme/{obj.name}.change.{moment:%Y-%m-%dT%H-%M-%SZ}.001.csv", moment, body))
        day += 1
    return files[:count]


def _serve(count: int, queue: multiprocessing.Queue) -> None:
    serve_bucket(BUCKET, _files(count), queue)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/intacct-dds-backfill"))
    parser.add_argument("--dagster", action="store_true", help="then load the files again through real Dagster runs")
    args = parser.parse_args()
    os.environ.update(AWS_ENV)
    import boto3

    from intacct_assets.catalog import load_catalog
    from intacct_assets.dds.discovery import DiscoveryCursor
    from intacct_assets.dds.ingest import DdsIngest
    from intacct_assets.dds.sensing import sense
    from intacct_assets.dds.settings import DdsSettings
    from intacct_assets.warehouse.connection import Warehouse

    queue: multiprocessing.Queue = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, args=(args.files, queue), daemon=True)
    server.start()
    try:
        host, port = queue.get(timeout=1200)
        s3 = boto3.client("s3", endpoint_url=f"http://{host}:{port}")
        args.workdir.mkdir(parents=True, exist_ok=True)
        database = args.workdir / "backfill.duckdb"
        database.unlink(missing_ok=True)
        overrides = {k: v for k, v in os.environ.items() if k.startswith("INTACCT_DDS_")}
        settings = DdsSettings.from_env({"INTACCT_DDS_BUCKET": BUCKET, "INTACCT_DDS_PREFIX": "acme/", **overrides})
        catalog = load_catalog()
        ingest = DdsIngest(Warehouse(str(database)), s3, settings)
        cursor, ticks, runs, loaded, started, sensing = DiscoveryCursor(), 0, 0, 0, time.perf_counter(), 0.0
        while True:
            tick_started = time.perf_counter()
            plan = sense(s3, None, cursor, catalog, settings, time.time()).plan
            sensing += time.perf_counter() - tick_started
            cursor = plan.cursor
            if not plan.batches:
                break
            ticks += 1
            for batch in plan.batches:
                outcomes = ingest.ingest(catalog.get(batch.object), list(batch.files))
                loaded += sum(o.outcome in ("ingested", "unchanged") for o in outcomes)
                runs += 1
            print(
                f"tick {ticks}: {runs} runs, {loaded:,} files loaded, {time.perf_counter() - started:,.0f} s",
                flush=True,
            )
        seconds = time.perf_counter() - started
        if args.dagster:
            through_dagster = _through_dagster(f"http://{host}:{port}", args.workdir / "dagster.duckdb")
    finally:
        server.kill()
    interval = settings.sensor_interval_seconds
    deployment = max(ticks * interval, seconds + runs * RUN_START_SECONDS)
    print(
        f"\n{args.files:,} files, {loaded:,} loaded in {runs:,} runs over {ticks} sensor ticks "
        f"(INTACCT_DDS_MAX_RUNS_PER_TICK={settings.max_runs_per_tick}, "
        f"INTACCT_DDS_MAX_FILES_PER_RUN={settings.max_files_per_run}, "
        f"INTACCT_DDS_MAX_FILES_PER_LOCK={settings.max_files_per_lock})"
    )
    print(f"loading: {seconds:,.0f} s ({loaded / seconds:,.0f} files/s), of which sensor ticks {sensing:,.1f} s")
    print(
        f"a deployment, one run at a time: ~{deployment / 60:,.0f} min (the larger of {ticks} ticks x {interval} s "
        f"and loading + {runs:,} run start-ups x {RUN_START_SECONDS} s)"
    )
    if args.dagster:
        dagster_runs, dagster_seconds, dagster_loaded = through_dagster
        print(
            f"through Dagster: {dagster_loaded:,} files loaded in {dagster_runs:,} runs in {dagster_seconds:,.0f} s: "
            f"{(dagster_seconds - seconds) / max(1, dagster_runs):.2f} s per run beyond the same work without Dagster"
        )


def _through_dagster(endpoint: str, database: Path) -> tuple[int, float, int]:
    """The sensor's ticks and a ``materialize`` run per request, one after the other: (runs, seconds, files)."""
    database.unlink(missing_ok=True)
    os.environ.update({"AWS_ENDPOINT_URL_S3": endpoint, "INTACCT_DUCKDB_PATH": str(database)})
    os.environ.setdefault("INTACCT_DDS_BUCKET", BUCKET)
    os.environ.setdefault("INTACCT_DDS_PREFIX", "acme/")
    import dagster as dg
    from dagster_aws.s3 import S3Resource

    from intacct_assets.defs.dds.assets import DDS_ASSETS
    from intacct_assets.defs.dds.sensors import dds_sensor
    from intacct_assets.defs.resources import DdsResource, WarehouseResource

    resources = {"s3": S3Resource(), "warehouse": WarehouseResource(), "dds": DdsResource()}
    assets = {asset.key: asset for asset in DDS_ASSETS}
    runs, loaded, cursor, started = 0, 0, None, time.perf_counter()
    with dg.instance_for_test() as instance:
        while True:
            result = dds_sensor(dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources))
            cursor = result.cursor
            if not result.run_requests:
                break
            for request in result.run_requests:
                [key] = request.asset_selection
                run = dg.materialize(
                    [assets[key]], resources=resources, instance=instance, run_config={**request.run_config, **QUIET}
                )
                [materialization] = run.asset_materializations_for_node(assets[key].op.name)
                loaded += materialization.metadata["files_loaded"].value
                runs += 1
    return runs, time.perf_counter() - started, loaded


if __name__ == "__main__":
    main()
