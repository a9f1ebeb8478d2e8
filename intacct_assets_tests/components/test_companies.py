"""Two Intacct companies in one code location: each run touches its own tables, cursors, credentials and request
slots, and nothing of the other company shows in its logs, metadata or call log."""

from __future__ import annotations

import dagster as dg
import pytest

from intacct_assets.warehouse.connection import Warehouse, run
from intacct_assets_tests.components.projects import materialize, sandbox_attributes, sandbox_environment
from intacct_assets_tests.dds.files import GLENTRY_COLUMNS, dds_csv, glentry_row

COMPANIES = ("east", "west")


@pytest.fixture
def two_companies(project, east_sandbox, west_sandbox, s3, monkeypatch):
    """Companies east and west, each with its sandbox, DDS bucket and (default) warehouse file; the process also
    holds a third company's ``INTACCT_*`` variables, which neither may pick up."""
    sandboxes = {"east": east_sandbox, "west": west_sandbox}
    for company, sandbox in sandboxes.items():
        for name, value in sandbox_environment(company.upper(), sandbox).items():
            monkeypatch.setenv(name, value)
        s3.create_bucket(Bucket=f"{company}-dds")
        project.company(
            company,
            sandbox_attributes(
                company.upper(),
                dds_bucket=f"{company}-dds",
                api={"objects": ["customer"]},
                dds={"objects": ["GLENTRY"]},
            ),
        )
    monkeypatch.setenv("INTACCT_CLIENT_SECRET", "process-wide-secret")
    monkeypatch.setenv("INTACCT_DUCKDB_PATH", str(project.root / "process-wide.duckdb"))
    return project, sandboxes


def key(company: str, kind: str, name: str) -> dg.AssetKey:
    return dg.AssetKey(["intacct", company, kind, name])


def warehouse_text(path) -> str:
    """Every value of every table of a warehouse file, as text."""
    with Warehouse(str(path)).connect() as connection:
        tables = run(connection, "SELECT table_schema, table_name FROM information_schema.tables")
        return "\n".join(repr(run(connection, f'SELECT * FROM "{schema}"."{table}"')) for schema, table in tables)


def test_two_companies_get_their_own_keys_names_and_resources(two_companies):
    project, _ = two_companies
    defs = project.load()
    keys = defs.resolve_all_asset_keys()
    for company in COMPANIES:
        assert {key(company, "api", "customer"), key(company, "dds", "glentry")} <= set(keys)
        assert {f"{company}_dds_sensor", f"{company}_intacct_automation"} <= {s.name for s in defs.sensors}
        assert {f"{company}_dds_ingest_job", f"{company}_intacct_doctor"} <= {j.name for j in defs.jobs}
        assert {f"{company}_intacct", f"{company}_warehouse", f"{company}_s3", f"{company}_dds"} <= set(defs.resources)
    assert not [k for k in keys if k.path[:2] == ["intacct", "dds"] or k.path[:2] == ["intacct", "api"]]
    east, west = (defs.resources[f"{company}_intacct"].settings() for company in COMPANIES)
    assert east.tenant != west.tenant  # the limiter's request slots are per tenant
    for company in COMPANIES:  # definitions hold the names of the secrets' variables, read when a run starts
        secret = defs.resources[f"{company}_intacct"].client_secret
        assert isinstance(secret, dg.EnvVar) and secret == f"{company.upper()}_INTACCT_CLIENT_SECRET"


def test_a_run_of_one_company_never_touches_the_other(two_companies, s3):
    project, sandboxes = two_companies
    for company, rows in (("east", ["1", "2"]), ("west", ["7"])):
        s3.put_object(
            Bucket=f"{company}-dds",
            Key="GLENTRY.all.2026-11-02T06-00-00Z.csv",
            Body=dds_csv(GLENTRY_COLUMNS, [glentry_row(recordno) for recordno in rows]),
        )
    defs = project.load()
    with dg.instance_for_test() as instance:
        east_run = materialize(defs, [key("east", "api", "customer"), key("east", "dds", "glentry")], instance)
        assert east_run.success
        assert not (project.root / "data" / "west.duckdb").exists()  # west's file is not even created
        west_run = materialize(defs, [key("west", "api", "customer"), key("west", "dds", "glentry")], instance)
        assert west_run.success
        logs = {
            company: repr(instance.all_logs(result.run_id))
            for company, result in (("east", east_run), ("west", west_run))
        }

    files = {company: project.root / "data" / f"{company}.duckdb" for company in COMPANIES}
    for company, other in (("east", "west"), ("west", "east")):
        sandbox = sandboxes[company]
        with Warehouse(str(files[company])).connect() as connection:
            customers = {r[0] for r in run(connection, "SELECT key FROM api.customer")}
            glentries = run(connection, "SELECT RECORDNO FROM dds.glentry ORDER BY 1")
            cursors = run(connection, "SELECT count(*) FROM intacct_meta.api_sync_state")[0][0]
            calls = run(connection, "SELECT count(*) FROM intacct_meta.api_calls")[0][0]
        assert customers == {str(r["RECORDNO"]) for r in sandbox.records("CUSTOMER")}
        assert glentries == ([("1",), ("2",)] if company == "east" else [("7",)])
        assert cursors >= 1
        assert calls >= 1
        seen = warehouse_text(files[company]) + logs[company]
        other_sandbox = sandboxes[other].settings
        for secret in (
            other_sandbox.client_secret,
            other_sandbox.user_password,
            other_sandbox.sender_password,
            sandbox.settings.client_secret,
            "process-wide-secret",
        ):
            assert secret not in seen, (company, secret)
        assert other_sandbox.client_id not in seen and other_sandbox.company_id not in seen
    assert not (project.root / "process-wide.duckdb").exists()
