"""The Dagster layer with real parts: moto S3, DuckDB files, materialize, sensors, instance_for_test."""

import dagster as dg
import pytest

from intacct_assets.dds.settings import DdsSettings
from intacct_assets.defs.dds.assets import DDS_ASSETS
from intacct_assets.defs.dds.jobs import dds_unrecognized_files_job
from intacct_assets.defs.dds.sensors import dds_sensor
from intacct_assets.defs.metadata import KEY_UNIQUE_CHECK, REJECTED_ROWS_CHECK
from intacct_assets.defs.resources import DdsResource, S3Resource, WarehouseResource
from intacct_assets.warehouse.connection import run
from intacct_assets_tests.dds.files import (
    EXPECTED,
    GLENTRY_COLUMNS,
    business_rows,
    dds_csv,
    deliveries,
    glentry_row,
    put_all,
)

GLENTRY_ASSET = next(a for a in DDS_ASSETS if a.key == dg.AssetKey(["intacct", "dds", "glentry"]))


@pytest.fixture
def resources(bucket, warehouse):
    return {"s3": S3Resource(), "warehouse": WarehouseResource(), "dds": DdsResource()}


def sensor_requests(instance, resources, cursor=None):
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources)
    result = dds_sensor(context)
    return result.run_requests, result.cursor


def materialize(asset, resources, instance, run_config=None):
    return dg.materialize([asset], resources=resources, instance=instance, run_config=run_config, raise_on_error=False)


def test_sensor_launches_one_run_per_object_and_the_run_loads_the_files(s3, bucket, warehouse, resources):
    put_all(s3, bucket, deliveries())
    with dg.instance_for_test() as instance:
        requests, cursor = sensor_requests(instance, resources)
        assert len(requests) == 1  # five GLENTRY files, one run
        [request] = requests
        assert request.asset_selection == [GLENTRY_ASSET.key]
        result = materialize(GLENTRY_ASSET, resources, instance, request.run_config)
        assert result.success
        materialization = result.asset_materializations_for_node(GLENTRY_ASSET.op.name)[0]
        metadata = {k: v.value for k, v in materialization.metadata.items()}
        assert metadata["dagster/row_count"] == 6 and metadata["deleted_rows"] == 2
        assert metadata["files_loaded"] == 5 and metadata["rejected"] == 0
        assert {c.name for c in metadata["dagster/column_schema"].columns} >= {"RECORDNO", "_intacct_deleted"}
        assert [r.data["outcome"] for r in metadata["files"].records] == ["ingested"] * 5
        checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
        assert checks == {KEY_UNIQUE_CHECK: True, REJECTED_ROWS_CHECK: True}
        assert business_rows(warehouse) == EXPECTED
        assert sensor_requests(instance, resources, cursor)[0] == []


def test_manual_materialization_catches_up_on_pending_files(s3, bucket, warehouse, resources):
    put_all(s3, bucket, deliveries())
    with dg.instance_for_test() as instance:
        assert materialize(GLENTRY_ASSET, resources, instance).success
        assert business_rows(warehouse) == EXPECTED
        again = materialize(GLENTRY_ASSET, resources, instance)
        metadata = again.asset_materializations_for_node(GLENTRY_ASSET.op.name)[0].metadata
        assert metadata["files_loaded"].value == 0 and metadata["files_skipped"].value == 0


def test_rejected_rows_warn_through_the_check(s3, bucket, resources):
    s3.put_object(
        Bucket=bucket,
        Key="GLENTRY.change.2026-11-02T06-00-00Z.csv",
        Body=dds_csv(GLENTRY_COLUMNS, [glentry_row("1"), glentry_row("2", amount="n/a")]),
    )
    with dg.instance_for_test() as instance:
        result = materialize(GLENTRY_ASSET, resources, instance)
        assert result.success
        [check] = [e for e in result.get_asset_check_evaluations() if e.check_name == REJECTED_ROWS_CHECK]
        assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
        assert check.metadata["rejected_rows"].value == 1


