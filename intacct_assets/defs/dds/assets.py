"""One asset per catalog object: ``["intacct", "dds", <object>]`` → table ``dds.<object>`` (a company declared in
YAML: ``["intacct", <company>, "dds", <object>]`` in its own warehouse file).

A run loads the files named in its config (the sensor fills it in); launched by hand with no
config, it loads every file of the object in the bucket that is not loaded yet.
"""

from datetime import datetime

import dagster as dg

from intacct_assets.catalog import CatalogObject
from intacct_assets.dds.ingest import DDS_SCHEMA, DdsIngest, ensure_object_table
from intacct_assets.dds.outcomes import FileOutcome
from intacct_assets.dds.s3 import S3Object, list_objects
from intacct_assets.defs.company import Company, environment_company
from intacct_assets.defs.metadata import table_check_results, table_check_specs, table_metadata
from intacct_assets.defs.resources import resource_of
from intacct_assets.defs.translator import IntacctAssetData, IntacctTranslator
from intacct_assets.warehouse.stats import table_report

DDS_GROUP = "dds"


class DdsFile(dg.Config):
    key: str
    etag: str
    size: int = 0
    last_modified: str = ""


class DdsIngestConfig(dg.Config):
    """Files to load; empty means every file of this object not loaded yet."""

    files: list[DdsFile] = []


def dds_asset_data(obj: CatalogObject, company: Company) -> IntacctAssetData:
    code_file, code_line = company.catalog_location(obj.name)
    return IntacctAssetData(
        company=company.name,
        kind="dds",
        name=obj.table_name,
        description=f"Intacct {obj.name} from DDS deliveries, one row per {', '.join(obj.key)} (newest version "
        f"wins; deletes kept as `_intacct_deleted`). Table `{DDS_SCHEMA}.{obj.table_name}`.",
        table=f"{DDS_SCHEMA}.{obj.table_name}",
        database=company.database,
        columns=tuple((name, kind) for name, kind in obj.columns.items()),
        key_columns=obj.key,
        metadata={"intacct/object": obj.name, "intacct/key": ", ".join(obj.key)},
        code_file=code_file,
        code_line=code_line,
    )


def _requested_files(config: DdsIngestConfig) -> list[S3Object]:
    return [
        S3Object(
            f.key,
            f.etag,
            f.size,
            datetime.fromisoformat(f.last_modified) if f.last_modified else datetime.fromtimestamp(0).astimezone(),
        )
        for f in config.files
    ]


def _files_table(outcomes: list[FileOutcome]) -> dg.TableMetadataValue:
    schema = dg.TableSchema(
        columns=[
            dg.TableColumn(name, kind)
            for name, kind in [
                ("key", "string"),
                ("outcome", "string"),
                ("records", "int"),
                ("inserted", "int"),
                ("updated", "int"),
                ("deleted", "int"),
                ("unchanged", "int"),
                ("rejected", "int"),
                ("message", "string"),
            ]
        ]
    )
    records = [
        dg.TableRecord(
            {
                "key": o.key,
                "outcome": o.outcome,
                "records": o.records,
                "inserted": o.counts.inserted,
                "updated": o.counts.updated,
                "deleted": o.counts.deleted,
                "unchanged": o.counts.unchanged,
                "rejected": o.rejected,
                "message": o.message[:500],
            }
        )
        for o in outcomes
    ]
    return dg.MetadataValue.table(records, schema)


