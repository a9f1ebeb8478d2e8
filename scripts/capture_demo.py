"""Capture one run of the ./dev demo's API assets, replay it, and check the same assets materialize from it.

Run: .venv/bin/python scripts/capture_demo.py [--capture captures/demo]

1. Starts the demo's sandbox (the ./dev company, with its background users editing records) and runs
   ``dagster asset materialize --select group:api`` into a fresh warehouse with ``INTACCT_CAPTURE_DIR`` set.
2. Starts a sandbox that holds nothing but that capture (``--replay``) and materializes the same assets
   into another fresh warehouse.
3. Compares every ``api.*`` table of the two warehouses (all columns but ``_intacct_synced_at``, the time
   a row was written) and prints what the replay served. Exits 1 when anything differs.

The capture stays in its folder: ``./dev --replay <folder>`` serves it to the Dagster UI.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

from intacct_assets.sandbox import Knobs, Sandbox, SandboxSettings

ROOT = Path(__file__).resolve().parent.parent
DEMO_KNOBS = Knobs(background_edit_rate=0.2)  # as ./dev starts it


def materialize(sandbox: Sandbox, warehouse: Path, extra_env: dict[str, str]) -> None:
    env = {**os.environ, **sandbox.env, "INTACCT_DUCKDB_PATH": str(warehouse), **extra_env}
    env.pop("DAGSTER_HOME", None)  # an ephemeral instance: no run history to mix with
    command = [
        str(Path(sys.executable).parent / "dagster"),
        "asset",
        "materialize",
        "--select",
        "group:api",
        "-m",
        "intacct_assets.definitions",
    ]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"`{' '.join(command)}` failed:\n{done.stderr[-4000:]}")


def differences(recorded: Path, replayed: Path) -> dict[str, tuple[int, int, int]]:
    """Per api.* table: rows recorded, rows replayed, rows found in only one of them."""
    with duckdb.connect() as connection:
        connection.execute(f"ATTACH '{recorded}' AS recorded (READ_ONLY)")
        connection.execute(f"ATTACH '{replayed}' AS replayed (READ_ONLY)")
        tables = [
            t
            for (t,) in connection.execute(
                "SELECT DISTINCT table_name FROM duckdb_tables() WHERE schema_name = 'api' ORDER BY 1"
            ).fetchall()
        ]
        found = {}
        for table in tables:
            a = f'SELECT * EXCLUDE (_intacct_synced_at) FROM recorded.api."{table}"'
            b = f'SELECT * EXCLUDE (_intacct_synced_at) FROM replayed.api."{table}"'
            found[table] = connection.execute(
                f"SELECT (SELECT count(*) FROM ({a})), (SELECT count(*) FROM ({b})), "
                f"(SELECT count(*) FROM ({a} EXCEPT ALL {b})) + (SELECT count(*) FROM ({b} EXCEPT ALL {a}))"
            ).fetchone()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--capture", default="captures/demo", help="folder for the capture (must hold none yet)")
    args = parser.parse_args()
    capture = (ROOT / args.capture).resolve()
    if any(capture.glob("*.jsonl")):
        sys.exit(f"{capture} already holds a capture: choose another --capture folder")
    with tempfile.TemporaryDirectory() as work:
        recorded, replayed = Path(work) / "recorded.duckdb", Path(work) / "replayed.duckdb"
        with Sandbox(SandboxSettings(knobs=DEMO_KNOBS, start_s3=False)) as demo:
            materialize(demo, recorded, {"INTACCT_CAPTURE_DIR": str(capture), "INTACCT_CAPTURE_MASK_FIELDS": ""})
        files = sorted(capture.glob("*.jsonl"))
        print(f"captured: {', '.join(f'{f.name} ({f.stat().st_size / 1e6:.1f} MB)' for f in files)}")
        with Sandbox(SandboxSettings(replay=str(capture), start_s3=False)) as replay:
            materialize(replay, replayed, {})
            report = replay.replay.report()
        found = differences(recorded, replayed)
    print(
        f"replayed: {report['served']} of {report['exchanges']} recorded exchanges served, "
        f"{len(report['unused'])} unused, {len(report['unmatched'])} requests not in the capture"
    )
    for table, (rows, replayed_rows, differing) in found.items():
        print(
            f"  api.{table:<20} {rows:>6} rows recorded, {replayed_rows:>6} replayed: "
            + ("identical" if not differing and rows == replayed_rows else f"{differing} rows differ")
        )
    same = all(not differing for *_, differing in found.values()) and not report["unmatched"]
    print("the same assets materialized from the capture" if same and found else "the replay differs")
    print(f"browse it: ./dev --replay {args.capture}")
    return 0 if same and found else 1


if __name__ == "__main__":
    sys.exit(main())
