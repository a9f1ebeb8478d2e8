"""Reverse-sync fixtures: a private sandbox, a client on it, and source tables in a DuckDB file."""

from __future__ import annotations

import pytest

from intacct_assets_tests.reverse_sync.harness import SyncHarness


@pytest.fixture
def harness(fresh_sandbox, warehouse, make_client):
    return SyncHarness(fresh_sandbox, warehouse, make_client)
