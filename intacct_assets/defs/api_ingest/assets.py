"""One asset per catalog object with an API binding, plus one per custom query:
``["intacct", "api", <name>]`` -> table ``api.<name>``, group ``api``, pool ``intacct_api``.

Each runs on its cadence (declarative automation, ``AutomationCondition.on_cron``) and can be
materialized by hand; the launchpad config offers a full refresh and an immediate reconciliation.
"""

import dagster as dg

from intacct_assets.api_ingest.custom_queries import load_custom_queries
from intacct_assets.api_ingest.settings import DEFAULT_CRON, ApiSettings
from intacct_assets.api_ingest.sync import ApiIngestion, IngestReport
from intacct_assets.api_ingest.targets import API_SCHEMA, SyncTarget
from intacct_assets.catalog import load_catalog
from intacct_assets.defs.intacct_resource import IntacctResource
from intacct_assets.defs.metadata import table_check_results, table_check_specs, table_metadata
from intacct_assets.defs.resources import WarehouseResource
from intacct_assets.warehouse.stats import table_report

API_GROUP = "api"
API_POOL = "intacct_api"


class ApiSyncConfig(dg.Config):
    """Launchpad options; the defaults are what the schedule runs."""

    full_refresh: bool = False  # re-read everything; rows Intacct no longer has are flagged deleted
    reconcile: bool = False  # list every key now: flag deleted rows, re-read missing or stale ones


def cadence(target: SyncTarget, settings: ApiSettings) -> str | None:
    """INTACCT_API_CRON overrides every asset ("off" = no automation); else the catalog's, else the default."""
    if settings.cron:
        return None if settings.cron.lower() == "off" else settings.cron
    return target.cadence or DEFAULT_CRON


def _operations_table(report: IngestReport) -> dg.TableMetadataValue:
    by_operation = report.calls_summary()["by_operation"]
    schema = dg.TableSchema(columns=[dg.TableColumn(name, kind) for name, kind in [
        ("operation", "string"), ("requests", "int"), ("retries", "int"), ("failed", "int"), ("partial", "int"),
        ("transactions", "int"), ("total_ms", "float")]])
    return dg.MetadataValue.table([dg.TableRecord({"operation": name, **row}) for name, row in by_operation.items()],
                                  schema)


def _contexts_table(report: IngestReport) -> dg.TableMetadataValue:
    schema = dg.TableSchema(columns=[dg.TableColumn(name, "string") for name in [
        "entity", "mode", "fetched", "inserted", "updated", "deleted", "deletes", "pages", "repairs", "cursor"]])
    records = [dg.TableRecord({
        "entity": c.entity or "(top level)", "mode": c.mode, "fetched": str(c.fetched),
        "inserted": str(c.counts.inserted), "updated": str(c.counts.updated), "deleted": str(c.counts.deleted),
        "deletes": c.deletes, "pages": str(c.pages), "repairs": str(c.repairs),
        "cursor": c.cursor_after.isoformat() if c.cursor_after else ""}) for c in report.contexts]
    return dg.MetadataValue.table(records, schema)


def sync_metadata(report: IngestReport) -> dict[str, object]:
    summary = report.calls_summary()
    return {
        "rows_fetched": report.total("fetched"),
        "inserted": report.total("inserted"),
        "updated": report.total("updated"),
        "deleted": report.total("deleted"),
        "unchanged": report.total("unchanged"),
        "rejected": report.total("rejected"),
        "api_calls": summary["requests"],
        "api_retries": summary["retries"],
        "api_throttled": summary["throttled"],
        "intacct_transactions": report.transactions,
        "seconds": round(report.seconds, 3),
        "rows_per_second": report.rows_per_second,
        "entities": _contexts_table(report),
        "api_call_log": _operations_table(report),
    }


def build_api_asset(target: SyncTarget, settings: ApiSettings) -> dg.AssetsDefinition:
    key = dg.AssetKey(["intacct", "api", target.name])
    cron = cadence(target, settings)

    @dg.asset(
        name=target.name,
        key_prefix=["intacct", "api"],
        group_name=API_GROUP,
        pool=API_POOL,
        kinds={"intacct", "duckdb"},
        description=f"{target.description} Table `{API_SCHEMA}.{target.name}`.",
        metadata={"dagster/table_name": f"{API_SCHEMA}.{target.name}", "intacct/object": target.object,
                  "intacct/key": ", ".join(target.key_columns), "intacct/cadence": cron or "manual"},
        automation_condition=dg.AutomationCondition.on_cron(cron, settings.cron_timezone) if cron else None,
        check_specs=table_check_specs(key, unique="entity and record key", rejected="this run"),
    )
    def api_table(context: dg.AssetExecutionContext, config: ApiSyncConfig, intacct: IntacctResource,
                  warehouse: WarehouseResource):
        store = warehouse.warehouse()
        with intacct.client() as client:
            report = ApiIngestion(client, store, intacct.api_settings(), run_id=context.run.run_id).sync(
                target, full_refresh=config.full_refresh, reconcile=config.reconcile)
        for entity in report.contexts:
            for warning in entity.warnings:
                context.log.warning(f"{target.name} ({entity.entity or 'top level'}): {warning}")
            context.log.info(f"{target.name} ({entity.entity or 'top level'}): {entity.mode}, {entity.fetched} rows "
                             f"read in {entity.pages} pages, {entity.counts}, deletions via {entity.deletes}")
        table = table_report(store, API_SCHEMA, target.name, target.key_columns)
        yield dg.MaterializeResult(
            metadata={**table_metadata(table), **sync_metadata(report)},
            check_results=table_check_results(table.duplicate_keys, report.total("rejected")),
        )

    return api_table


def api_targets(settings: ApiSettings) -> list[SyncTarget]:
    catalog = load_catalog()
    targets = [SyncTarget.from_catalog(obj, settings) for obj in catalog.api_objects()]
    return targets + [query.target() for query in load_custom_queries(settings.queries_path, catalog)]


API_SETTINGS = ApiSettings.from_env()
API_TARGETS = api_targets(API_SETTINGS)
API_ASSETS = [build_api_asset(target, API_SETTINGS) for target in API_TARGETS]
