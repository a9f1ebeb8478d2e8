"""The Dagster layer of API ingestion: asset specs, materializations, checks, cadence, failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest

from intacct_assets.api_ingest.custom_queries import load_custom_queries
from intacct_assets.api_ingest.settings import ApiSettings
from intacct_assets.catalog import load_catalog
from intacct_assets.defs.api_ingest.assets import API_ASSETS, API_POOL, api_targets, build_api_asset
from intacct_assets.defs.company import environment_company
from intacct_assets.defs.freshness import cron_period
from intacct_assets.defs.intacct_resource import IntacctResource
from intacct_assets.defs.resources import WarehouseResource
from intacct_assets_tests.clients import FAST_RETRIES

ASSETS = {asset.key.path[-1]: asset for asset in API_ASSETS}


@pytest.fixture
def intacct_env(monkeypatch, sb):
    for name, value in {**sb.env, **FAST_RETRIES, "INTACCT_API_PAGE_SIZE": "40"}.items():
        monkeypatch.setenv(name, value)
    return sb


def materialize(asset, warehouse, instance, run_config=None, raise_on_error=True):
    return dg.materialize(
        [asset],
        instance=instance,
        run_config=run_config,
        raise_on_error=raise_on_error,
        resources={"intacct": IntacctResource(), "warehouse": WarehouseResource(database=warehouse.path)},
    )


def test_one_asset_per_catalog_api_object_in_group_api_with_the_shared_pool():
    names = {obj.api.name for obj in load_catalog().api_objects()}
    assert set(ASSETS) == names
    for name, asset in ASSETS.items():
        spec = next(iter(asset.specs))
        assert spec.key == dg.AssetKey(["intacct", "api", name]) and spec.group_name == "api"
        assert asset.op.pool == API_POOL and {"intacct", "duckdb"} <= set(spec.kinds)
        assert spec.metadata["dagster/table_name"] == f"{environment_company().database}.api.{name}"
        assert spec.automation_condition is not None
    cadences = {name: next(iter(a.specs)).metadata["intacct/cadence"] for name, a in ASSETS.items()}
    assert cadences["journal_entry"] == "0 * * * *" and cadences["department"] == "30 2 * * *"
    assert cadences["customer"] == "0 */6 * * *"


def test_cadence_settings_override_or_turn_off_automation():
    target = next(t for t in api_targets(ApiSettings()) if t.name == "customer")
    assert (
        next(iter(build_api_asset(target, ApiSettings(cron="*/15 * * * *")).specs)).metadata["intacct/cadence"]
        == "*/15 * * * *"
    )
    assert next(iter(build_api_asset(target, ApiSettings(cron="off")).specs)).automation_condition is None
    assert cron_period("*/15 * * * *") == timedelta(minutes=15) and cron_period("30 2 * * 1-5") == timedelta(days=3)


def test_custom_queries_become_assets(tmp_path):
    path = tmp_path / "queries.yaml"
    path.write_text("queries:\n  big_vendors:\n    sql: select NAME from VENDOR where CREDITLIMIT > 1000\n")
    targets = api_targets(ApiSettings(queries_path=str(path)))
    asset = build_api_asset(targets[-1], ApiSettings())
    assert asset.key == dg.AssetKey(["intacct", "api", "big_vendors"])
    assert "select NAME from VENDOR where CREDITLIMIT > 1000" in next(iter(asset.specs)).description
    assert load_custom_queries(str(path), load_catalog())[0].target().deletes == "off"


def test_materializing_from_the_ui_with_default_config(intacct_env, warehouse):
    with dg.instance_for_test() as instance:
        result = materialize(ASSETS["customer"], warehouse, instance)
        metadata = result.asset_materializations_for_node(ASSETS["customer"].op.name)[0].metadata
        checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"key_unique": True, "no_rejected_rows": True}
    assert metadata["dagster/row_count"].value == metadata["rows_fetched"].value == metadata["inserted"].value == 100
    assert metadata["intacct_transactions"].value == 4  # probe + 3 pages of 40
    for name in (
        "updated",
        "deleted",
        "unchanged",
        "rejected",
        "api_calls",
        "api_retries",
        "seconds",
        "rows_per_second",
        "dagster/column_schema",
        "entities",
        "api_call_log",
    ):
        assert name in metadata
    operations = {r.data["operation"] for r in metadata["api_call_log"].value.records}
    assert "query accounts-receivable/customer" in operations


def test_full_refresh_from_the_launchpad(intacct_env, warehouse):
    asset = ASSETS["item"]
    with dg.instance_for_test() as instance:
        materialize(asset, warehouse, instance)
        result = materialize(
            asset, warehouse, instance, run_config={"ops": {asset.op.name: {"config": {"full_refresh": True}}}}
        )
        metadata = result.asset_materializations_for_node(asset.op.name)[0].metadata
    assert metadata["entities"].value.records[0].data["mode"] == "full load"
    assert metadata["unchanged"].value == 40 and metadata["inserted"].value == 0


def test_a_failed_sync_fails_the_run_clearly_and_still_logs_its_calls(intacct_env, warehouse, monkeypatch):
    monkeypatch.setenv("INTACCT_CLIENT_SECRET", "definitely-wrong")
    with dg.instance_for_test() as instance:
        result = materialize(ASSETS["vendor"], warehouse, instance, raise_on_error=False)
        failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert not result.success
    message = failure.step_failure_data.error.message + "".join(
        c.message for c in [failure.step_failure_data.error.cause] if c
    )
    assert "refused the client credentials" in message and "definitely-wrong" not in message
    with warehouse.connect() as connection:
        logged = connection.execute("SELECT status, excerpt FROM intacct_meta.api_calls").fetchall()
    assert logged and logged[0][0] == 401 and "definitely-wrong" not in logged[0][1]


def test_every_api_asset_with_a_cadence_has_a_freshness_policy_of_two_periods():
    """Dagster's FreshnessPolicy (asset health, freshness alerts) replaces a check of our own."""
    for name, asset in ASSETS.items():
        spec = next(iter(asset.specs))
        policy = spec.freshness_policy
        assert policy is not None, name
        period = cron_period(spec.metadata["intacct/cadence"])
        assert policy.fail_window.to_timedelta() == 2 * period + timedelta(minutes=30), name
        assert policy.warn_window.to_timedelta() == period + timedelta(minutes=30), name
    target = next(t for t in api_targets(ApiSettings()) if t.name == "customer")
    assert next(iter(build_api_asset(target, ApiSettings(cron="off")).specs)).freshness_policy is None


