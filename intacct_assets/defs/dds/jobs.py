"""Jobs the DDS sensor launches: loading files into tables, and recording files nobody claims."""

from datetime import datetime

import dagster as dg

from intacct_assets.dds.ingest import record_unrecognized
from intacct_assets.dds.s3 import S3Object
from intacct_assets.defs.company import Company, environment_company
from intacct_assets.defs.dds.assets import DDS_ASSETS
from intacct_assets.defs.resources import resource_of


class UnrecognizedFile(dg.Config):
    key: str
    etag: str
    size: int = 0
    last_modified: str
    reason: str


class UnrecognizedFilesConfig(dg.Config):
    files: list[UnrecognizedFile] = []


def build_dds_ingest_job(company: Company, assets: list[dg.AssetsDefinition]):
    return dg.define_asset_job(
        company.named("dds_ingest_job"),
        selection=dg.AssetSelection.assets(*(asset.key for asset in assets)),
        description="Loads DDS files into dds.<object> tables (the sensor picks the asset and files).",
    )


def build_unrecognized_files_job(company: Company) -> dg.JobDefinition:
    warehouse_key = company.named("warehouse")

    @dg.op(
        name=company.named("record_unrecognized_dds_files"),
        required_resource_keys={warehouse_key},
        description="Writes ledger rows (outcome 'unrecognized') for files that match no catalog object.",
    )
    def record_unrecognized_dds_files(context: dg.OpExecutionContext, config: UnrecognizedFilesConfig) -> None:
        warehouse = resource_of(context, warehouse_key)
        by_reason: dict[str, list[S3Object]] = {}
        for file in config.files:
            context.log.warning(f"{file.key}: {file.reason}")
            by_reason.setdefault(file.reason, []).append(
                S3Object(file.key, file.etag, file.size, datetime.fromisoformat(file.last_modified))
            )
        for reason, files in by_reason.items():
            record_unrecognized(warehouse.warehouse(), files, reason, context.run.run_id)

    @dg.job(
        name=company.named("dds_unrecognized_files_job"),
        description="Records DDS files that match no catalog object in intacct_meta.dds_files.",
    )
    def dds_unrecognized_files_job():
        record_unrecognized_dds_files()

    return dds_unrecognized_files_job


dds_ingest_job = build_dds_ingest_job(environment_company(), DDS_ASSETS)
dds_unrecognized_files_job = build_unrecognized_files_job(environment_company())
