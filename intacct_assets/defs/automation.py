"""Declarative automation, on by default: API assets follow their cron, reverse syncs (when their YAML turns
automation on) their sources, observable sources their cron. (Dagster's built-in automation sensor starts stopped;
this one starts running.) One sensor per company, over that company's assets only."""

import dagster as dg

from intacct_assets.defs.api_ingest.assets import API_ASSETS
from intacct_assets.defs.company import Company, environment_company
from intacct_assets.defs.dds.assets import DDS_ASSETS
from intacct_assets.defs.reverse_sync.assets import REVERSE_SYNC_ASSETS


def build_automation_sensor(
    company: Company, assets: list[dg.AssetsDefinition]
) -> dg.AutomationConditionSensorDefinition:
    return dg.AutomationConditionSensorDefinition(
        company.named("intacct_automation"),
        target=dg.AssetSelection.assets(*(key for asset in assets for key in asset.keys)),
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=30,
        description=f"Evaluates the automation conditions of {company.label}'s assets (API cadences, reverse syncs, "
        "their sources).",
    )


intacct_automation = build_automation_sensor(environment_company(), [*DDS_ASSETS, *API_ASSETS, *REVERSE_SYNC_ASSETS])
