"""End to end: a DDS table changes, declarative automation requests the downstream reverse sync, and the
sync pushes the change into Intacct — no manual step."""

import uuid

import dagster as dg
import pytest

from intacct_assets.defs.dds.assets import DDS_ASSETS
from intacct_assets.defs.intacct_resource import IntacctResource
from intacct_assets.defs.resources import DdsResource, S3Resource, WarehouseResource
from intacct_assets.defs.reverse_sync.assets import build_reverse_sync_asset
from intacct_assets.reverse_sync.spec import parse_syncs
from intacct_assets.sandbox import Knobs, Sandbox, SandboxSettings
from intacct_assets_tests.clients import FAST_RETRIES

SPEC = parse_syncs("""
syncs:
  - name: customers_as_vendors
    source: {asset: [intacct, dds, customer]}
    object: vendor
    mode: upsert
    match: {column: CUSTOMERID, field: id}
    mapping: {id: CUSTOMERID, name: NAME}
    automation: true
""")[0]
CUSTOMER_ASSET = next(a for a in DDS_ASSETS if a.key.path[-1] == "customer")
SYNC_ASSET = build_reverse_sync_asset(SPEC)


@pytest.fixture
def sandbox(monkeypatch, warehouse):
    settings = SandboxSettings(
        seed=3, counts={"CUSTOMER": 25}, prefix=f"auto-{uuid.uuid4().hex[:8]}/", knobs=Knobs(retry_after_seconds=0)
    )
    with Sandbox(settings) as sb:
        for name, value in {**sb.env, **FAST_RETRIES}.items():
            monkeypatch.setenv(name, value)
        yield sb


def requested(defs, instance, cursor=None):
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)
    return {key for key in (SYNC_ASSET.key,) if result.get_num_requested(key)}, result.cursor


def test_a_dds_change_triggers_the_reverse_sync(sandbox):
    resources = {
        "s3": S3Resource(),
        "warehouse": WarehouseResource(),
        "dds": DdsResource(),
        "intacct": IntacctResource(),
    }
    defs = dg.Definitions(assets=[CUSTOMER_ASSET, SYNC_ASSET], resources=resources)
    with dg.instance_for_test() as instance:
        _, cursor = requested(defs, instance)  # the automation sensor's first tick
        sandbox.deliver_dds(["CUSTOMER"], "all", include_headers=True)
        assert dg.materialize([CUSTOMER_ASSET], resources=resources, instance=instance).success
        wanted, cursor = requested(defs, instance, cursor)
        assert wanted == {SYNC_ASSET.key}
        assert dg.materialize([SYNC_ASSET], resources=resources, instance=instance).success
        assert len([v for v in sandbox.records("VENDOR") if sandbox.find("CUSTOMER", v["VENDORID"])]) == 25
        wanted, cursor = requested(defs, instance, cursor)
        assert wanted == set()  # nothing changed upstream: nothing requested

        customer = sandbox.records("CUSTOMER")[4]
        sandbox.update("CUSTOMER", customer["RECORDNO"], {"NAME": "Renamed upstream"})
        sandbox.advance_clock(60)
        sandbox.deliver_dds(["CUSTOMER"], "change", include_headers=True)
        assert dg.materialize([CUSTOMER_ASSET], resources=resources, instance=instance).success
        wanted, cursor = requested(defs, instance, cursor)
        assert wanted == {SYNC_ASSET.key}
        result = dg.materialize([SYNC_ASSET], resources=resources, instance=instance)
        metadata = result.asset_materializations_for_node(SYNC_ASSET.op.name)[0].metadata
        assert metadata["updated"].value == 1 and metadata["write_requests"].value == 1
        assert sandbox.find("VENDOR", customer["CUSTOMERID"])["NAME"] == "Renamed upstream"