def test_a_file_that_vanishes_fails_the_run_after_recording_the_others(s3, bucket, warehouse, resources):
    put_all(s3, bucket, deliveries())
    with dg.instance_for_test() as instance:
        [request], _ = sensor_requests(instance, resources)
        s3.delete_object(Bucket=bucket, Key="GLENTRY.delete.2026-11-03T06-00-00Z.csv")
        result = materialize(GLENTRY_ASSET, resources, instance, request.run_config)
        assert not result.success
        materialization = result.asset_materializations_for_node(GLENTRY_ASSET.op.name)[0]
        assert materialization.metadata["files_loaded"].value == 4
        with warehouse.connect() as connection:
            outcomes = dict(run(connection, "SELECT key, outcome FROM intacct_meta.dds_files"))
        assert outcomes["GLENTRY.delete.2026-11-03T06-00-00Z.csv"] == "failed"


def test_same_second_uploads_and_overwrites_through_the_sensor(s3, bucket, resources):
    with dg.instance_for_test() as instance:
        s3.put_object(Bucket=bucket, Key="VENDOR.change.2026-11-01T06-00-00Z.001.csv", Body=b"x")
        first, cursor = sensor_requests(instance, resources)
        for n in (2, 3, 4):  # same second as part 1 (S3 timestamps have 1 s resolution)
            s3.put_object(Bucket=bucket, Key=f"VENDOR.change.2026-11-01T06-00-00Z.00{n}.csv", Body=b"x")
        second, cursor = sensor_requests(instance, resources, cursor)
        s3.put_object(Bucket=bucket, Key="VENDOR.change.2026-11-01T06-00-00Z.001.csv", Body=b"overwritten")
        third, cursor = sensor_requests(instance, resources, cursor)
    files = [
        [f["key"] for f in r.run_config["ops"][next(iter(r.run_config["ops"]))]["config"]["files"]]
        for r in first + second + third
    ]
    assert files == [
        ["VENDOR.change.2026-11-01T06-00-00Z.001.csv"],
        [f"VENDOR.change.2026-11-01T06-00-00Z.00{n}.csv" for n in (2, 3, 4)],
        ["VENDOR.change.2026-11-01T06-00-00Z.001.csv"],
    ]


def test_every_listed_part_is_planned_in_runs_of_at_most_the_run_size(s3, bucket, resources, monkeypatch):
    """110 parts of one delivery: 5 runs of at most INTACCT_DDS_MAX_FILES_PER_RUN (25) files, none left out."""
    for n in range(1, 111):
        s3.put_object(Bucket=bucket, Key=f"GLENTRY.all.2026-11-01T06-00-00Z.{n:04d}.csv", Body=b"")
    monkeypatch.setenv("INTACCT_DDS_MAX_RUNS_PER_TICK", "1000")
    monkeypatch.setenv("INTACCT_DDS_MAX_FILES_PER_RUN", "25")
    with dg.instance_for_test() as instance:
        requests, _ = sensor_requests(instance, resources)
    planned = [
        [f["key"] for f in r.run_config["ops"][next(iter(r.run_config["ops"]))]["config"]["files"]] for r in requests
    ]
    assert sorted(f for files in planned for f in files) == sorted(
        f"GLENTRY.all.2026-11-01T06-00-00Z.{n:04d}.csv" for n in range(1, 111)
    )
    assert [len(files) for files in planned] == [25, 25, 25, 25, 10]


def test_unrecognized_files_are_logged_and_recorded(s3, bucket, warehouse, resources):
    s3.put_object(Bucket=bucket, Key="exports/readme.txt", Body=b"hello")
    s3.put_object(Bucket=bucket, Key="CUSTOMOBJ.all.2026-11-01T06-00-00Z.csv", Body=b"RECORDNO\n1\n")
    with dg.instance_for_test() as instance:
        requests, _ = sensor_requests(instance, resources)
        [request] = requests
        assert request.job_name == dds_unrecognized_files_job.name
        result = dds_unrecognized_files_job.execute_in_process(
            run_config=request.run_config, instance=instance, resources={"warehouse": WarehouseResource()}
        )
        assert result.success
    with warehouse.connect() as connection:
        rows = run(connection, "SELECT key, outcome, message FROM intacct_meta.dds_files ORDER BY key")
    assert [(k, o) for k, o, _ in rows] == [
        ("CUSTOMOBJ.all.2026-11-01T06-00-00Z.csv", "unrecognized"),
        ("exports/readme.txt", "unrecognized"),
    ]
    assert "INTACCT_CATALOG_PATH" in rows[0][2]


