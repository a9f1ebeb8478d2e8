"""One asset per catalog object with an API binding, plus one per custom query:
``["intacct", "api", <name>]`` -> table ``api.<name>``, group ``api``, pool ``intacct_api`` (a company declared
in YAML: ``["intacct", <company>, "api", <name>]``, pool ``<company>_intacct_api``).

Each runs on its cadence (declarative automation, ``AutomationCondition.on_cron``), is fresh within two cadence
periods (``FreshnessPolicy``), and can be materialized by hand; the launchpad config offers a full refresh and an
immediate reconciliation.
"""

from dataclasses import replace

import dagster as dg

from intacct_assets.api_ingest.schema import ENTITY_COLUMN, column_name
from intacct_assets.api_ingest.settings import DEFAULT_CRON, ApiSettings
from intacct_assets.api_ingest.sync import ApiIngestion, IngestReport
from intacct_assets.api_ingest.targets import API_SCHEMA, SyncTarget
from intacct_assets.defs.company import Company, environment_company
from intacct_assets.defs.freshness import cadence_freshness
from intacct_assets.defs.metadata import table_check_results, table_check_specs, table_metadata
from intacct_assets.defs.resources import resource_of
from intacct_assets.defs.translator import IntacctAssetData, IntacctTranslator
from intacct_assets.warehouse.connection import Warehouse, run, transaction
from intacct_assets.warehouse.merge import TargetTable, ensure_table
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
    schema = dg.TableSchema(
        columns=[
            dg.TableColumn(name, kind)
            for name, kind in [
                ("operation", "string"),
                ("requests", "int"),
                ("retries", "int"),
                ("failed", "int"),
                ("partial", "int"),
                ("transactions", "int"),
                ("total_ms", "float"),
            ]
        ]
    )
    return dg.MetadataValue.table(
        [dg.TableRecord({"operation": name, **row}) for name, row in by_operation.items()], schema
    )


def _contexts_table(report: IngestReport) -> dg.TableMetadataValue:
    schema = dg.TableSchema(
        columns=[
            dg.TableColumn(name, "string")
            for name in [
                "entity",
                "mode",
                "fetched",
                "inserted",
                "updated",
                "deleted",
                "deletes",
                "pages",
                "repairs",
                "cursor",
            ]
        ]
    )
    records = [
        dg.TableRecord(
            {
                "entity": c.entity or "(top level)",
                "mode": c.mode,
                "fetched": str(c.fetched),
                "inserted": str(c.counts.inserted),
                "updated": str(c.counts.updated),
                "deleted": str(c.counts.deleted),
                "deletes": c.deletes,
                "pages": str(c.pages),
                "repairs": str(c.repairs),
                "cursor": c.cursor_after.isoformat() if c.cursor_after else "",
            }
        )
        for c in report.contexts
    ]
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


def declared_columns(target: SyncTarget) -> tuple[tuple[str, str], ...]:
    """Columns known before the first run: a custom query's fields, an XML object's catalog columns (a REST
    object's come from its model, at run time)."""
    if target.custom is not None:
        return tuple((column_name(f), target.declared.get(f, "string")) for f in target.custom.fields)
    if target.rest is None:
        return tuple((column_name(name), kind) for name, kind in target.declared.items())
    return ()


def ensure_declared_table(store: Warehouse, target: SyncTarget) -> None:
    """``api.<name>`` with the columns known before any row, when no sync has found a row yet: downstream SQL
    runs on an empty table instead of failing on a missing one. An existing table is left as the sync made it."""
    columns = dict(declared_columns(target))
    with store.connect() as connection, transaction(connection):
        if run(
            connection,
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [API_SCHEMA, target.name],
        )[0][0]:
            return
        ensure_table(
            connection,
            TargetTable(API_SCHEMA, target.name, target.key_columns, columns),
            list(dict.fromkeys([ENTITY_COLUMN, *target.key_columns, *columns])),
        )


def api_asset_data(target: SyncTarget, company: Company) -> IntacctAssetData:
    cron = cadence(target, company.api)
    code_file, code_line = (
        company.catalog_location(target.object)
        if target.custom is None
        else (company.queries_file, company.query_line(target.name))
    )
    return IntacctAssetData(
        company=company.name,
        kind="api",
        name=target.name,
        description=f"{target.description} Table `{API_SCHEMA}.{target.name}`.",
        table=f"{API_SCHEMA}.{target.name}",
        database=company.database,
        columns=((ENTITY_COLUMN, "string"), *declared_columns(target)),
        key_columns=target.key_columns,
        metadata={
            "intacct/object": target.object,
            "intacct/key": ", ".join(target.key_columns),
            "intacct/cadence": cron or "manual",
        },
        code_file=code_file,
        code_line=code_line,
        automation_condition=dg.AutomationCondition.on_cron(cron, company.api.cron_timezone) if cron else None,
        freshness_policy=cadence_freshness(cron, company.api.cron_timezone) if cron else None,
    )


def build_api_asset(
    target: SyncTarget,
    settings: ApiSettings | None = None,
    company: Company | None = None,
    translator: IntacctTranslator | None = None,
    *,
    blocking: bool = False,
) -> dg.AssetsDefinition:
    """``settings``: the API settings of the definitions (cadences), by default the company's; ``blocking``: the
    table is a source of a reverse sync, so its checks stop what follows when they fail."""
    company = company or environment_company()
    if settings is not None:
        company = replace(company, api=settings)
    spec = (translator or IntacctTranslator()).get_asset_spec(api_asset_data(target, company))
    intacct_key, warehouse_key = company.named("intacct"), company.named("warehouse")

    @dg.multi_asset(
        name="__".join(spec.key.path),
        specs=[spec],
        pool=company.named(API_POOL),
        check_specs=table_check_specs(spec.key, unique="entity and record key", rejected="this run", blocking=blocking),
        required_resource_keys={intacct_key, warehouse_key},
    )
    def api_table(context: dg.AssetExecutionContext, config: ApiSyncConfig):
        intacct, warehouse = resource_of(context, intacct_key), resource_of(context, warehouse_key)
        store = warehouse.warehouse()
        with intacct.client() as client:
            report = ApiIngestion(client, store, intacct.api_settings(), run_id=context.run.run_id).sync(
                target, full_refresh=config.full_refresh, reconcile=config.reconcile
            )
        for entity in report.contexts:
            for warning in entity.warnings:
                context.log.warning(f"{target.name} ({entity.entity or 'top level'}): {warning}")
            context.log.info(
                f"{target.name} ({entity.entity or 'top level'}): {entity.mode}, {entity.fetched} rows "
                f"read in {entity.pages} pages, {entity.counts}, deletions via {entity.deletes}"
            )
        ensure_declared_table(store, target)
        table = table_report(store, API_SCHEMA, target.name, target.key_columns)
        yield dg.MaterializeResult(
            metadata={**table_metadata(table, database=company.database), **sync_metadata(report)},
            check_results=table_check_results(table.duplicate_keys, report.total("rejected"), blocking=blocking),
        )

    return api_table


def api_targets(settings: ApiSettings) -> list[SyncTarget]:
    """Every API target of the environment's company with these settings (custom queries of ``queries_path``)."""
    return replace(environment_company(), api=settings).api_targets()


def build_api_assets(company: Company, translator: IntacctTranslator | None = None) -> list[dg.AssetsDefinition]:
    sources = company.sync_source_tables()
    return [
        build_api_asset(
            target, company=company, translator=translator, blocking=f"{API_SCHEMA}.{target.name}" in sources
        )
        for target in company.api_targets()
    ]


API_ASSETS = build_api_assets(environment_company())
