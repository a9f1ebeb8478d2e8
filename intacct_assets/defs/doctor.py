"""The ``intacct_doctor`` job: the read-only preflight (``intacct_assets.doctor``) from the UI.

Its results are the materialization table of the asset ``["intacct", "doctor"]`` (group ``doctor``; a company
declared in YAML: ``["intacct", <company>, "doctor"]``, job ``<company>_intacct_doctor``); a
failed check fails the run after the table is recorded. Launched by hand only: no schedule, no sensor,
no automation condition.
"""

import os

import dagster as dg

from intacct_assets.defs.company import Company, environment_company
from intacct_assets.defs.resources import resource_of
from intacct_assets.doctor import DoctorContext, DoctorReport, run_doctor

RESULT_COLUMNS = ("status", "check", "subject", "found", "fix")


def _results_table(report: DoctorReport) -> dg.TableMetadataValue:
    schema = dg.TableSchema(columns=[dg.TableColumn(name, "string") for name in RESULT_COLUMNS])
    return dg.MetadataValue.table(
        [dg.TableRecord({name: getattr(result, name) for name in RESULT_COLUMNS}) for result in report.results], schema
    )


def build_doctor(company: Company) -> tuple:
    """The company's doctor asset and the job that runs it."""
    key = dg.AssetKey([*company.key_root, "doctor"])
    resource_keys = {name: company.named(name) for name in ("intacct", "warehouse", "dds", "s3")}

    @dg.asset(
        key=key,
        group_name=company.group("doctor"),
        kinds={"intacct", "s3", "duckdb"},
        required_resource_keys=set(resource_keys.values()),
        description="Read-only preflight of the Intacct company, the DDS bucket and the warehouse file: one row per "
        "finding (pass / warn / fail / skip) with the fix in one line. Writes nothing to Intacct.",
    )
    def doctor(context: dg.AssetExecutionContext):
        intacct, warehouse, dds, s3 = (
            resource_of(context, resource_keys[name]) for name in ("intacct", "warehouse", "dds", "s3")
        )
        with DoctorContext(
            intacct=intacct.settings,
            api=intacct.api_settings,
            dds=dds.settings,
            warehouse=warehouse.warehouse,
            s3=s3.get_client,
            catalog=lambda: company.catalog,
            aws_secret=s3.aws_secret_access_key or os.environ.get("AWS_SECRET_ACCESS_KEY"),
        ) as ctx:
            report = run_doctor(ctx)
        for result in report.results:
            log = {"fail": context.log.error, "warn": context.log.warning}.get(result.status, context.log.info)
            log(
                f"{result.status.upper()} {result.check} {result.subject}: {result.found}".replace("  ", " ")
                + (f" — fix: {result.fix}" if result.fix else "")
            )
        yield dg.MaterializeResult(
            metadata={
                "results": _results_table(report),
                **{status: count for status, count in report.counts.items()},
                "seconds": round(report.seconds, 3),
            }
        )
        if report.failed:
            failures = [r for r in report.results if r.status == "fail"]
            raise dg.Failure(
                description=f"{len(failures)} doctor check(s) failed: "
                + "; ".join(f"{r.check} {r.subject}: {r.found} (fix: {r.fix})".replace(" :", ":") for r in failures[:5])
            )

    job = dg.define_asset_job(
        company.named("intacct_doctor"),
        selection=[key],
        description="Read-only preflight before the first sync (same checks as `intacct-assets doctor`).",
    )
    return doctor, job


doctor, intacct_doctor = build_doctor(environment_company())
DOCTOR_KEY = doctor.key
