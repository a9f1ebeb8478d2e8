"""Temporary dg projects and sandboxes for the component tests."""

from __future__ import annotations

import pytest

from intacct_assets.sandbox import Knobs, Sandbox, SandboxSettings
from intacct_assets_tests.components.projects import DgProject


@pytest.fixture
def project(tmp_path) -> DgProject:
    return DgProject(tmp_path / "project")


def company_sandbox(name: str, seed: int, **settings) -> Sandbox:
    """A sandbox company with credentials of its own (``<name>-client-secret`` …), so a test can tell whose
    secrets appear where."""
    return Sandbox(
        SandboxSettings(
            seed=seed,
            start_s3=False,
            company_id=f"{name.upper()}-CO",
            client_id=f"{name}-client-id",
            client_secret=f"{name}-client-secret-{seed}",
            user_password=f"{name}-user-password-{seed}",
            sender_password=f"{name}-sender-password-{seed}",
            counts={"CUSTOMER": 30 + seed, "VENDOR": 10},
            knobs=Knobs(retry_after_seconds=0),
            **settings,
        )
    )


@pytest.fixture
def east_sandbox():
    with company_sandbox("east", 3) as sandbox:
        yield sandbox


@pytest.fixture
def west_sandbox():
    with company_sandbox("west", 5) as sandbox:
        yield sandbox
