"""Declarative automation, on by default: API assets follow their cron, reverse syncs follow their
sources. (Dagster's built-in automation sensor starts stopped; this one starts running.)"""

import dagster as dg

intacct_automation = dg.AutomationConditionSensorDefinition(
    "intacct_automation",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Evaluates automation conditions of every intacct_assets asset (API cadences, reverse syncs).",
)
