"""Checks of this machine: the settings read, and the warehouse file writable and not locked."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import duckdb

from intacct_assets.doctor.context import DoctorContext
from intacct_assets.doctor.results import CheckResult, failed, passed, skipped
from intacct_assets.warehouse.connection import WarehouseBusyError, run

SETTINGS_FIX = "correct the environment variable (or .env line) named above"


def settings(ctx: DoctorContext) -> list[CheckResult]:
    """Every setting the assets read can be read; what they configure, in one line."""
    parts = {
        "intacct": lambda: ctx.intacct_settings,
        "api": lambda: ctx.api_settings,
        "dds": lambda: ctx.dds_settings,
        "catalog": lambda: ctx.catalog,
        "custom queries": lambda: ctx.custom_queries,
        "warehouse": lambda: ctx.warehouse,
    }
    problems: dict[str, CheckResult] = {}  # by message: custom queries fail again when the API settings do
    for name, read in parts.items():
        try:
            read()
        except Exception as error:  # noqa: BLE001 - each factory has its own error type; all are reported
            problems.setdefault(str(error), failed(str(error), SETTINGS_FIX, subject=name))
    return list(problems.values()) or [passed(_summary(ctx))]


def _summary(ctx: DoctorContext) -> str:
    intacct, dds = ctx.intacct_settings, ctx.dds_settings
    rest = f"REST as {intacct.oauth_username or 'a refresh token'}" if intacct.has_rest else "no REST"
    xml = (
        "no XML gateway"
        if not intacct.has_xml_sender
        else "XML by login"
        if intacct.has_xml_login
        else "XML with sessions from the OAuth token"
    )
    bucket = f"DDS s3://{dds.bucket}/{dds.prefix}" if dds.bucket else "no DDS bucket"
    objects = len(ctx.targets) - len(ctx.custom_queries)
    queries = f" + {len(ctx.custom_queries)} custom queries" if ctx.custom_queries else ""
    return (
        f"{rest}; {xml}; {bucket}; {objects} API objects{queries}, {len(ctx.catalog.dds_objects())} DDS objects; "
        f"warehouse {ctx.warehouse.path}"
    )


def warehouse_file(ctx: DoctorContext) -> CheckResult:
    """The DuckDB file can be written and nobody holds it: the project's lock, or DuckDB's own (another process).
    Opened and closed without a change; a file that does not exist yet is not created."""
    store = ctx.warehouse
    if not store.is_local_file:
        return skipped(f"{store.path} is not a local file: nothing to check on this machine")
    path = Path(store.path).absolute()
    if not path.exists():
        folder = next(parent for parent in (path.parent, *path.parent.parents) if parent.exists())
        if os.access(folder, os.W_OK | os.X_OK):
            return passed(f"{path} does not exist yet: the first run creates it ({folder} is writable)")
        return failed(
            f"{path} does not exist and {folder} is not writable", "point INTACCT_DUCKDB_PATH at a writable folder"
        )
    if not os.access(path, os.W_OK):
        return failed(
            f"{path} is not writable by this user", "make it writable, or point INTACCT_DUCKDB_PATH at another file"
        )
    try:
        with replace(store, lock_timeout_seconds=0).connect() as connection:
            tables = run(connection, "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()")
    except WarehouseBusyError:
        return failed(
            f"{path} is locked: a run, or a DuckDB UI/CLI session, holds {path}.lock",
            "wait for the running job, or close the DuckDB sessions on the file, then run again",
        )
    except duckdb.Error as error:
        return failed(
            f"DuckDB cannot open {path} for writing: {error}",
            "close the process that has the file open (DuckDB UI/CLI), or fix the file and its settings",
        )
    return passed(f"{path}: writable, not locked ({path.stat().st_size / 2**20:,.1f} MiB, {tables[0][0]} tables)")