def test_sensor_skips_without_a_bucket(monkeypatch, aws_env):
    monkeypatch.delenv("INTACCT_DDS_BUCKET", raising=False)
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, resources={"s3": S3Resource(), "dds": DdsResource()})
        result = dds_sensor(context)
    assert isinstance(result, dg.SkipReason) and "INTACCT_DDS_BUCKET" in result.skip_message


def test_a_prefix_without_its_slash_lists_only_its_own_folder(s3, bucket, resources, monkeypatch):
    """'acme' must not pull in 'acme2/' (another company's deliveries), and its DDL folder is 'acme/_ddl/'."""
    monkeypatch.setenv("INTACCT_DDS_PREFIX", "acme")
    for folder, record in (("acme", "1"), ("acme2", "2")):
        s3.put_object(
            Bucket=bucket,
            Key=f"{folder}/GLENTRY.change.2026-11-01T06-00-00Z.csv",
            Body=dds_csv(GLENTRY_COLUMNS, [glentry_row(record)]),
        )
    with dg.instance_for_test() as instance:
        requests, _ = sensor_requests(instance, resources)
    assert [
        [f["key"] for f in config["config"]["files"]] for r in requests for config in r.run_config["ops"].values()
    ] == [["acme/GLENTRY.change.2026-11-01T06-00-00Z.csv"]]
    assert DdsSettings.from_env({"INTACCT_DDS_PREFIX": "acme"}).is_ddl_key("acme/_ddl/GLENTRY.sql")


def test_a_corrected_redelivery_does_not_inherit_the_rejected_rows_of_the_version_it_replaces(s3, bucket, resources):
    key = "GLENTRY.change.2026-11-02T06-00-00Z.csv"

    def rejected_check(result):
        [check] = [e for e in result.get_asset_check_evaluations() if e.check_name == REJECTED_ROWS_CHECK]
        return check.passed, check.metadata["rejected_rows"].value

    s3.put_object(
        Bucket=bucket, Key=key, Body=dds_csv(GLENTRY_COLUMNS, [glentry_row("1"), glentry_row("2", amount="n/a")])
    )
    with dg.instance_for_test() as instance:
        [first], cursor = sensor_requests(instance, resources)
        assert rejected_check(materialize(GLENTRY_ASSET, resources, instance, first.run_config)) == (False, 1)
        s3.put_object(Bucket=bucket, Key=key, Body=dds_csv(GLENTRY_COLUMNS, [glentry_row("1"), glentry_row("2")]))
        [second], cursor = sensor_requests(instance, resources, cursor)
        assert rejected_check(materialize(GLENTRY_ASSET, resources, instance, second.run_config)) == (True, 0)


def test_a_lone_numbered_part_completes_its_delivery_through_the_sensor(s3, bucket, warehouse, resources, monkeypatch):
    """No INTACCT_DDS_SPLIT_SIZE: an `all` delivery of one numbered part with fewer records than DDS's smallest
    split size is complete, so the record it lacks is flagged deleted."""
    monkeypatch.delenv("INTACCT_DDS_SPLIT_SIZE", raising=False)
    put_all(
        s3,
        bucket,
        {
            "GLENTRY.change.2026-11-02T06-00-00Z.csv": dds_csv(
                GLENTRY_COLUMNS, [glentry_row(r, change="create") for r in ("1", "2")]
            )
        },
    )
    with dg.instance_for_test() as instance:
        [first], cursor = sensor_requests(instance, resources)
        assert materialize(GLENTRY_ASSET, resources, instance, first.run_config).success
        rows = [glentry_row("1", "2026-10-01T00:00:00Z", read="2026-11-04T06:00:00Z", change="")]
        put_all(s3, bucket, {"GLENTRY.all.2026-11-04T06-00-00Z.1.csv": dds_csv(GLENTRY_COLUMNS, rows)})
        [second], _ = sensor_requests(instance, resources, cursor)
        result = materialize(GLENTRY_ASSET, resources, instance, second.run_config)
    assert result.success
    assert result.asset_materializations_for_node(GLENTRY_ASSET.op.name)[0].metadata["deleted"].value == 1
    assert [(r, deleted) for r, _, deleted in business_rows(warehouse)] == [("1", False), ("2", True)]


