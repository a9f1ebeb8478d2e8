"""One asset per reverse sync (``syncs.yaml``): ``["intacct", "reverse_sync", <name>]`` (a company declared in
YAML: ``["intacct", <company>, "reverse_sync", <name>]``).

A sync writes into the ERP, so its automation is safe by default: off until its YAML says ``automation: true``;
then it runs when a source changes, or on its ``cron``, and only once the source's blocking checks (keys unique,
no rejected rows) passed; and its first automated run is a dry run unless ``first_automated_run: write``. It also
runs by hand from its job, or as a dry run (config ``dry_run: true``, or the ``…_dry_run`` job) that plans without
writing. A source table no asset of this project produces (dbt's, your own) is an observable source: its data
version is a digest of its content, looked at every few minutes, so a change to it triggers the sync.
"""

import dagster as dg

from intacct_assets.api_ingest.state import record_calls
from intacct_assets.defs.company import Company, environment_company
from intacct_assets.defs.resources import resource_of
from intacct_assets.defs.translator import IntacctAssetData, IntacctTranslator
from intacct_assets.reverse_sync.alerts import post_alert
from intacct_assets.reverse_sync.engine import ReverseSync, ReverseSyncReport, write_requests
from intacct_assets.reverse_sync.sources import source_tables
from intacct_assets.reverse_sync.spec import SyncSource, SyncSpec
from intacct_assets.warehouse.connection import transaction
from intacct_assets.warehouse.stats import table_fingerprint

REVERSE_GROUP = "reverse_sync"
REJECTED_SHARE_CHECK = "rejected_share"
AUTOMATION_TAG = "dagster/from_automation_condition"


class ReverseSyncConfig(dg.Config):
    dry_run: bool = False
    # Idempotency keys of unanswered creates the sync cannot read back (their failed rows say which), after you
    # checked Intacct: the record is there (recorded as written) / it is not (sent again under a new key).
    pending_written: list[str] = []
    pending_resend: list[str] = []


def source_keys(
    spec: SyncSpec, company: Company | None = None, keys_by_table: dict[str, dg.AssetKey] | None = None
) -> list[dg.AssetKey]:
    """What the sync reads: its asset, its table, or every table its SQL names. ``keys_by_table``: the keys the
    translator gave the company's tables (``dds.customer``) and the sources produced elsewhere."""
    company = company or environment_company()
    keys_by_table = keys_by_table or {}
    if spec.source.asset:
        table = company.own_table(spec.source.asset)
        return (
            [keys_by_table.get(table) or company.asset_key(*table.split("."))]
            if table
            else [dg.AssetKey(list(spec.source.asset))]
        )
    return [keys_by_table.get(table) or _default_key(company, table) for table in source_tables(spec)]


def _default_key(company: Company, table: str) -> dg.AssetKey:
    schema, _, name = table.partition(".")
    return (
        company.asset_key(schema, name)
        if schema in ("dds", "api")
        else IntacctTranslator().get_asset_key(_source_data(company, table))
    )


def _source_data(company: Company, table: str) -> IntacctAssetData:
    return IntacctAssetData(
        company=company.name,
        kind="source",
        name=table,
        table=table,
        database=company.database,
        description=f"`{table}`: a warehouse table read by a reverse sync, produced outside this project. Its data "
        "version is a digest of its content, looked at on a cron; a new one triggers the sync.",
        automation_condition=dg.AutomationCondition.cron_tick_passed(company.sources_cron),
    )


def sync_automation(spec: SyncSpec) -> dg.AutomationCondition | None:
    """Off unless the YAML turns it on; then when a source changed or the cron ticked, and never while a source's
    blocking check has not passed."""
    if not spec.automation:
        return None
    condition = dg.AutomationCondition.eager()
    if spec.cron:
        condition = condition | (
            dg.AutomationCondition.cron_tick_passed(spec.cron) & ~dg.AutomationCondition.in_progress()
        )
    return condition & dg.AutomationCondition.all_deps_blocking_checks_passed()


