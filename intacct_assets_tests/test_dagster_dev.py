"""A real `dg dev` (webserver, daemon, code server) on a temporary DAGSTER_HOME, serving a dg project with one
``IntacctComponent`` company the way the `./dev` demo serves its two: a file dropped into the company's bucket is
picked up by its sensor and materialized with no manual step."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from intacct_assets.warehouse.connection import Warehouse, run
from intacct_assets_tests.components.projects import DgProject
from intacct_assets_tests.dds.files import GLENTRY_COLUMNS, dds_csv, glentry_row

REPO = Path(__file__).resolve().parents[1]
ASSET = dg.AssetKey(["intacct", "acme", "dds", "glentry"])
SENSOR = "acme_dds_sensor"
PATIENCE_SECONDS = 420  # generous: a loaded CI box starts four Dagster processes before the run's two


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class DagsterDev:
    process: subprocess.Popen
    home: Path
    warehouse_path: Path
    log_path: Path

    def wait_for(self, predicate, what: str):
        """Poll until ``predicate`` is truthy; on giving up, say what dg dev printed and how runs ended."""
        deadline = time.monotonic() + PATIENCE_SECONDS
        while time.monotonic() < deadline and self.process.poll() is None:
            result = predicate()
            if result:
                return result
            time.sleep(0.5)  # polling for an outcome, not timing anything
        raise AssertionError(
            f"gave up waiting for {what} (dg dev exit code {self.process.poll()})\n"
            f"runs: {self.runs()}\n--- last lines of dg dev's output ---\n{self.log_tail()}"
        )

    def sensor_ticking(self) -> bool:
        """The daemon has loaded the code location and evaluates the DDS sensor (the webserver is not needed:
        it may even have lost its port to another test's server, which dg dev survives)."""
        return f"Checking for new runs for sensor: {SENSOR}" in self.log_path.read_text(errors="replace")

    def runs(self) -> list[str]:
        if not (self.home / "history").exists():
            return []
        with dg.DagsterInstance.from_config(str(self.home)) as instance:
            return [
                f"{r.job_name} {r.status.value} {r.tags.get('dagster/sensor_name', '')}".strip()
                for r in instance.get_runs()
            ]

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture
def dagster_dev(tmp_path, aws_env, bucket):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    project = DgProject(tmp_path / "project")
    project.company(
        "acme",
        {
            "dds": {"bucket": bucket, "prefix": "exports/", "objects": ["GLENTRY"], "sensor_interval_seconds": 1},
            "api": {"objects": []},  # this test is about the DDS sensor: no API runs competing
            "warehouse": {"path": str(tmp_path / "warehouse.duckdb")},
        },
    )
    venv_bin = Path(sys.executable).parent
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "VIRTUAL_ENV": str(venv_bin.parent),
        "PATH": f"{venv_bin}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    command = [str(venv_bin / "dg"), "dev", "-h", "127.0.0.1", "-p", str(free_port())]
    log_path = tmp_path / "dagster_dev.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, cwd=project.root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    dev = DagsterDev(process, home, tmp_path / "warehouse.duckdb", log_path)
    try:
        dev.wait_for(dev.sensor_ticking, "the DDS sensor's first tick")  # storage is set up before the test opens it
        yield dev
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_dropped_file_is_materialized_by_the_sensor(dagster_dev, s3, bucket):
    s3.put_object(
        Bucket=bucket,
        Key="exports/GLENTRY.change.2026-11-02T06-00-00Z.csv",
        Body=dds_csv(GLENTRY_COLUMNS, [glentry_row("1"), glentry_row("2")]),
    )
    with dg.DagsterInstance.from_config(str(dagster_dev.home)) as instance:
        event = dagster_dev.wait_for(
            lambda: instance.get_latest_materialization_event(ASSET), "the GLENTRY materialization"
        )
        dagster_run = instance.get_run_by_id(event.run_id)
    assert dagster_run.tags.get("dagster/sensor_name") == SENSOR
    assert event.asset_materialization.metadata["dagster/row_count"].value == 2
    with Warehouse(str(dagster_dev.warehouse_path)).connect() as connection:
        assert run(connection, "SELECT RECORDNO FROM dds.glentry ORDER BY 1") == [("1",), ("2",)]