def build_dds_asset(
    obj: CatalogObject,
    company: Company | None = None,
    translator: IntacctTranslator | None = None,
    *,
    blocking: bool = False,
) -> dg.AssetsDefinition:
    """``blocking``: the table is a source of a reverse sync, so its checks stop what follows when they fail."""
    company = company or environment_company()
    spec = (translator or IntacctTranslator()).get_asset_spec(dds_asset_data(obj, company))
    keys = {name: company.named(name) for name in ("s3", "warehouse", "dds")}

    @dg.multi_asset(
        name="__".join(spec.key.path),
        specs=[spec],
        check_specs=table_check_specs(spec.key, unique="record key", rejected="this run's files", blocking=blocking),
        required_resource_keys=set(keys.values()),
    )
    def dds_table(context: dg.AssetExecutionContext, config: DdsIngestConfig):
        s3, warehouse, dds = (resource_of(context, keys[name]) for name in ("s3", "warehouse", "dds"))
        settings = dds.settings()
        client = s3.get_client()
        ingest = DdsIngest(warehouse.warehouse(), client, settings, run_id=context.run.run_id)
        files = _requested_files(config)
        if not files:
            files = ingest.pending(obj, list_objects(client, settings.bucket, settings.prefix))
            context.log.info(f"no files in config: loading {len(files)} pending {obj.name} file(s) from the bucket")
        outcomes = ingest.ingest(obj, files)
        for outcome in outcomes:
            log = context.log.warning if outcome.needs_attention else context.log.info
            log(f"{outcome.key}: {outcome.outcome} {outcome.message}".rstrip())
        report = table_report(warehouse.warehouse(), DDS_SCHEMA, obj.table_name, obj.key)
        if not report.columns:  # nothing loaded yet: an empty table all the same, so downstream SQL runs
            ensure_object_table(warehouse.warehouse(), obj)
            report = table_report(warehouse.warehouse(), DDS_SCHEMA, obj.table_name, obj.key)
        # this run's rejects, exactly: the ledger keeps the rejects of every version of a key (a corrected
        # re-delivery must not inherit its predecessor's), and stores at most INTACCT_DDS_MAX_REJECTED_ROWS
        rejected_rows = sum(o.rejected for o in outcomes)
        yield dg.MaterializeResult(
            metadata={
                **table_metadata(report, database=company.database),
                **_run_totals(outcomes),
                "files": _files_table(outcomes),
            },
            check_results=table_check_results(
                report.duplicate_keys,
                rejected_rows,
                blocking=blocking,
                rejected_files=sum(o.outcome == "rejected" for o in outcomes),
            ),
        )
        failed = [o for o in outcomes if o.outcome == "failed"]
        if failed:
            raise dg.Failure(
                description=f"{len(failed)} of {len(outcomes)} {obj.name} file(s) failed to load and will be "
                f"retried: " + "; ".join(f"{o.key}: {o.message}" for o in failed[:5]),
                metadata={"failed_files": [o.key for o in failed]},
            )

    return dds_table


def _run_totals(outcomes: list[FileOutcome]) -> dict[str, object]:
    seconds = sum(o.seconds for o in outcomes)
    records = sum(o.records for o in outcomes)
    return {
        "inserted": sum(o.counts.inserted for o in outcomes),
        "updated": sum(o.counts.updated for o in outcomes),
        "deleted": sum(o.counts.deleted for o in outcomes),
        "unchanged": sum(o.counts.unchanged for o in outcomes),
        "rejected": sum(o.rejected for o in outcomes),
        "files_loaded": sum(o.outcome in ("ingested", "unchanged") for o in outcomes),
        "files_skipped": sum(o.outcome == "skipped" for o in outcomes),
        "files_failed": sum(o.outcome in ("failed", "rejected", "unrecognized") for o in outcomes),
        "bytes": sum(o.size_bytes for o in outcomes),
        "seconds": round(seconds, 3),
        "rows_per_second": round(records / seconds) if seconds else 0,
    }


def build_dds_assets(company: Company, translator: IntacctTranslator | None = None) -> list[dg.AssetsDefinition]:
    sources = company.sync_source_tables()
    return [
        build_dds_asset(obj, company, translator, blocking=f"{DDS_SCHEMA}.{obj.table_name}" in sources)
        for obj in company.dds_catalog_objects()
    ]


DDS_ASSETS = build_dds_assets(environment_company())
