"""Real servers for tests: moto's S3 on 127.0.0.1 (port 0) and DuckDB files under tmp_path."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from intacct_assets.warehouse.connection import Warehouse

pytest_plugins = ["intacct_assets_tests.sandbox_fixtures"]  # sandboxes and clients, shared by every directory

logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server logs every request

AWS_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="session", autouse=True)
def _loopback_without_proxy() -> Iterator[None]:
    """The servers of the tests are on 127.0.0.1: never route test traffic through a configured proxy."""
    saved = {name: os.environ.get(name) for name in ("NO_PROXY", "no_proxy")}
    for name in saved:
        os.environ[name] = ",".join(filter(None, [saved[name], "127.0.0.1", "localhost"]))
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def moto_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_env(monkeypatch, moto_endpoint):
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_endpoint)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return moto_endpoint


@pytest.fixture
def bucket(aws_env, monkeypatch):
    """A fresh bucket per test (moto's state is shared by the whole session)."""
    name = f"dds-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=aws_env, region_name="us-east-1")
    client.create_bucket(Bucket=name)
    monkeypatch.setenv("INTACCT_DDS_BUCKET", name)
    return name


@pytest.fixture
def s3(aws_env):
    return boto3.client("s3", endpoint_url=aws_env, region_name="us-east-1")


@pytest.fixture
def warehouse(tmp_path, monkeypatch) -> Warehouse:
    path = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("INTACCT_DUCKDB_PATH", str(path))
    return Warehouse(str(path))