def test_an_unrecognized_file_is_looked_at_again_when_the_file_pattern_changes(
    s3, bucket, warehouse, resources, monkeypatch
):
    """No cursor reset: the next tick after INTACCT_DDS_FILE_PATTERN changes plans the file, whatever its age."""
    key = "exports/glentry-all-20261101060000.csv"
    s3.put_object(Bucket=bucket, Key=key, Body=dds_csv(GLENTRY_COLUMNS, [glentry_row("1", change="")]))
    monkeypatch.setenv("INTACCT_DDS_LOOKBACK_SECONDS", "0")  # the file is older than the window at once
    with dg.instance_for_test() as instance:
        [request], cursor = sensor_requests(instance, resources)
        assert request.job_name == dds_unrecognized_files_job.name
        assert dds_unrecognized_files_job.execute_in_process(
            run_config=request.run_config, instance=instance, resources={"warehouse": WarehouseResource()}
        ).success
        assert sensor_requests(instance, resources, cursor)[0] == []  # reported once
        monkeypatch.setenv("INTACCT_DDS_FILE_PATTERN", r"^(?P<object>[a-z]+)-(?P<job>all|change)-(?P<ts>\d{14})\.csv$")
        [request], cursor = sensor_requests(instance, resources, cursor)
        assert request.asset_selection == [GLENTRY_ASSET.key]
        assert materialize(GLENTRY_ASSET, resources, instance, request.run_config).success
        assert sensor_requests(instance, resources, cursor)[0] == []
    with warehouse.connect() as connection:
        assert run(connection, "SELECT key, outcome FROM intacct_meta.dds_files") == [(key, "ingested")]
    assert [r for r, _, _ in business_rows(warehouse)] == ["1"]


def test_a_manual_run_loads_a_file_recorded_unrecognized_once_the_pattern_matches(
    s3, bucket, warehouse, resources, monkeypatch
):
    key = "glentry-change-20261102060000.csv"
    s3.put_object(Bucket=bucket, Key=key, Body=dds_csv(GLENTRY_COLUMNS, [glentry_row("7")]))
    with dg.instance_for_test() as instance:
        [request], _ = sensor_requests(instance, resources)
        dds_unrecognized_files_job.execute_in_process(
            run_config=request.run_config, instance=instance, resources={"warehouse": WarehouseResource()}
        )
        monkeypatch.setenv("INTACCT_DDS_FILE_PATTERN", r"^(?P<object>[a-z]+)-(?P<job>change)-(?P<ts>\d{14})\.csv$")
        assert materialize(GLENTRY_ASSET, resources, instance).success
    with warehouse.connect() as connection:
        assert run(connection, "SELECT key, outcome FROM intacct_meta.dds_files") == [(key, "ingested")]


def test_an_object_with_no_file_yet_still_gets_its_table_empty_with_its_columns(bucket, warehouse, resources):
    with dg.instance_for_test() as instance:
        result = materialize(GLENTRY_ASSET, resources, instance)
    assert result.success
    metadata = result.asset_materializations_for_node(GLENTRY_ASSET.op.name)[0].metadata
    assert metadata["dagster/row_count"].value == 0
    with warehouse.connect() as connection:
        columns = {
            name
            for (name,) in run(
                connection,
                "SELECT column_name FROM information_schema.columns WHERE "
                "table_schema = 'dds' AND table_name = 'glentry'",
            )
        }
    assert {"RECORDNO", "_intacct_deleted"} <= columns
