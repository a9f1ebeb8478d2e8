"""Freshness the Dagster way: a ``FreshnessPolicy`` per API cadence, so asset health, the catalog's freshness
state and freshness alerts work without a check of our own.

An API table is fresh while its last materialization (every entity context synced: a failed one fails the run) is
younger than two periods of its cadence plus 30 minutes; it warns after one period plus 30 minutes.
"""

from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import dagster as dg
from dagster._utils.schedules import cron_string_iterator  # Dagster's own cron arithmetic (time zones, DST)

GRACE = timedelta(minutes=30)
_SAMPLE_DAYS = 8  # longest gap between cron ticks over a week and a day


@cache
def cron_period(cron: str, timezone: str = "UTC") -> timedelta:
    """The longest interval between two consecutive ticks of ``cron`` (weekday-only crons included).

    One pass over the ticks: a partitions definition's window-by-window walk takes minutes for a cron of minutes.
    """
    ticks = cron_string_iterator(datetime(2026, 1, 5, tzinfo=ZoneInfo(timezone)).timestamp(), cron, timezone)
    previous = next(ticks)
    horizon, longest = previous + timedelta(days=_SAMPLE_DAYS), timedelta()
    for tick in ticks:
        longest, previous = max(longest, tick - previous), tick
        if tick >= horizon:
            break
    return longest


def cadence_freshness(cron: str, timezone: str = "UTC") -> dg.FreshnessPolicy:
    period = cron_period(cron, timezone)
    return dg.FreshnessPolicy.time_window(fail_window=2 * period + GRACE, warn_window=period + GRACE)
