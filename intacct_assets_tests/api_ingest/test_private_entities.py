"""Private entities: the top level sees their records only when a query asks (REST ``filterParameters.
includePrivate``, XML ``<options><showprivate>``, both false by default); a top-level sync asks unless
``INTACCT_API_INCLUDE_PRIVATE=false``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from intacct_assets.sandbox import Knobs, Sandbox, SandboxSettings
from intacct_assets_tests.api_ingest.syncing import intacct_customers


@pytest.fixture
def private_de() -> Iterator[Sandbox]:
    """A private sandbox whose entity E-DE is a private entity."""
    with Sandbox(
        SandboxSettings(
            seed=11,
            start_s3=False,
            frozen_clock="2026-11-01T06:00:00Z",
            private_entities=("E-DE",),
            knobs=Knobs(retry_after_seconds=0),
        )
    ) as sandbox:
        yield sandbox


def private_customers(sandbox) -> set[str]:
    return {k for k, r in intacct_customers(sandbox).items() if r.get("MEGAENTITYID") == "E-DE"}


@pytest.mark.parametrize("name, obj", [("customer", "CUSTOMER"), ("gl_detail", "GLDETAIL")])
def test_a_top_level_sync_includes_private_entity_records(private_de, syncer, name, obj):
    private = {str(r["RECORDNO"]) for r in private_de.records(obj) if r.get("MEGAENTITYID") == "E-DE"}
    assert private
    sync = syncer(private_de)
    sync.sync(name)
    assert private <= set(sync.rows(name))
    assert len(sync.rows(name)) == len(private_de.records(obj))


def test_a_setting_leaves_private_entity_records_out(private_de, syncer):
    sync = syncer(private_de, INTACCT_API_INCLUDE_PRIVATE="false")
    sync.sync("customer")
    hidden = private_customers(private_de)
    assert hidden and set(sync.rows("customer")) == set(intacct_customers(private_de)) - hidden