def first_automated_run_is_dry(context: dg.AssetExecutionContext, spec: SyncSpec) -> bool:
    """A run automation launched, of a sync whose YAML keeps the first automated run dry, before any
    materialization of it: plan only (the planned writes are in its materialization for review)."""
    return (
        spec.first_automated_run == "dry_run"
        and context.run.tags.get(AUTOMATION_TAG) == "true"
        and context.instance.get_latest_materialization_event(context.asset_key) is None
    )


def _report_metadata(report: ReverseSyncReport) -> dict[str, object]:
    counts = report.counts()
    api = report.api or {}
    operations = api.get("by_operation", {})
    lookups = sum(int(row["requests"]) for name, row in operations.items() if name.startswith("query"))
    errors = [
        dg.TableRecord({"match_value": r.match_value, "operation": r.operation, "error": (r.error or "")[:500]})
        for r in report.failed[:20]
    ]
    metadata: dict[str, object] = {
        "dry_run": report.dry_run,
        "source_rows": report.source_rows,
        **{f"plan_{name}": value for name, value in report.plan.items()},
        **counts,
        "rejected_share": round(report.rejected_share, 4),
        "write_requests": write_requests(report),
        "lookup_requests": lookups,
        "api_requests": api.get("requests", 0),
        "intacct_transactions": api.get("transactions", 0),
        "seconds": round(report.seconds, 3),
        "errors_sample": dg.MetadataValue.table(
            errors,
            dg.TableSchema(
                columns=[
                    dg.TableColumn("match_value", "string"),
                    dg.TableColumn("operation", "string"),
                    dg.TableColumn("error", "string"),
                ]
            ),
        ),
    }
    if report.dry_run:
        metadata["planned_writes"] = dg.MetadataValue.table(
            [dg.TableRecord(row) for row in report.planned_sample],
            dg.TableSchema(
                columns=[
                    dg.TableColumn(name, "string") for name in ("match_value", "operation", "intacct_key", "payload")
                ]
            ),
        )
    return metadata


def reverse_sync_asset_data(spec: SyncSpec, company: Company, deps: list[dg.AssetKey]) -> IntacctAssetData:
    code_file, code_line = company.sync_location(spec.name)
    return IntacctAssetData(
        company=company.name,
        kind="reverse_sync",
        name=spec.name,
        description=f"Pushes {spec.source.table or spec.source.asset or 'a query'} into Intacct {spec.object} "
        f"({spec.mode}, match {spec.match.column} → {spec.match.field or 'sync state'}, "
        f"on_delete {spec.on_delete}). Results: intacct_meta.reverse_sync_results.",
        metadata={
            "intacct/object": spec.object,
            "intacct/mode": spec.mode,
            "intacct/automation": (
                "on"
                + (f", cron {spec.cron}" if spec.cron else "")
                + ("" if spec.first_automated_run == "write" else ", first run dry")
            )
            if spec.automation
            else "off",
        },
        code_file=code_file,
        code_line=code_line,
        deps=tuple(deps),
        automation_condition=sync_automation(spec),
    )


def reading_tables(spec: SyncSpec, company: Company) -> SyncSpec:
    """The spec with a source that is one of the company's own assets given as its table: the company knows which
    table each of its keys names (the core reads tables, not asset keys)."""
    table = company.own_table(spec.source.asset)
    return spec.model_copy(update={"source": SyncSource(table=table)}) if table else spec


