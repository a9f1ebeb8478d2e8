"""One asset per reverse sync (``syncs.yaml``): ``["intacct", "reverse_sync", <name>]``.

Each runs when its source changes (declarative automation), by hand from its job, or as a dry run
(config ``dry_run: true``, or the ``…_dry_run`` job) that plans without writing.
"""

import dagster as dg
import sqlglot
from sqlglot import expressions as exp

from intacct_assets.api_ingest.state import ensure_api_tables, record_calls
from intacct_assets.defs.intacct_resource import IntacctResource
from intacct_assets.defs.resources import WarehouseResource
from intacct_assets.reverse_sync.alerts import post_alert
from intacct_assets.reverse_sync.engine import ReverseSync, ReverseSyncReport, write_requests
from intacct_assets.reverse_sync.spec import SyncSpec, load_syncs
from intacct_assets.warehouse.connection import transaction

REVERSE_GROUP = "reverse_sync"
REJECTED_SHARE_CHECK = "rejected_share"
OWN_SCHEMAS = ("dds", "api")


class ReverseSyncConfig(dg.Config):
    dry_run: bool = False
    # Idempotency keys of unanswered creates the sync cannot read back (their failed rows say which), after you
    # checked Intacct: the record is there (recorded as written) / it is not (sent again under a new key).
    pending_written: list[str] = []
    pending_resend: list[str] = []


def _table_key(schema: str | None, table: str) -> dg.AssetKey:
    if schema in OWN_SCHEMAS:
        return dg.AssetKey(["intacct", schema, table])
    return dg.AssetKey([schema or "main", table])


def source_keys(spec: SyncSpec) -> list[dg.AssetKey]:
    """What the sync reads: its table, its asset, or every table its SQL names."""
    if spec.source.asset:
        return [dg.AssetKey(list(spec.source.asset))]
    if spec.source.table:
        schema, _, table = spec.source.table.rpartition(".")
        return [_table_key(schema or None, table)]
    tables = sqlglot.parse_one(spec.source.sql, read="duckdb").find_all(exp.Table)
    return sorted({_table_key(t.db or None, t.name) for t in tables if t.name}, key=lambda k: k.to_user_string())


def _report_metadata(report: ReverseSyncReport) -> dict[str, object]:
    counts = report.counts()
    api = report.api or {}
    operations = api.get("by_operation", {})
    lookups = sum(int(row["requests"]) for name, row in operations.items() if name.startswith("query"))
    errors = [dg.TableRecord({"match_value": r.match_value, "operation": r.operation, "error": (r.error or "")[:500]})
              for r in report.failed[:20]]
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
        "errors_sample": dg.MetadataValue.table(errors, dg.TableSchema(columns=[
            dg.TableColumn("match_value", "string"), dg.TableColumn("operation", "string"),
            dg.TableColumn("error", "string")])),
    }
    if report.dry_run:
        metadata["planned_writes"] = dg.MetadataValue.table(
            [dg.TableRecord(row) for row in report.planned_sample],
            dg.TableSchema(columns=[dg.TableColumn(name, "string")
                                    for name in ("match_value", "operation", "intacct_key", "payload")]))
    return metadata


def build_reverse_sync_asset(spec: SyncSpec) -> dg.AssetsDefinition:
    key = dg.AssetKey(["intacct", "reverse_sync", spec.name])

    @dg.asset(
        name=spec.name,
        key_prefix=["intacct", "reverse_sync"],
        group_name=REVERSE_GROUP,
        deps=source_keys(spec),
        kinds={"intacct", "duckdb"},
        pool="intacct_api",
        automation_condition=dg.AutomationCondition.eager() if spec.automation else None,
        description=f"Pushes {spec.source.table or spec.source.asset or 'a query'} into Intacct {spec.object} "
                    f"({spec.mode}, match {spec.match.column} → {spec.match.field or 'sync state'}, "
                    f"on_delete {spec.on_delete}). Results: intacct_meta.reverse_sync_results.",
        metadata={"intacct/object": spec.object, "intacct/mode": spec.mode},
        check_specs=[dg.AssetCheckSpec(REJECTED_SHARE_CHECK, asset=key,
                                       description=f"At most {spec.max_rejected_share:.0%} of written rows fail.")],
    )
    def reverse_sync(context: dg.AssetExecutionContext, config: ReverseSyncConfig, intacct: IntacctResource,
                     warehouse: WarehouseResource):
        with intacct.client() as client:
            try:
                report = ReverseSync(spec, warehouse.warehouse(), client, context.run.run_id).run(
                    config.dry_run, config.pending_written, config.pending_resend)
            finally:
                with warehouse.warehouse().connect() as connection, transaction(connection):
                    ensure_api_tables(connection)
                    record_calls(connection, client.calls.since(0), context.run.run_id, f"reverse_sync/{spec.name}")
        for failure in report.failed[:5]:
            context.log.warning(f"{spec.name} {failure.match_value}: {failure.operation} failed: {failure.error}")
        passed = report.rejected_share <= spec.max_rejected_share
        if report.failed and not report.dry_run:
            post_alert(f"intacct_assets reverse sync {spec.name}: {len(report.failed)} of {len(report.results)} "
                       f"row(s) failed (run {context.run.run_id}). First: {report.failed[0].error}")
        yield dg.MaterializeResult(
            metadata=_report_metadata(report),
            check_results=[dg.AssetCheckResult(
                check_name=REJECTED_SHARE_CHECK, passed=passed,
                metadata={"rejected_share": round(report.rejected_share, 4), "threshold": spec.max_rejected_share,
                          "failed_rows": len(report.failed)})],
        )

    return reverse_sync


def _external_sources(specs: list[SyncSpec]) -> list[dg.AssetSpec]:
    """Warehouse tables read by syncs that no asset of this project produces (shown in the graph)."""
    keys = {key for spec in specs for key in source_keys(spec) if key.path[0] != "intacct"}
    return [dg.AssetSpec(key, group_name="warehouse_sources",
                         description="A warehouse table read by a reverse sync (produced outside this project).")
            for key in sorted(keys, key=lambda k: k.to_user_string())]


SYNCS = load_syncs()
REVERSE_SYNC_ASSETS = [build_reverse_sync_asset(spec) for spec in SYNCS]
WAREHOUSE_SOURCES = _external_sources(SYNCS)
