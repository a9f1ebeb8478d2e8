"""The ordered list of checks, and the runner that turns each into results.

A check is a function ``(DoctorContext) -> CheckResult | list[CheckResult]``; its name is the check's name.
Adding a check is writing one and listing it in :data:`CHECKS`. Checks that use the Intacct API come after
``oauth_token`` / ``xml_session`` (which note a face that does not work, so later ones skip), and
``concurrency`` / ``clock_skew`` read the answers the checks before them received.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace

from intacct_assets.api_ingest.custom_queries import CustomQueryError
from intacct_assets.catalog import CatalogError
from intacct_assets.dds.filenames import FileNameError
from intacct_assets.dds.settings import SettingsError
from intacct_assets.doctor.audit_checks import audit_history
from intacct_assets.doctor.context import DoctorContext
from intacct_assets.doctor.dds_checks import dds_bucket, dds_ddl, dds_dialect, dds_file_names
from intacct_assets.doctor.intacct_checks import (
    api_objects,
    clock_skew,
    concurrency,
    entity_access,
    oauth_token,
    private_entities,
    xml_session,
)
from intacct_assets.doctor.local_checks import settings, warehouse_file
from intacct_assets.doctor.results import CheckResult, CheckSkipped, DoctorReport, failed, skipped
from intacct_assets.doctor.xml_dates import xml_dates
from intacct_assets.intacct.errors import IntacctConfigError

Check = Callable[[DoctorContext], CheckResult | list[CheckResult]]

CHECKS: tuple[Check, ...] = (
    settings,
    warehouse_file,
    oauth_token,
    xml_session,
    xml_dates,
    entity_access,
    api_objects,
    private_entities,
    audit_history,
    concurrency,
    clock_skew,
    dds_bucket,
    dds_file_names,
    dds_ddl,
    dds_dialect,
)
# errors of reading a setting: the settings check reports them; checks that need the setting are skipped
SETTINGS_ERRORS = (IntacctConfigError, SettingsError, CatalogError, CustomQueryError, FileNameError)


def run_doctor(
    ctx: DoctorContext, checks: Iterable[Check] = CHECKS, on_result: Callable[[CheckResult], None] | None = None
) -> DoctorReport:
    """Run every check in order; ``on_result`` sees each result as soon as it is known."""
    started = time.perf_counter()
    results: list[CheckResult] = []
    for check in checks:
        for result in _run(check, ctx):
            results.append(result)
            if on_result is not None:
                on_result(result)
    return DoctorReport(results, time.perf_counter() - started)


def _run(check: Check, ctx: DoctorContext) -> list[CheckResult]:
    try:
        outcome = check(ctx)
    except CheckSkipped as skip:
        outcome = skipped(skip.found, skip.fix)
    except SETTINGS_ERRORS as error:
        outcome = skipped(f"needs valid settings: {error}", "see settings")
    except Exception as error:  # noqa: BLE001 - a check that breaks reports it and the others still run
        outcome = failed(
            f"{type(error).__name__}: {error}",
            "this is unexpected: see the error, and report it if it is not about your settings",
        )
    found = [outcome] if isinstance(outcome, CheckResult) else outcome
    return [
        replace(result, check=check.__name__, found=ctx.redact(result.found), fix=ctx.redact(result.fix))
        for result in found
    ]
