"""``IntacctComponent`` from a user's point of view: scaffolded by ``dg``, filled in, loaded, materialized."""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
from pathlib import Path

import dagster as dg
import pytest
import yaml

from intacct_assets.components.secrets import LiteralSecretError
from intacct_assets.warehouse.connection import Warehouse, run
from intacct_assets_tests.components.projects import (
    COMPONENT,
    DgProject,
    materialize,
    sandbox_attributes,
    sandbox_environment,
)

REPO = Path(__file__).resolve().parents[2]


def dg_command(project: DgProject, *arguments: str) -> subprocess.CompletedProcess:
    """``dg`` of this environment in the project, with this checkout's code first on the path."""
    venv_bin = Path(sys.executable).parent
    env = {
        **os.environ,
        "VIRTUAL_ENV": str(venv_bin.parent),
        "PATH": f"{venv_bin}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    return subprocess.run(
        [str(venv_bin / "dg"), *arguments], cwd=project.root, env=env, capture_output=True, text=True, timeout=300
    )


def test_dg_scaffold_then_filling_the_yaml_gives_a_working_company(project, east_sandbox, monkeypatch):
    result = dg_command(project, "scaffold", "defs", COMPONENT, "acme")
    assert result.returncode == 0, result.stdout + result.stderr
    path = project.defs_folder / "acme" / "defs.yaml"
    document = yaml.safe_load(path.read_text())
    assert document["type"] == COMPONENT and document["attributes"]["company"] == "acme"
    assert document["attributes"]["intacct"]["client_secret"] == "{{ env.ACME_INTACCT_CLIENT_SECRET }}"

    # what the README asks a user to fill in: the endpoints (a sandbox here) and which objects to build
    document["attributes"]["intacct"].update(
        api_url="{{ env.ACME_INTACCT_API_URL }}", xml_url="{{ env.ACME_INTACCT_XML_URL }}"
    )
    document["attributes"]["api"] = {"objects": ["customer"]}
    document["attributes"]["dds"]["objects"] = ["GLENTRY"]
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    for name, value in {**sandbox_environment("ACME", east_sandbox), "ACME_INTACCT_DDS_BUCKET": "acme-dds"}.items():
        monkeypatch.setenv(name, value)

    defs = project.load()
    key = dg.AssetKey(["intacct", "acme", "api", "customer"])
    assert {k for k in defs.resolve_all_asset_keys() if k.path[2] in ("api", "dds")} == {
        key,
        dg.AssetKey(["intacct", "acme", "dds", "glentry"]),
    }
    with dg.instance_for_test() as instance:
        assert materialize(defs, [key], instance).success
    with Warehouse(str(project.root / "data" / "acme.duckdb")).connect() as connection:
        assert run(connection, "SELECT count(*) FROM api.customer")[0][0] == len(east_sandbox.records("CUSTOMER"))


def _error_text(error: BaseException) -> str:
    return "".join(traceback.format_exception(error))


def _cause(error: BaseException | None, kind: type[BaseException]) -> BaseException | None:
    while error is not None and not isinstance(error, kind):
        error = error.__cause__ or error.__context__
    return error


def test_a_literal_secret_in_the_yaml_is_refused_without_repeating_it(project):
    project.company("acme", {"intacct": {"client_id": "acme-client", "client_secret": "Hunter2-literal"}})
    with pytest.raises(Exception) as raised:  # noqa: B017, PT011 - dg wraps the component's error in its own
        project.load()
    refusal = str(_cause(raised.value, LiteralSecretError))  # dg itself quotes the offending YAML line around it
    assert "intacct.client_secret holds a literal value" in refusal
    assert '"{{ env.ACME_CLIENT_SECRET }}"' in refusal
    assert "Hunter2-literal" not in refusal


def test_a_company_name_that_cannot_be_part_of_keys_is_refused(project):
    project.company("acme", {})
    path = project.defs_folder / "acme" / "defs.yaml"
    path.write_text(path.read_text().replace("company: acme", "company: Acme Corp"))
    with pytest.raises(Exception) as raised:  # noqa: B017, PT011
        project.load()
    assert "must be lower_snake_case" in _error_text(raised.value)


def test_the_translation_block_sets_owners_tags_and_groups(project, east_sandbox, monkeypatch):
    for name, value in sandbox_environment("ACME", east_sandbox).items():
        monkeypatch.setenv(name, value)
    project.company(
        "acme",
        sandbox_attributes(
            "ACME",
            api={"objects": ["customer"]},
            dds={"objects": []},
            translation={
                "owners": ["team:finance"],
                "tags": {"region": "east"},
                "group_name": "intacct_{{ data.kind }}",
            },
        ),
    )
    spec = next(
        s
        for s in project.load().resolve_all_asset_specs()
        if s.key == dg.AssetKey(["intacct", "acme", "api", "customer"])
    )
    assert spec.owners == ["team:finance"] and spec.tags["region"] == "east" and spec.group_name == "intacct_api"
    assert spec.metadata["dagster/table_name"] == "acme.api.customer"
    columns = {c.name: c for c in spec.metadata["dagster/column_schema"].columns}
    assert "intacct_entity" in columns and not columns["intacct_entity"].constraints.nullable
