"""DDS ingestion benchmark (issues 2 and 14): prints seconds, rows/s, CPU seconds and peak RSS per scenario.

Scenarios, each in a fresh child process so peak RSS is its own:
  raw        polars read_csv of the file, every field as text (the ceiling)
  duckdb     DuckDB's own CSV loader (read_csv, types detected) into a new table: a floor to beat
  cold       the file into an empty dds.glentry (parse + type + version + merge + ledger, one transaction)
  insert     only the cold ingest's INSERT, commit and checkpoint of the file's records, parsed and typed
             beforehand (not timed): the floor of a cold ingest into this table's layout
  replay     the same file again into the full table (every record compared, nothing changes)
  change     a 10,000-row change file into a 10,000,000-row table
  tombstone  a complete `all` delivery of 1,000 records into the 10,000,000-row table loaded by `cold`:
             9,999,000 absent records flagged deleted (10M size only)

The delivery is GLENTRY-like: 22 columns, 1,000,000 rows (~238 MB) by default, quoted text, ISO timestamps,
some embedded newlines, leading-zero ids (see gen_glentry.py); the 4M and 10M sizes are single files of 4 and
10 million rows (DDS splitting off). Files are read from local disk; S3 transfer time is not part of the figures.

    .venv/bin/python benchmarks/dds_ingest.py [--sizes 1m,4m,10m] [--workdir /tmp/intacct-dds-bench]
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS))

ALL_FILE = "GLENTRY.all.2026-11-01T06-00-00Z.csv"
CHANGE_FILE = "GLENTRY.change.2026-11-02T06-00-00Z.csv"
SMALL_EXPORT = "GLENTRY.all.2026-11-05T06-00-00Z.csv"  # 1,000 records: everything else is absent
SIZES = {"1m": 1_000_000, "4m": 4_000_000, "10m": 10_000_000}
SCENARIOS_BY_SIZE = {
    "1m": ["raw", "duckdb", "insert", "cold", "replay", "change"],
    "4m": ["duckdb", "cold"],
    "10m": ["duckdb", "cold", "tombstone"],
}


class Measured:
    """Wall seconds, CPU seconds (every thread of this process) and peak resident memory of a block. The RSS is
    sampled every 5 ms (ru_maxrss would include the parent's setup). CPU seconds hardly move with the machine's
    load, unlike wall seconds, when other work shares its two cores."""

    def __init__(self):
        import psutil

        self._process = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            self._stop.wait(0.005)

    def __enter__(self):
        self._thread.start()
        self._started, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.seconds, self.cpu_seconds = time.perf_counter() - self._started, time.process_time() - self._cpu
        self._stop.set()
        self._thread.join()

    def figures(self, rows: int) -> dict:
        return {"seconds": self.seconds, "cpu": self.cpu_seconds, "rows": rows, "peak_rss_mb": self.peak / 2**20}


def _load(workdir: Path, database: Path, file_name: str) -> dict:
    from intacct_assets.catalog import load_catalog
    from intacct_assets.dds.filenames import FileNameParser
    from intacct_assets.dds.ingest import DdsIngest
    from intacct_assets.dds.s3 import S3Object
    from intacct_assets.dds.settings import DdsSettings
    from intacct_assets.warehouse.connection import Warehouse

    path = workdir / file_name
    settings = DdsSettings.from_env({**os.environ, "INTACCT_DDS_BUCKET": "local"})  # INTACCT_DDS_BATCH_BYTES applies
    ingest = DdsIngest(Warehouse(str(database)), s3_client=None, settings=settings)
    file = S3Object(file_name, f"etag-{time.time_ns()}", path.stat().st_size, datetime.now(UTC))
    with Measured() as measured:
        outcome = ingest.load_local(load_catalog().get("GLENTRY"), file, FileNameParser().parse(file_name), path)
    assert outcome.outcome in ("ingested", "unchanged"), outcome.message
    return {**measured.figures(outcome.records), "counts": vars(outcome.counts)}


def scenario_raw(workdir: Path, database: Path) -> dict:
    import polars as pl

    with Measured() as measured:
        frame = pl.read_csv(workdir / ALL_FILE, infer_schema=False)
    return measured.figures(frame.height)


def scenario_duckdb(workdir: Path, database: Path) -> dict:
    import duckdb

    scratch = workdir / "duckdb-floor.duckdb"
    scratch.unlink(missing_ok=True)
    with Measured() as measured:
        connection = duckdb.connect(str(scratch))
        rows = connection.execute(f"CREATE TABLE t AS FROM read_csv('{workdir / ALL_FILE}')").fetchall()
        rows = connection.execute("SELECT count(*) FROM t").fetchall()[0][0]
        connection.close()
    scratch.unlink(missing_ok=True)
    return measured.figures(rows)


def scenario_insert(workdir: Path, database: Path) -> dict:
    """The cold ingest's write alone: its typed batch, built as ``load_local`` builds it, appended to an empty
    ``dds.glentry`` under the same memory cap, committed and checkpointed."""
    from intacct_assets.catalog import load_catalog
    from intacct_assets.dds.filenames import FileNameParser
    from intacct_assets.dds.ingest import FILE_MEMORY_LIMIT, batch_origin, reader_types, target_table, versioned_batch
    from intacct_assets.dds.reader import DdsFile, ReadOptions
    from intacct_assets.dds.s3 import S3Object
    from intacct_assets.warehouse.connection import Warehouse, memory_limit_lowered, run, transaction
    from intacct_assets.warehouse.merge import merge_batch

    obj, name, path = load_catalog().get("GLENTRY"), FileNameParser().parse(ALL_FILE), workdir / ALL_FILE
    opened = DdsFile(path, ReadOptions(key=obj.key, column_types=reader_types(obj), job=name.job))
    batch = versioned_batch(next(opened.batches()), name, obj)
    origin = batch_origin(name, S3Object(ALL_FILE, "etag", path.stat().st_size, datetime.now(UTC)))
    target, warehouse = target_table(obj, opened.columns), Warehouse(str(database))
    database.unlink(missing_ok=True)
    with Measured() as measured, warehouse.connect() as connection, memory_limit_lowered(connection, FILE_MEMORY_LIMIT):
        with transaction(connection):
            counts = merge_batch(connection, target, batch, origin, datetime.now(), new_keys_likely=True)
        run(connection, "CHECKPOINT")
    return {**measured.figures(batch.height), "counts": vars(counts)}


def scenario_tombstone(workdir: Path, database: Path) -> dict:
    """The table `cold` loaded, copied (each run starts from it), then a complete 1,000-record export."""
    import shutil

    copy = workdir / "tombstone.duckdb"
    shutil.copyfile(database, copy)
    try:
        result = _load(workdir, copy, SMALL_EXPORT)
    finally:
        copy.unlink(missing_ok=True)
    result["table_rows"] = SIZES["10m"]
    return result


def scenario_cold(workdir: Path, database: Path) -> dict:
    database.unlink(missing_ok=True)
    return _load(workdir, database, ALL_FILE)


def scenario_replay(workdir: Path, database: Path) -> dict:
    return _load(workdir, database, ALL_FILE)


def scenario_change(workdir: Path, database: Path) -> dict:
    """Grow the table to 10M rows (SQL copies of the 1M loaded ones), then merge 10k changes."""
    from intacct_assets.warehouse.connection import Warehouse, run

    with Warehouse(str(database)).connect() as connection:
        if run(connection, "SELECT count(*) FROM dds.glentry")[0][0] < 10_000_000:
            for copy in range(1, 10):
                run(
                    connection,
                    f"""
                    INSERT INTO dds.glentry SELECT * REPLACE (
                        (RECORDNO::BIGINT + {copy * 1_000_000})::VARCHAR AS RECORDNO)
                    FROM dds.glentry WHERE RECORDNO::BIGINT <= 1000000""",
                )
            run(connection, "CHECKPOINT")
        rows = run(connection, "SELECT count(*) FROM dds.glentry")[0][0]
    result = _load(workdir, database, CHANGE_FILE)
    result["table_rows"] = rows
    return result


SCENARIOS = {
    "raw": scenario_raw,
    "duckdb": scenario_duckdb,
    "insert": scenario_insert,
    "cold": scenario_cold,
    "replay": scenario_replay,
    "change": scenario_change,
    "tombstone": scenario_tombstone,
}


def _recipe(rows: int) -> str:
    """What the generated files depend on: a workdir made by another row count or generator is rebuilt."""
    sources = (BENCHMARKS / "gen_glentry.py").read_text() + inspect.getsource(prepare)
    return hashlib.sha256(f"{rows}\n{sources}".encode()).hexdigest()


def prepare(workdir: Path, rows: int) -> None:
    from gen_glentry import glentry_frame, write_csv, write_glentry

    workdir.mkdir(parents=True, exist_ok=True)
    stamp, recipe = workdir / "recipe.sha256", _recipe(rows)
    if stamp.exists() and stamp.read_text() == recipe:
        return
    for stale in (ALL_FILE, CHANGE_FILE, SMALL_EXPORT, "bench.duckdb", "bench.duckdb.wal"):
        (workdir / stale).unlink(missing_ok=True)
    write_glentry(workdir / ALL_FILE, rows)
    # 10,000 records spread over the 10M-row table, modified after the full export was read (as a
    # change job delivered a day later reports them)
    import polars as pl

    changes = pl.concat(
        [
            glentry_frame(1_000, start_recordno=1 + n * 1_000_000 + 500_000, seed=100 + n, modified_offset_s=30 * 86400)
            for n in range(10)
        ]
    )
    seconds = pl.int_range(pl.len()) * 86_000 // pl.len()
    modified = pl.lit(datetime(2026, 11, 1, 6, 0, 1)) + pl.duration(seconds=seconds)
    changes = changes.with_columns(
        WHENMODIFIED=modified.dt.strftime("%Y-%m-%dT%H:%M:%SZ"), ddsReadTime=pl.lit("2026-11-02T06:00:00Z")
    )
    write_csv(changes, workdir / CHANGE_FILE)
    write_csv(
        glentry_frame(1_000).with_columns(ddsReadTime=pl.lit("2026-11-05T06:00:00Z"), ddsChangeType=pl.lit("")),
        workdir / SMALL_EXPORT,
    )
    stamp.write_text(recipe)


def _run(workdir: Path, name: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--workdir", str(workdir), "--scenario", name],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1m", help="comma-separated: 1m, 4m, 10m")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/intacct-dds-bench"))
    parser.add_argument("--repeat", type=int, default=3, help="runs per 1m scenario (best and median are printed)")
    parser.add_argument("--scenario", choices=SCENARIOS, help=argparse.SUPPRESS)  # child-process mode
    args = parser.parse_args()
    if args.scenario:
        print(json.dumps(SCENARIOS[args.scenario](args.workdir, args.workdir / "bench.duckdb")))
        return
    print(f"load average: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    print(
        f"{'':15s} {'best':>7s} {'median':>7s} {'best rows/s':>12s} {'vs raw':>7s} {'vs duckdb':>9s} {'CPU':>7s} "
        f"{'CPU vs duckdb':>13s} {'peak RSS':>9s}"
    )
    for size in args.sizes.split(","):
        rows, workdir = SIZES[size], args.workdir / size
        prepare(workdir, rows)
        print(f"-- {size}: {rows:,} rows in one file, {(workdir / ALL_FILE).stat().st_size / 1e6:,.0f} MB; {workdir}")
        repeat = args.repeat if size == "1m" else 1
        results = {name: [_run(workdir, name) for _ in range(repeat)] for name in SCENARIOS_BY_SIZE[size]}
        floors = {name: min(r["seconds"] for r in results[name]) for name in ("raw", "duckdb") if name in results}
        cpu_floor = min(r["cpu"] for r in results["duckdb"]) if "duckdb" in results else None
        for name, runs in results.items():
            seconds = sorted(r["seconds"] for r in runs)
            best, median, cpu = seconds[0], statistics.median(seconds), min(r["cpu"] for r in runs)
            vs = [f"{floors[f] / best:7.0%}" if f in floors else f"{'':>7s}" for f in ("raw", "duckdb")]
            cpu_vs = f"{cpu_floor / cpu:13.0%}" if cpu_floor else f"{'':>13s}"
            extra = f"  table {runs[0]['table_rows']:,} rows" if "table_rows" in runs[0] else ""
            print(
                f"{size + ' ' + name:15s} {best:6.2f}s {median:6.2f}s {runs[0]['rows'] / best:12,.0f} {vs[0]} "
                f"{vs[1]:>9s} {cpu:6.2f}s {cpu_vs} {max(r['peak_rss_mb'] for r in runs):7.0f}MB{extra}  "
                f"{runs[0].get('counts', '')}"
            )
    print(f"load average: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")


if __name__ == "__main__":
    main()
