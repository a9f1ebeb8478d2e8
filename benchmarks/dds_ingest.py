"""DDS ingestion benchmark (issue 2): prints rows/s, seconds and peak RSS per scenario.

Scenarios, each in a fresh child process so peak RSS is its own:
  raw      polars read_csv of the file, every field as text (the ceiling)
  cold     the file into an empty dds.glentry (parse + type + version + merge + ledger, one transaction)
  replay   the same file again into the full table (every record compared, nothing changes)
  change   a 10,000-row change file into a 10,000,000-row table

The delivery is GLENTRY-like: 22 columns, 1,000,000 rows (~238 MB), quoted text, ISO timestamps,
some embedded newlines, leading-zero ids (see gen_glentry.py). Files are read from local disk;
S3 transfer time is not part of the figures.

    .venv/bin/python benchmarks/dds_ingest.py [--rows 1000000] [--workdir /tmp/dds-bench]
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
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


class PeakRss:
    """Samples this process's resident memory every 5 ms (ru_maxrss would include the parent's setup)."""

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
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _load(workdir: Path, database: Path, file_name: str) -> dict:
    from intacct_assets.catalog import load_catalog
    from intacct_assets.dds.filenames import FileNameParser
    from intacct_assets.dds.ingest import DdsIngest
    from intacct_assets.dds.s3 import S3Object
    from intacct_assets.dds.settings import DdsSettings
    from intacct_assets.warehouse.connection import Warehouse

    path = workdir / file_name
    ingest = DdsIngest(Warehouse(str(database)), s3_client=None, settings=DdsSettings(bucket="local"))
    file = S3Object(file_name, f"etag-{time.time_ns()}", path.stat().st_size, datetime.now(UTC))
    with PeakRss() as rss:
        started = time.perf_counter()
        outcome = ingest.load_local(load_catalog().get("GLENTRY"), file, FileNameParser().parse(file_name), path)
        seconds = time.perf_counter() - started
    assert outcome.outcome in ("ingested", "unchanged"), outcome.message
    return {"seconds": seconds, "rows": outcome.records, "peak_rss_mb": rss.peak / 2**20,
            "counts": vars(outcome.counts)}


def scenario_raw(workdir: Path, database: Path) -> dict:
    import polars as pl

    with PeakRss() as rss:
        started = time.perf_counter()
        frame = pl.read_csv(workdir / ALL_FILE, infer_schema=False)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": frame.height, "peak_rss_mb": rss.peak / 2**20}


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
                run(connection, f"""
                    INSERT INTO dds.glentry SELECT * REPLACE (
                        (RECORDNO::BIGINT + {copy * 1_000_000})::VARCHAR AS RECORDNO)
                    FROM dds.glentry WHERE RECORDNO::BIGINT <= 1000000""")
            run(connection, "CHECKPOINT")
        rows = run(connection, "SELECT count(*) FROM dds.glentry")[0][0]
    result = _load(workdir, database, CHANGE_FILE)
    result["table_rows"] = rows
    return result


SCENARIOS = {"raw": scenario_raw, "cold": scenario_cold, "replay": scenario_replay, "change": scenario_change}


def _recipe(rows: int) -> str:
    """What the generated files depend on: a workdir made by another row count or generator is rebuilt."""
    sources = (BENCHMARKS / "gen_glentry.py").read_text() + inspect.getsource(prepare)
    return hashlib.sha256(f"{rows}\n{sources}".encode()).hexdigest()


def prepare(workdir: Path, rows: int) -> None:
    from gen_glentry import glentry_frame, write_csv

    workdir.mkdir(parents=True, exist_ok=True)
    stamp, recipe = workdir / "recipe.sha256", _recipe(rows)
    if stamp.exists() and stamp.read_text() == recipe:
        return
    for stale in (ALL_FILE, CHANGE_FILE, "bench.duckdb", "bench.duckdb.wal"):
        (workdir / stale).unlink(missing_ok=True)
    write_csv(glentry_frame(rows), workdir / ALL_FILE)
    # 10,000 records spread over the 10M-row table, modified after the full export was read (as a
    # change job delivered a day later reports them)
    import polars as pl

    changes = pl.concat([glentry_frame(1_000, start_recordno=1 + n * 1_000_000 + 500_000, seed=100 + n,
                                       modified_offset_s=30 * 86400) for n in range(10)])
    seconds = pl.int_range(pl.len()) * 86_000 // pl.len()
    modified = pl.lit(datetime(2026, 11, 1, 6, 0, 1)) + pl.duration(seconds=seconds)
    changes = changes.with_columns(WHENMODIFIED=modified.dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                   ddsReadTime=pl.lit("2026-11-02T06:00:00Z"))
    write_csv(changes, workdir / CHANGE_FILE)
    stamp.write_text(recipe)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/intacct-dds-bench"))
    parser.add_argument("--repeat", type=int, default=3, help="runs per scenario (best and median are printed)")
    parser.add_argument("--scenario", choices=SCENARIOS, help=argparse.SUPPRESS)  # child-process mode
    args = parser.parse_args()
    database = args.workdir / "bench.duckdb"
    if args.scenario:
        print(json.dumps(SCENARIOS[args.scenario](args.workdir, database)))
        return
    prepare(args.workdir, args.rows)
    size_mb = (args.workdir / ALL_FILE).stat().st_size / 1e6
    print(f"file: {args.rows:,} rows, {size_mb:.0f} MB; {args.workdir}")
    results: dict[str, list[dict]] = {}
    for name in SCENARIOS:
        for _ in range(args.repeat):
            output = subprocess.run([sys.executable, __file__, "--workdir", str(args.workdir), "--rows", str(args.rows),
                                     "--scenario", name], check=True, capture_output=True, text=True).stdout
            results.setdefault(name, []).append(json.loads(output.strip().splitlines()[-1]))
    best_raw = min(r["seconds"] for r in results["raw"])
    print(f"{'':7s} {'best':>7s} {'median':>7s} {'best rows/s':>12s} {'vs raw':>7s} {'peak RSS':>9s}")
    for name, runs in results.items():
        seconds = sorted(r["seconds"] for r in runs)
        best, median = seconds[0], statistics.median(seconds)
        rows = runs[0]["rows"]
        extra = f"  table {runs[0]['table_rows']:,} rows" if "table_rows" in runs[0] else ""
        print(f"{name:7s} {best:6.2f}s {median:6.2f}s {rows / best:12,.0f} {best_raw / best:7.0%} "
              f"{max(r['peak_rss_mb'] for r in runs):7.0f}MB{extra}  {runs[0].get('counts', '')}")


if __name__ == "__main__":
    main()
