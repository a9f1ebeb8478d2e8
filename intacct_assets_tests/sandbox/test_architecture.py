"""The sandbox's shape holds: its import contracts (``[tool.importlinter]`` in pyproject.toml: no loops, each
layer imports only those below it, no Dagster) and no module grown past ~400 lines."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).parents[2]
SANDBOX = ROOT / "intacct_assets" / "sandbox"
MAX_LINES = 400


def test_the_sandbox_keeps_its_import_contracts(monkeypatch, capsys):
    config = ROOT / "pyproject.toml"
    contracts = tomllib.loads(config.read_text())["tool"]["importlinter"]["contracts"]
    ids = tuple(c["id"] for c in contracts if c["id"].startswith("sandbox-"))
    assert {"sandbox-acyclic", "sandbox-layers", "sandbox-plain-python"} <= set(ids)
    monkeypatch.chdir(ROOT)
    status = lint_imports(config_filename=str(config), limit_to_contracts=ids, no_cache=True, no_logo=True)
    assert status == 0, capsys.readouterr().out


@pytest.mark.parametrize("path", sorted(SANDBOX.rglob("*.py")), ids=lambda p: str(p.relative_to(SANDBOX)))
def test_no_sandbox_module_is_a_god_module(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES
