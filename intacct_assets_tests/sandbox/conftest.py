"""Shared sandbox fixtures: real servers on 127.0.0.1, port 0, started and stopped here."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from intacct_assets.sandbox import Knobs, Sandbox, SandboxSettings
from intacct_assets_tests.sandbox.helpers import Rest


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """Shared sandbox with a DDS bucket. Tests that change data use their own prefix or records."""
    with Sandbox(SandboxSettings(seed=7)) as sb:
        yield sb


def _defaults(sandbox: Sandbox) -> None:
    sandbox.configure(**Knobs().as_dict())


@pytest.fixture
def sb(sandbox: Sandbox) -> Iterator[Sandbox]:
    """The shared sandbox in its known state: default knobs and zeroed stats around the test. Its clock stays
    where it is (a test that moves time uses ``fresh``), and its records are other tests' too: change only
    records the test created."""
    _defaults(sandbox)
    sandbox.reset_stats()
    yield sandbox
    _defaults(sandbox)
    assert not sandbox.clock.offset_seconds, "the test moved the shared sandbox's clock: use the `fresh` sandbox"


@pytest.fixture
def fresh() -> Iterator[Sandbox]:
    """A private sandbox without S3 (fast) for tests that need pristine data or a frozen clock."""
    with Sandbox(SandboxSettings(seed=11, start_s3=False, frozen_clock="2026-11-01T06:00:00Z")) as sb:
        yield sb


@pytest.fixture
def prefix() -> str:
    return f"t-{uuid.uuid4().hex[:8]}/"


@pytest.fixture
def rest(sb: Sandbox) -> Rest:
    return Rest(sb)
