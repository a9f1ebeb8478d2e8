"""Sandbox servers on 127.0.0.1 (port 0) and clients pointed at them, for every test directory (a pytest plugin
registered by the root conftest): a shared read-mostly sandbox, private ones, and a client factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from intacct_assets.intacct import IntacctClient, IntacctSettings
from intacct_assets.sandbox import Knobs, Sandbox, SandboxSettings
from intacct_assets_tests.clients import client_env, in_known_state


@pytest.fixture(scope="session")
def shared_sandbox() -> Iterator[Sandbox]:
    """A read-mostly sandbox; tests that change records use :func:`fresh_sandbox`."""
    with Sandbox(SandboxSettings(seed=7, start_s3=False)) as sandbox:
        yield sandbox


@pytest.fixture
def sb(shared_sandbox: Sandbox) -> Iterator[Sandbox]:
    """The shared sandbox with default knobs and zeroed stats around the test."""
    with in_known_state(shared_sandbox, Knobs(retry_after_seconds=0)) as sandbox:
        yield sandbox


def _private_sandbox() -> Sandbox:
    return Sandbox(
        SandboxSettings(
            seed=11, start_s3=False, frozen_clock="2026-11-01T06:00:00Z", knobs=Knobs(retry_after_seconds=0)
        )
    )


@pytest.fixture
def fresh_sandbox() -> Iterator[Sandbox]:
    """A private sandbox whose records the test may change (frozen clock: deterministic timestamps)."""
    with _private_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def twin_sandbox() -> Iterator[Sandbox]:
    """Another private sandbox holding the same company as :func:`fresh_sandbox` (same seed and clock)."""
    with _private_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def make_client(tmp_path) -> Iterator[Callable[..., IntacctClient]]:
    """``make_client(sandbox, http=None, clock=None, **env)``; every client is closed after the test. Rotated
    refresh tokens go to a token store under ``tmp_path`` unless ``INTACCT_TOKEN_STORE`` is given."""
    clients: list[IntacctClient] = []

    def make(sandbox: Sandbox, *, http: httpx.Client | None = None, clock=None, **env: str) -> IntacctClient:
        options = {"http": http} if http is not None else {}
        if clock is not None:
            options["clock"] = clock
        env = {"INTACCT_TOKEN_STORE": str(tmp_path / "tokens"), **env}
        client = IntacctClient(IntacctSettings.from_env(client_env(sandbox, **env)), **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