def build_reverse_sync_asset(
    spec: SyncSpec,
    company: Company | None = None,
    translator: IntacctTranslator | None = None,
    keys_by_table: dict[str, dg.AssetKey] | None = None,
) -> dg.AssetsDefinition:
    company = company or environment_company()
    deps = source_keys(spec, company, keys_by_table)
    asset_spec = (translator or IntacctTranslator()).get_asset_spec(reverse_sync_asset_data(spec, company, deps))
    intacct_key, warehouse_key = company.named("intacct"), company.named("warehouse")

    @dg.multi_asset(
        name="__".join(asset_spec.key.path),
        specs=[asset_spec],
        pool=company.named("intacct_api"),
        check_specs=[
            dg.AssetCheckSpec(
                REJECTED_SHARE_CHECK,
                asset=asset_spec.key,
                description=f"At most {spec.max_rejected_share:.0%} of written rows fail.",
            )
        ],
        required_resource_keys={intacct_key, warehouse_key},
    )
    def reverse_sync(context: dg.AssetExecutionContext, config: ReverseSyncConfig):
        intacct, warehouse = resource_of(context, intacct_key), resource_of(context, warehouse_key)
        dry_run = config.dry_run or first_automated_run_is_dry(context, spec)
        if dry_run and not config.dry_run:
            context.log.warning(
                f"{spec.name}: the first automated run is a dry run — review its planned writes; "
                "the next automated run writes (first_automated_run: write skips this)"
            )
        with intacct.client() as client:
            try:
                report = ReverseSync(
                    reading_tables(spec, company), warehouse.warehouse(), client, context.run.run_id
                ).run(dry_run, config.pending_written, config.pending_resend)
            finally:
                with warehouse.warehouse().connect() as connection, transaction(connection):
                    record_calls(connection, client.calls.since(0), context.run.run_id, f"reverse_sync/{spec.name}")
        for failure in report.failed[:5]:
            context.log.warning(f"{spec.name} {failure.match_value}: {failure.operation} failed: {failure.error}")
        passed = report.rejected_share <= spec.max_rejected_share
        if report.failed and not report.dry_run:
            post_alert(
                f"intacct_assets reverse sync {spec.name}: {len(report.failed)} of {len(report.results)} "
                f"row(s) failed (run {context.run.run_id}). First: {report.failed[0].error}"
            )
        yield dg.MaterializeResult(
            metadata=_report_metadata(report),
            check_results=[
                dg.AssetCheckResult(
                    check_name=REJECTED_SHARE_CHECK,
                    passed=passed,
                    metadata={
                        "rejected_share": round(report.rejected_share, 4),
                        "threshold": spec.max_rejected_share,
                        "failed_rows": len(report.failed),
                    },
                )
            ],
        )

    return reverse_sync


def build_source_observation(
    company: Company, table: str, translator: IntacctTranslator | None = None
) -> dg.AssetsDefinition:
    """An observable source for a table read by a sync that the company does not produce: its data version is a
    digest of the table's content."""
    spec = (translator or IntacctTranslator()).get_asset_spec(_source_data(company, table))
    warehouse_key = company.named("warehouse")

    @dg.multi_observable_source_asset(
        name="__".join(spec.key.path), specs=[spec], required_resource_keys={warehouse_key}
    )
    def observe_source(context: dg.AssetExecutionContext):
        digest, rows = table_fingerprint(resource_of(context, warehouse_key).warehouse(), table)
        if digest is None:
            context.log.warning(f"{table} does not exist yet in the warehouse: the syncs that read it wait")
        yield dg.ObserveResult(
            asset_key=spec.key,
            data_version=dg.DataVersion(digest or "missing"),
            metadata={"dagster/row_count": rows, "exists": digest is not None},
        )

    return observe_source


def build_reverse_syncs(
    company: Company, own_keys: dict[str, dg.AssetKey], translator: IntacctTranslator | None = None
) -> list[dg.AssetsDefinition]:
    """The company's syncs and the observable sources of the tables they read that it does not produce."""
    external = sorted(
        {
            table
            for spec in company.syncs
            for table in source_tables(spec)
            if table.partition(".")[0] not in ("dds", "api")
        }
    )
    observations = [build_source_observation(company, table, translator) for table in external]
    keys_by_table = {**own_keys, **{table: obs.key for table, obs in zip(external, observations, strict=True)}}
    return [build_reverse_sync_asset(spec, company, translator, keys_by_table) for spec in company.syncs] + observations


REVERSE_SYNC_ASSETS = build_reverse_syncs(environment_company(), {})
