"""Freshness the Dagster way: a ``FreshnessPolicy`` per API cadence, so asset health, the catalog's freshness
state and freshness alerts work without a check of our own.

An API table is fresh while its last materialization (every entity context synced: a failed one fails the run) is
younger than two periods of its cadence plus 30 minutes; it warns after one period plus 30 minutes.
"""

from datetime import datetime, timedelta

import dagster as dg

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


def cadence_freshness(cron: str, timezone: str = "UTC") -> dg.FreshnessPolicy:
    period = cron_period(cron, timezone)
    return dg.FreshnessPolicy.time_window(fail_window=2 * period + GRACE, warn_window=period + GRACE)
