"""The code location loads cleanly, and every catalog object has its assets."""

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import dagster as dg
import pytest

from intacct_assets.catalog import load_catalog
from intacct_assets.definitions import defs
from intacct_assets.defs.company import Company
from intacct_assets.defs.resources import S3Resource
from intacct_assets.defs.reverse_sync.assets import reading_tables
from intacct_assets.reverse_sync.spec import sync_specs

REPO = Path(__file__).resolve().parents[1]


def test_every_dds_object_has_an_asset_in_group_dds():
    definitions = defs()
    graph = definitions.resolve_asset_graph()
    for obj in load_catalog().dds_objects():
        key = dg.AssetKey(["intacct", "dds", obj.name.lower()])
        assert key in graph.get_all_asset_keys(), key
        assert graph.get(key).group_name == "dds"


def test_sensors_run_by_default():
    definitions = defs()
    sensors = {sensor.name: sensor for sensor in definitions.sensors}
    assert {"dds_sensor", "intacct_automation"} <= set(sensors)
    assert all(s.default_status == dg.DefaultSensorStatus.RUNNING for s in sensors.values())


def test_runs_execute_their_steps_in_process():
    """A process per step costs a Python start-up each; the demo's DDS runs queued faster than they ran."""
    definitions = defs()
    for job in (definitions.resolve_job_def("dds_ingest_job"), definitions.resolve_implicit_global_asset_job_def()):
        assert job.executor_def.name == dg.in_process_executor.name


def test_dg_check_defs_loads_without_warnings():
    venv_bin = Path(sys.executable).parent
    env = {**os.environ, "VIRTUAL_ENV": str(venv_bin.parent), "PATH": f"{venv_bin}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        [str(venv_bin / "dg"), "check", "defs"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "All definitions loaded successfully" in output
    assert "mismatch" not in output.lower() and "differs" not in output.lower()


def test_the_example_syncs_become_assets_with_their_sources(monkeypatch):
    from intacct_assets.defs.reverse_sync.assets import build_reverse_sync_asset, source_keys
    from intacct_assets.reverse_sync.spec import load_syncs

    specs = load_syncs(str(REPO / "syncs.example.yaml"))
    assert [spec.name for spec in specs] == ["customer_credit_limits"]
    assert source_keys(specs[0]) == [dg.AssetKey(["intacct", "dds", "arinvoice"])]
    asset = build_reverse_sync_asset(specs[0])
    assert asset.key == dg.AssetKey(["intacct", "reverse_sync", "customer_credit_limits"])
    assert asset.automation_conditions_by_key[asset.key] is not None


def test_the_environment_company_keeps_the_names_deployments_have_cursors_and_run_history_under():
    """Upgrading a deployment configured by INTACCT_* variables changes no asset key, job, sensor or resource key."""
    definitions = defs()
    keys = set(definitions.resolve_all_asset_keys())
    assert dg.AssetKey(["intacct", "api", "customer"]) in keys and dg.AssetKey(["intacct", "dds", "glentry"]) in keys
    assert not [
        key for key in keys if key.path[0] == "intacct" and key.path[1] not in ("dds", "api", "reverse_sync", "doctor")
    ]
    assert {"dds_ingest_job", "dds_unrecognized_files_job"} <= {job.name for job in definitions.jobs}
    assert {"dds_sensor", "intacct_automation"} <= {sensor.name for sensor in definitions.sensors}
    assert {"intacct", "warehouse", "s3", "dds"} <= set(definitions.resources)


@pytest.mark.parametrize(
    ("asset", "table"),
    [
        (["intacct", "acme", "api", "customer"], "api.customer"),  # the company's own, with its name
        (["intacct", "dds", "glentry"], "dds.glentry"),  # the company's own, written without it
        (["analytics", "crm_customers"], None),  # an asset of someone else's: the spec is left as it is
    ],
)
def test_a_sync_of_a_company_reads_the_table_its_source_asset_names(asset, table):
    [spec] = sync_specs(
        [
            {
                "name": "s",
                "source": {"asset": asset},
                "object": "customer",
                "mode": "update",
                "match": {"column": "a", "field": "id"},
                "mapping": {"id": "a"},
            }
        ]
    )
    read = reading_tables(spec, replace(Company.from_env(), name="acme"))
    assert (read.source.table, read.source.asset) == ((table, None) if table else (None, tuple(asset)))


def test_the_s3_client_is_made_once_per_configuration_and_aws_environment(aws_env, monkeypatch):
    """A sensor tick must not rebuild boto3's S3 model: the same settings share a client; changed ones do not."""
    first = S3Resource(region_name="us-east-1").get_client()
    assert S3Resource(region_name="us-east-1").get_client() is first
    assert first.meta.endpoint_url == aws_env  # the AWS environment (AWS_ENDPOINT_URL_S3) is followed
    assert S3Resource(region_name="eu-west-1").get_client() is not first
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "rotated")
    rotated = S3Resource(region_name="us-east-1").get_client()
    assert rotated is not first
