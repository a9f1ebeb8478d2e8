"""Safe writes into Intacct: a reverse sync's automation waits for its sources' blocking checks, its first
automated run only plans, and a source table produced elsewhere triggers it when its content changes."""

from __future__ import annotations

import dagster as dg
import pytest

from intacct_assets.defs.metadata import KEY_UNIQUE_CHECK, REJECTED_ROWS_CHECK
from intacct_assets.defs.reverse_sync.assets import AUTOMATION_TAG
from intacct_assets.warehouse.connection import Warehouse, run
from intacct_assets_tests.components.projects import materialize, sandbox_attributes, sandbox_environment
from intacct_assets_tests.dds.files import GLENTRY_COLUMNS, dds_csv, glentry_row

GLENTRY = dg.AssetKey(["intacct", "acme", "dds", "glentry"])
FROM_LEDGER = dg.AssetKey(["intacct", "acme", "reverse_sync", "ledger_vendors"])
FROM_CRM = dg.AssetKey(["intacct", "acme", "reverse_sync", "crm_vendors"])
CRM_TABLE = dg.AssetKey(["analytics", "crm_vendors"])
SYNCS = [
    {
        "name": "ledger_vendors",
        "object": "vendor",
        "mode": "upsert",
        "automation": True,
        "source": {
            "sql": "select 'GL-' || RECORDNO as vendor_id, 'Ledger ' || RECORDNO as vendor_name "
            "from dds.glentry where not _intacct_deleted"
        },
        "match": {"column": "vendor_id", "field": "id"},
        "mapping": {"id": "vendor_id", "name": "vendor_name"},
    },
    {
        "name": "crm_vendors",
        "object": "vendor",
        "mode": "upsert",
        "automation": True,
        "first_automated_run": "write",
        "source": {"table": "analytics.crm_vendors"},
        "match": {"column": "crm_id", "field": "id"},
        "mapping": {"id": "crm_id", "name": "crm_name"},
    },
]


@pytest.fixture
def acme(project, east_sandbox, s3, monkeypatch):
    """Company acme with a DDS bucket and two automated syncs: one reads dds.glentry, one a CRM table that no
    asset of the project produces."""
    for name, value in sandbox_environment("ACME", east_sandbox).items():
        monkeypatch.setenv(name, value)
    s3.create_bucket(Bucket="acme-dds")
    project.company(
        "acme",
        sandbox_attributes(
            "ACME", dds_bucket="acme-dds", api={"objects": []}, dds={"objects": ["GLENTRY"]}, syncs=SYNCS
        ),
    )
    return project.load()


class Automation:
    """The company's automation sensor, evaluated tick by tick."""

    def __init__(self, defs: dg.Definitions, instance: dg.DagsterInstance) -> None:
        self.defs, self.instance, self.cursor = defs, instance, None

    def requested(self) -> set[dg.AssetKey]:
        result = dg.evaluate_automation_conditions(defs=self.defs, instance=self.instance, cursor=self.cursor)
        self.cursor = result.cursor
        return {key for key in (FROM_LEDGER, FROM_CRM, CRM_TABLE) if result.get_num_requested(key)}


def checks(result) -> dict[str, tuple[bool, dg.AssetCheckSeverity]]:
    return {e.check_name: (e.passed, e.severity) for e in result.get_asset_check_evaluations()}


def vendors(sandbox, prefix: str) -> set[str]:
    return {v["VENDORID"] for v in sandbox.records("VENDOR") if v["VENDORID"].startswith(prefix)}


def test_the_source_checks_of_a_sync_are_blocking_and_its_automation_waits_for_them(acme, s3, east_sandbox):
    assert all(spec.blocking for spec in acme.resolve_assets_def(GLENTRY).check_specs)
    with dg.instance_for_test() as instance:
        automation = Automation(acme, instance)
        automation.requested()  # the sensor's first tick
        s3.put_object(
            Bucket="acme-dds",
            Key="GLENTRY.all.2026-11-02T06-00-00Z.csv",
            Body=dds_csv(GLENTRY_COLUMNS, [glentry_row("1"), glentry_row("2", amount="n/a")]),
        )
        failed = materialize(acme, [GLENTRY], instance, raise_on_error=False)
        assert checks(failed)[REJECTED_ROWS_CHECK] == (False, dg.AssetCheckSeverity.ERROR)
        assert FROM_LEDGER not in automation.requested()  # the load happened, but a blocking check failed

        s3.put_object(
            Bucket="acme-dds",
            Key="GLENTRY.change.2026-11-02T07-00-00Z.csv",
            Body=dds_csv(GLENTRY_COLUMNS, [glentry_row("2", modified="2026-11-02T06:30:00Z")]),
        )
        passed = (True, dg.AssetCheckSeverity.ERROR)
        assert checks(materialize(acme, [GLENTRY], instance)) == {KEY_UNIQUE_CHECK: passed, REJECTED_ROWS_CHECK: passed}
        assert FROM_LEDGER in automation.requested()

        # what the automation sensor launches: the first run plans only, the next one writes
        automated = {AUTOMATION_TAG: "true"}
        first = materialize(acme, [FROM_LEDGER], instance, tags=automated)
        assert (
            first.asset_materializations_for_node(first.all_node_events[0].node_name)[0].metadata["dry_run"].value
            is True
        )
        assert vendors(east_sandbox, "GL-") == set()
        assert materialize(acme, [FROM_LEDGER], instance, tags=automated).success
        assert vendors(east_sandbox, "GL-") == {"GL-1", "GL-2"}


def observe(defs: dg.Definitions, instance: dg.DagsterInstance) -> bool:
    """What the source's cron launches: an observation of the CRM table."""
    job = defs.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(instance=instance, asset_selection=[CRM_TABLE]).success


def crm_table(defs_project_root, rows: list[tuple[str, str]]) -> None:
    with Warehouse(str(defs_project_root / "data" / "acme.duckdb")).connect() as connection:
        run(connection, "CREATE SCHEMA IF NOT EXISTS analytics")
        run(connection, "CREATE OR REPLACE TABLE analytics.crm_vendors (crm_id VARCHAR, crm_name VARCHAR)")
        for row in rows:
            run(connection, "INSERT INTO analytics.crm_vendors VALUES (?, ?)", list(row))


def test_a_source_table_produced_elsewhere_triggers_its_sync_when_it_changes(acme, project, east_sandbox):
    assert not acme.resolve_assets_def(CRM_TABLE).is_materializable
    assert FROM_CRM in acme.resolve_asset_graph().get(CRM_TABLE).child_keys
    with dg.instance_for_test() as instance:
        automation = Automation(acme, instance)
        automation.requested()
        crm_table(project.root, [("CRM-1", "Acme Supplies")])
        assert observe(acme, instance)
        assert FROM_CRM in automation.requested()
        assert materialize(acme, [FROM_CRM], instance, tags={AUTOMATION_TAG: "true"}).success  # "write": no dry run
        assert vendors(east_sandbox, "CRM-") == {"CRM-1"}

        assert observe(acme, instance)  # looked at again, unchanged
        assert FROM_CRM not in automation.requested()

        crm_table(project.root, [("CRM-1", "Acme Supplies"), ("CRM-2", "Beta Parts")])
        assert observe(acme, instance)
        assert FROM_CRM in automation.requested()
