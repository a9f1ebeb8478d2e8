"""Freshness of the API tables: every entity context of every API asset must have synced successfully
within two of its cadence periods plus 30 minutes.

One check per asset, all evaluated together every hour by the project's automation sensor (on by
default), from ``intacct_meta.api_sync_state`` — so a stalled sync (expired credentials, a failing
object, a paused schedule) turns into a failed check in the UI without anyone running anything.
"""

import os
from datetime import datetime, timedelta

import dagster as dg

from intacct_assets.api_ingest.state import ensure_api_tables, load_state
from intacct_assets.api_ingest.targets import SyncTarget
from intacct_assets.api_ingest.typed_pages import utc_now
from intacct_assets.defs.api_ingest.assets import API_ASSETS, API_SETTINGS, API_TARGETS, cadence
from intacct_assets.defs.resources import WarehouseResource

FRESH_CHECK = "fresh"
FRESHNESS_CRON = "45 * * * *"
GRACE = timedelta(minutes=30)
_SAMPLE_DAYS = 8  # longest gap between cron ticks over a week and a day


def cron_period(cron: str, timezone: str = "UTC") -> timedelta:
    """The longest interval between two consecutive ticks of ``cron`` (weekday-only crons included)."""
    windows = dg.TimeWindowPartitionsDefinition(cron_schedule=cron, start=datetime(2026, 1, 5), timezone=timezone,
                                                fmt="%Y-%m-%dT%H:%M")
    window, longest = windows.get_first_partition_window(), timedelta()
    horizon = window.start + timedelta(days=_SAMPLE_DAYS)
    while window is not None and window.start < horizon:
        longest = max(longest, window.end - window.start)
        window = windows.get_next_partition_window(window.end)
    return longest


def max_lag(target: SyncTarget) -> timedelta:
    """How old the last sync may be: two periods of the cadence (or of the default) plus a grace."""
    return 2 * cron_period(cadence(target, API_SETTINGS) or "0 */6 * * *", API_SETTINGS.cron_timezone) + GRACE


def _contexts(target: SyncTarget) -> list[str]:
    default = os.environ.get("INTACCT_ENTITY_ID", "").strip()
    if target.entities is not None and target.entity_scoped:
        return list(target.entities)
    return [context or default for context in API_SETTINGS.contexts(target.entity_scoped, default)]


def _freshness(connection, target: SyncTarget, now: datetime) -> dg.AssetCheckResult:
    allowed, stale, synced = max_lag(target), [], {}
    for entity in _contexts(target):
        last = load_state(connection, target.name, entity).last_success_at
        synced[entity or "(top level)"] = last.isoformat() if last else "never"
        if last is None or now - last > allowed:
            stale.append(entity or "(top level)")
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(["intacct", "api", target.name]), check_name=FRESH_CHECK, passed=not stale,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"not synced within {allowed} in: {', '.join(stale)}" if stale else None,
        metadata={"last_success": synced, "max_lag_minutes": round(allowed.total_seconds() / 60)})


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec(FRESH_CHECK, asset=asset.key,
                             automation_condition=dg.AutomationCondition.cron_tick_passed(FRESHNESS_CRON),
                             description="Every entity context synced successfully within two cadence periods "
                                         "(+30 min).") for asset in API_ASSETS],
    description="Freshness of every API table, from intacct_meta.api_sync_state.",
    can_subset=True,  # materializing one asset from the UI runs its own check only
)
def api_freshness(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    now = utc_now()
    selected = {key.asset_key for key in context.selected_asset_check_keys}
    with warehouse.warehouse().connect() as connection:
        ensure_api_tables(connection)
        for target in API_TARGETS:
            if dg.AssetKey(["intacct", "api", target.name]) in selected:
                yield _freshness(connection, target, now)
