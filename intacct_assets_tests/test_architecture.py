"""The project's shape holds: its import contracts (``[tool.importlinter]`` in pyproject.toml: the core and the
sandbox are plain Python, the client never imports its emulator, no import loops, the sandbox's layers) and no
module outside the tests grown past 400 lines; tests share code through fixtures and helper modules, never by
importing a test module or a conftest."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "intacct_assets"
TESTS = ROOT / "intacct_assets_tests"
MAX_LINES = 400


def test_the_project_keeps_its_import_contracts(monkeypatch, capsys):
    config = ROOT / "pyproject.toml"
    ids = {c["id"] for c in tomllib.loads(config.read_text())["tool"]["importlinter"]["contracts"]}
    assert {"project-acyclic", "core-plain-python", "client-not-emulator", "sandbox-layers"} <= ids
    monkeypatch.chdir(ROOT)
    status = lint_imports(config_filename=str(config), no_cache=True, no_logo=True)
    assert status == 0, capsys.readouterr().out


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_a_god_module(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


@pytest.mark.parametrize("path", sorted(TESTS.rglob("*.py")), ids=lambda p: str(p.relative_to(TESTS)))
def test_no_test_file_imports_a_test_module_or_a_conftest(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    last_parts = {name.rsplit(".", 1)[-1] for name in imported}
    assert not {p for p in last_parts if p == "conftest" or p.startswith("test_")}
