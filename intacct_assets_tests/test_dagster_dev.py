"""A real `dagster dev` (webserver, daemon, code server) on a temporary DAGSTER_HOME: a file dropped
into the bucket is picked up by the sensor and materialized with no manual step."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from intacct_assets.warehouse.connection import Warehouse, run
from intacct_assets_tests.dds.files import GLENTRY_COLUMNS, dds_csv, glentry_row

REPO = Path(__file__).resolve().parents[1]
ASSET = dg.AssetKey(["intacct", "dds", "glentry"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dagster_dev(tmp_path, aws_env, bucket):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "INTACCT_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"),
           "INTACCT_DDS_SENSOR_INTERVAL_SECONDS": "1", "INTACCT_DDS_BUCKET": bucket}
    dagster = Path(sys.executable).with_name("dagster")
    log = (tmp_path / "dagster_dev.log").open("w")
    process = subprocess.Popen([str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(free_port())],
                               cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield home, tmp_path / "warehouse.duckdb"
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.5)  # polling for an outcome, not timing anything
    raise AssertionError(f"gave up waiting for {what}")


def test_dropped_file_is_materialized_by_the_sensor(dagster_dev, s3, bucket):
    home, warehouse_path = dagster_dev
    s3.put_object(Bucket=bucket, Key="exports/GLENTRY.change.2026-11-02T06-00-00Z.csv",
                  Body=dds_csv(GLENTRY_COLUMNS, [glentry_row("1"), glentry_row("2")]))
    with dg.DagsterInstance.from_config(str(home)) as instance:
        event = wait_for(lambda: instance.get_latest_materialization_event(ASSET), 240, "the GLENTRY materialization")
        dagster_run = instance.get_run_by_id(event.run_id)
    assert dagster_run.tags.get("dagster/sensor_name") == "dds_sensor"
    assert event.asset_materialization.metadata["dagster/row_count"].value == 2
    with Warehouse(str(warehouse_path)).connect() as connection:
        assert run(connection, "SELECT RECORDNO FROM dds.glentry ORDER BY 1") == [("1",), ("2",)]
