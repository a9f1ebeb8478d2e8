"""The `intacct_doctor` job in Dagster: its results are the materialization table of ["intacct", "doctor"], a
failed check fails the run after the table is recorded, and nothing schedules or automates it."""

from __future__ import annotations

import dagster as dg

from intacct_assets.definitions import defs
from intacct_assets.defs.doctor import DOCTOR_KEY, doctor
from intacct_assets.defs.intacct_resource import IntacctResource
from intacct_assets.defs.resources import DdsResource, S3Resource, WarehouseResource

RESOURCES = {"intacct": IntacctResource(), "warehouse": WarehouseResource(), "dds": DdsResource(), "s3": S3Resource()}


def _materialization(result: dg.ExecuteInProcessResult) -> dg.AssetMaterialization:
    (event,) = result.asset_materializations_for_node("intacct__doctor")
    return event


def test_the_results_are_a_materialization_table(sb, doctor_env):
    doctor_env(sb)
    with dg.instance_for_test() as instance:
        result = dg.materialize([doctor], resources=RESOURCES, instance=instance)
    assert result.success
    metadata = _materialization(result).metadata
    rows = metadata["results"].value.records
    assert {row.data["check"] for row in rows} >= {"oauth_token", "api_objects", "dds_dialect", "warehouse_file"}
    assert {row.data["status"] for row in rows} == {"pass"}
    assert metadata["pass"].value == len(rows) and metadata["fail"].value == 0
    assert [column.name for column in metadata["results"].value.schema.columns] == [
        "status",
        "check",
        "subject",
        "found",
        "fix",
    ]


def test_a_failed_check_fails_the_run_after_recording_the_table(sb, doctor_env):
    doctor_env(sb, INTACCT_API_ENTITIES="E-NOPE", INTACCT_CLIENT_SECRET="not-it")
    with dg.instance_for_test() as instance:
        result = dg.materialize([doctor], resources=RESOURCES, instance=instance, raise_on_error=False)
        assert not result.success
        failure = next(event for event in result.all_events if event.is_step_failure)
    rows = _materialization(result).metadata["results"].value.records
    statuses = {(row.data["check"], row.data["status"]) for row in rows}
    # every row is recorded: the REST objects' audit trail is skipped, for it needs the refused token
    assert ("oauth_token", "fail") in statuses and ("audit_history", "skip") in statuses
    description = failure.step_failure_data.user_failure_data.description
    assert description.startswith("2 doctor check(s) failed: oauth_token: Intacct refused the client credentials")
    assert "entity_access E-NOPE: E-NOPE is not an entity of this company" in description
    assert "not-it" not in str(rows) and "not-it" not in description


def test_the_job_is_launched_by_hand_only():
    definitions = defs()
    job = definitions.resolve_job_def("intacct_doctor")
    assert job.asset_layer.asset_graph.get_all_asset_keys() >= {DOCTOR_KEY}
    graph = definitions.resolve_asset_graph()
    assert graph.get(DOCTOR_KEY).group_name == "doctor"
    assert graph.get(DOCTOR_KEY).automation_condition is None
    assert all(schedule.job_name != "intacct_doctor" for schedule in definitions.schedules or [])
    for sensor in definitions.sensors or []:
        assert "intacct_doctor" not in [target.job_name for target in sensor.targets]
