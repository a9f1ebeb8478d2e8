"""Freshness of the API tables: each must have been updated within two of its cadence periods (+30 min).

The checks are evaluated by a sensor that is on by default, so a stalled sync (expired
credentials, a broken schedule) shows up as a failed check in the UI without anyone running it.
"""

from datetime import datetime, timedelta

import dagster as dg

from intacct_assets.api.settings import DEFAULT_CRON
from intacct_assets.defs.api.assets import API_ASSETS, API_SETTINGS

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


def _freshness_checks() -> list[dg.AssetChecksDefinition]:
    checks = []
    for asset in API_ASSETS:
        cron = asset.metadata_by_key[asset.key]["intacct/cadence"]
        period = cron_period(DEFAULT_CRON if cron == "manual" else cron, API_SETTINGS.cron_timezone)
        checks.extend(dg.build_last_update_freshness_checks(assets=[asset], lower_bound_delta=2 * period + GRACE))
    return checks


API_FRESHNESS_CHECKS = _freshness_checks()
api_freshness_sensor = dg.build_sensor_for_freshness_checks(
    freshness_checks=API_FRESHNESS_CHECKS, name="intacct_api_freshness_sensor",
    default_status=dg.DefaultSensorStatus.RUNNING, minimum_interval_seconds=300)
