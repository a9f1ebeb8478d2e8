"""The ``intacct_doctor`` job: the read-only preflight (``intacct_assets.doctor``) from the UI.

Its results are the materialization table of the asset ``["intacct", "doctor"]`` (group ``doctor``); a
failed check fails the run after the table is recorded. Launched by hand only: no schedule, no sensor,
no automation condition.
"""

import os

import dagster as dg
from dagster_aws.s3 import S3Resource

from intacct_assets.defs.intacct_resource import IntacctResource
from intacct_assets.defs.resources import DdsResource, WarehouseResource
from intacct_assets.doctor import DoctorContext, DoctorReport, run_doctor

DOCTOR_KEY = dg.AssetKey(["intacct", "doctor"])
RESULT_COLUMNS = ("status", "check", "subject", "found", "fix")


def _results_table(report: DoctorReport) -> dg.TableMetadataValue:
    schema = dg.TableSchema(columns=[dg.TableColumn(name, "string") for name in RESULT_COLUMNS])
    return dg.MetadataValue.table(
        [dg.TableRecord({name: getattr(result, name) for name in RESULT_COLUMNS}) for result in report.results],
        schema)


@dg.asset(
    key=DOCTOR_KEY,
    group_name="doctor",
    kinds={"intacct", "s3", "duckdb"},
    description="Read-only preflight of the Intacct company, the DDS bucket and the warehouse file: one row per "
                "finding (pass / warn / fail / skip) with the fix in one line. Writes nothing to Intacct.",
)
def doctor(context: dg.AssetExecutionContext, intacct: IntacctResource, warehouse: WarehouseResource,
           dds: DdsResource, s3: S3Resource):
    with DoctorContext(intacct=intacct.settings, api=intacct.api_settings, dds=dds.settings,
                       warehouse=warehouse.warehouse, s3=s3.get_client,
                       aws_secret=s3.aws_secret_access_key or os.environ.get("AWS_SECRET_ACCESS_KEY")) as ctx:
        report = run_doctor(ctx)
    for result in report.results:
        log = {"fail": context.log.error, "warn": context.log.warning}.get(result.status, context.log.info)
        log(f"{result.status.upper()} {result.check} {result.subject}: {result.found}".replace("  ", " ")
            + (f" — fix: {result.fix}" if result.fix else ""))
    yield dg.MaterializeResult(metadata={
        "results": _results_table(report), **{status: count for status, count in report.counts.items()},
        "seconds": round(report.seconds, 3)})
    if report.failed:
        failures = [r for r in report.results if r.status == "fail"]
        raise dg.Failure(description=f"{len(failures)} doctor check(s) failed: " + "; ".join(
            f"{r.check} {r.subject}: {r.found} (fix: {r.fix})".replace(" :", ":") for r in failures[:5]))


intacct_doctor = dg.define_asset_job(
    "intacct_doctor", selection=[DOCTOR_KEY],
    description="Read-only preflight before the first sync (same checks as `intacct-assets doctor`).")
