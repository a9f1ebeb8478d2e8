"""Temporary dg projects holding ``IntacctComponent`` instances, loaded in this process the way ``dg`` loads them.

The project names ``intacct_assets`` in ``[tool.dg.project] registry_modules`` instead of relying on the installed
entry point: the tests then use this checkout's code (PYTHONPATH) without reinstalling the shared environment.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import dagster as dg
import yaml

from intacct_assets.sandbox import Sandbox

COMPONENT = "intacct_assets.IntacctComponent"
PYPROJECT = """\
[project]
name = "{package}"
version = "0.1.0"
dependencies = []

[tool.dg]
directory_type = "project"

[tool.dg.project]
root_module = "{package}"
registry_modules = ["intacct_assets"]
"""
DEFINITIONS = """\
from pathlib import Path

import dagster as dg


@dg.definitions
def defs():
    return dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
"""
# YAML field -> the sandbox's variable, per section
INTACCT_FIELDS = {
    "api_url": "INTACCT_API_URL",
    "client_id": "INTACCT_CLIENT_ID",
    "client_secret": "INTACCT_CLIENT_SECRET",
    "username": "INTACCT_USERNAME",
    "xml_url": "INTACCT_XML_URL",
    "sender_id": "INTACCT_SENDER_ID",
    "sender_password": "INTACCT_SENDER_PASSWORD",
    "company_id": "INTACCT_COMPANY_ID",
    "user_id": "INTACCT_USER_ID",
    "user_password": "INTACCT_USER_PASSWORD",
}
FAST_RETRIES = {"backoff_initial_seconds": 0.001, "backoff_max_seconds": 0.01}


class DgProject:
    """``<root>/pyproject.toml`` and ``<root>/src/<package>/defs/<company>/defs.yaml``, like ``dg scaffold project``
    makes them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.package = f"intacct_project_{uuid.uuid4().hex[:8]}"
        self.defs_folder = root / "src" / self.package / "defs"
        self.defs_folder.mkdir(parents=True)
        (root / "pyproject.toml").write_text(PYPROJECT.format(package=self.package))
        (self.defs_folder.parent / "__init__.py").write_text("")
        (self.defs_folder / "__init__.py").write_text("")
        (self.defs_folder.parent / "definitions.py").write_text(DEFINITIONS)

    def company(self, name: str, attributes: dict) -> Path:
        """Writes ``defs/<name>/defs.yaml`` declaring one company."""
        folder = self.defs_folder / name
        folder.mkdir(exist_ok=True)
        path = folder / "defs.yaml"
        path.write_text(
            yaml.safe_dump({"type": COMPONENT, "attributes": {"company": name, **attributes}}, sort_keys=False)
        )
        return path

    def load(self) -> dg.Definitions:
        """The project's definitions, as its code location would load them."""
        sys.path.insert(0, str(self.root / "src"))
        try:
            return dg.load_from_defs_folder(path_within_project=self.root)
        finally:
            sys.path.remove(str(self.root / "src"))
            for module in [m for m in sys.modules if m == self.package or m.startswith(f"{self.package}.")]:
                del sys.modules[module]


def sandbox_environment(prefix: str, sandbox: Sandbox) -> dict[str, str]:
    """The sandbox's variables under ``<prefix>_`` names (``EAST_INTACCT_CLIENT_SECRET``), as ``intacct-sandbox
    --env-prefix`` exports them."""
    return {f"{prefix}_{name}": value for name, value in sandbox.env.items()}


def sandbox_attributes(prefix: str, *, dds_bucket: str | None = None, **sections) -> dict:
    """A company's attributes reaching the sandbox whose variables carry ``prefix``: every credential an
    ``{{ env.<prefix>_… }}`` reference. ``sections``: more attributes (``api``, ``dds``, ``syncs`` …)."""
    intacct = {field: f"{{{{ env.{prefix}_{variable} }}}}" for field, variable in INTACCT_FIELDS.items()}
    attributes = {"intacct": {**intacct, **FAST_RETRIES}, **sections}
    if dds_bucket:
        attributes["dds"] = {"bucket": dds_bucket, "prefix": "", **sections.get("dds", {})}
    return attributes


def materialize(
    defs: dg.Definitions, keys: list[dg.AssetKey], instance: dg.DagsterInstance, **options
) -> dg.ExecuteInProcessResult:
    """Materializes ``keys`` of ``defs`` (their assets come bound to the definitions' resources)."""
    return dg.materialize([defs.resolve_assets_def(key) for key in keys], instance=instance, **options)
