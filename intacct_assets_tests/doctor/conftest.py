"""The doctor against real servers: a sandbox with its S3 bucket and a full DDS delivery, the environment a
user would set, and a DuckDB path under tmp_path."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest

from intacct_assets.doctor import CHECKS, DoctorContext, DoctorReport, run_doctor
from intacct_assets.sandbox import Knobs, Sandbox, SandboxSettings
from intacct_assets_tests.clients import in_known_state

FAST_RETRIES = {"INTACCT_API_BACKOFF_INITIAL_SECONDS": "0.001", "INTACCT_API_BACKOFF_MAX_SECONDS": "0.01"}


@pytest.fixture(scope="session")
def doctor_sandbox() -> Iterator[Sandbox]:
    """A sandbox whose bucket holds one headerless `all` delivery of every DDS object (and its DDL), under a prefix
    of its own: moto keeps one S3 state per process, which other tests' sandboxes deliver into too."""
    knobs = Knobs(retry_after_seconds=0)
    settings = SandboxSettings(seed=3, initial_delivery=True, prefix="doctor-sandbox/", knobs=knobs)
    with Sandbox(settings) as sandbox:
        yield sandbox


@pytest.fixture
def sb(doctor_sandbox: Sandbox) -> Iterator[Sandbox]:
    """The doctor's sandbox with default knobs and zeroed stats around the test."""
    with in_known_state(doctor_sandbox, Knobs(retry_after_seconds=0)) as sandbox:
        yield sandbox


@pytest.fixture
def doctor_env(monkeypatch, tmp_path) -> Callable[..., None]:
    """``doctor_env(sandbox, **env)``: the process environment holds exactly the sandbox's settings plus ``env``
    (nothing of the outer environment's INTACCT_* / AWS_* variables; a value of None removes a variable)."""

    def set_env(sandbox: Sandbox, **env: str | None) -> None:
        for name in list(os.environ):
            if name.startswith(("INTACCT_", "AWS_")):
                monkeypatch.delenv(name)
        values = {**sandbox.env, **FAST_RETRIES, "INTACCT_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"), **env}
        for name, value in values.items():
            if value is not None:
                monkeypatch.setenv(name, value)

    return set_env


@pytest.fixture
def doctor(doctor_env) -> Callable[..., DoctorReport]:
    """``doctor(sandbox, checks=CHECKS, **env)``: the doctor's report, run the way the CLI runs it."""

    def run(sandbox: Sandbox, checks=CHECKS, **env: str | None) -> DoctorReport:
        doctor_env(sandbox, **env)
        with DoctorContext.from_env() as ctx:
            return run_doctor(ctx, checks)

    return run


class Bucket:
    """The sandbox's bucket: copies of its delivered files under fresh prefixes, and files of our own."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox, self.s3, self.name = sandbox, sandbox.s3_client(), sandbox.bucket

    def fresh_prefix(self) -> str:
        return f"doctor-{uuid.uuid4().hex[:8]}/"

    def delivered(self, obj: str) -> list[str]:
        """Keys of the sandbox's delivered data files of ``obj``."""
        listed = self.s3.list_objects_v2(Bucket=self.name, Prefix=f"{self.sandbox.prefix}{obj}.")
        return [item["Key"] for item in listed.get("Contents", [])]

    def read(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=self.name, Key=key)["Body"].read()

    def put(self, key: str, body: bytes) -> None:
        self.s3.put_object(Bucket=self.name, Key=key, Body=body)

    def copy(self, obj: str, prefix: str, *, name: str | None = None, ddl: bool = True) -> str:
        """The newest delivered file of ``obj`` under ``prefix`` (renamed to ``name``), with its DDL unless not."""
        source = sorted(self.delivered(obj))[-1]
        key = prefix + (name or source.rsplit("/", 1)[-1])
        self.put(key, self.read(source))
        if ddl:
            self.put(f"{prefix}_ddl/{obj}.sql", self.read(f"{self.sandbox.prefix}_ddl/{obj}.sql"))
        return key


@pytest.fixture
def bucket_files(sb: Sandbox) -> Bucket:
    return Bucket(sb)
