"""Jobs the DDS sensor launches: loading files into tables, and recording files nobody claims."""

from datetime import datetime

import dagster as dg

from intacct_assets.dds.ingest import record_unrecognized
from intacct_assets.dds.s3 import S3Object
from intacct_assets.defs.dds.assets import DDS_GROUP
from intacct_assets.defs.resources import WarehouseResource

dds_ingest_job = dg.define_asset_job(
    "dds_ingest_job",
    selection=dg.AssetSelection.groups(DDS_GROUP),
    description="Loads DDS files into dds.<object> tables (the sensor picks the asset and files).",
)


class UnrecognizedFile(dg.Config):
    key: str
    etag: str
    size: int = 0
    last_modified: str
    reason: str


class UnrecognizedFilesConfig(dg.Config):
    files: list[UnrecognizedFile] = []


@dg.op(description="Writes ledger rows (outcome 'unrecognized') for files that match no catalog object.")
def record_unrecognized_dds_files(context: dg.OpExecutionContext, config: UnrecognizedFilesConfig,
                                  warehouse: WarehouseResource) -> None:
    by_reason: dict[str, list[S3Object]] = {}
    for file in config.files:
        context.log.warning(f"{file.key}: {file.reason}")
        by_reason.setdefault(file.reason, []).append(
            S3Object(file.key, file.etag, file.size, datetime.fromisoformat(file.last_modified)))
    for reason, files in by_reason.items():
        record_unrecognized(warehouse.warehouse(), files, reason, context.run.run_id)


@dg.job(description="Records DDS files that match no catalog object in intacct_meta.dds_files.")
def dds_unrecognized_files_job():
    record_unrecognized_dds_files()