def test_the_cadence_requests_a_run_after_each_cron_tick():
    asset = ASSETS["journal_entry"]  # hourly
    defs = dg.Definitions(assets=[asset], resources={"intacct": IntacctResource(), "warehouse": WarehouseResource()})
    with dg.instance_for_test() as instance:
        start = datetime(2026, 11, 2, 10, 30, tzinfo=UTC)
        first = dg.evaluate_automation_conditions(defs=defs, instance=instance, evaluation_time=start)
        later = dg.evaluate_automation_conditions(
            defs=defs, instance=instance, cursor=first.cursor, evaluation_time=start + timedelta(minutes=45)
        )
    assert first.total_requested == 0 and later.total_requested == 1


def test_a_custom_query_that_matches_nothing_still_leaves_its_table_with_its_columns(intacct_env, warehouse, tmp_path):
    """Downstream SQL runs on an empty table instead of failing on a missing one."""
    path = tmp_path / "queries.yaml"
    path.write_text("queries:\n  no_vendors:\n    sql: select VENDORID, NAME from VENDOR where CREDITLIMIT > 1e15\n")
    settings = ApiSettings(queries_path=str(path))
    asset = build_api_asset(next(t for t in api_targets(settings) if t.name == "no_vendors"), settings)
    with dg.instance_for_test() as instance:
        result = materialize(asset, warehouse, instance)
    assert result.asset_materializations_for_node(asset.op.name)[0].metadata["dagster/row_count"].value == 0
    with warehouse.connect() as connection:
        columns = [
            name
            for (name,) in connection.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'api' AND table_name = "
                "'no_vendors' ORDER BY ordinal_position"
            ).fetchall()
        ]
        assert connection.execute("SELECT count(*) FROM api.no_vendors").fetchone() == (0,)
    assert columns[:2] == ["intacct_entity", "RECORDNO"] and {"VENDORID", "NAME", "_intacct_deleted"} <= set(columns)
