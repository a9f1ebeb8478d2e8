"""A job per reverse sync to run it by hand, and a dry-run job that only plans."""

import dagster as dg

from intacct_assets.defs.company import Company, environment_company
from intacct_assets.defs.reverse_sync.assets import REVERSE_SYNC_ASSETS


def build_reverse_sync_jobs(company: Company, assets: list[dg.AssetsDefinition]) -> list:
    """Two jobs per sync asset (observable sources have none)."""
    jobs = []
    for asset in assets:
        if not asset.is_materializable:
            continue
        name = asset.key.path[-1]
        selection = dg.AssetSelection.assets(asset.key)
        jobs += [
            dg.define_asset_job(
                company.named(f"reverse_sync_{name}"),
                selection=selection,
                description=f"Run the {name} reverse sync now.",
            ),
            dg.define_asset_job(
                company.named(f"reverse_sync_{name}_dry_run"),
                selection=selection,
                config={"ops": {asset.op.name: {"config": {"dry_run": True}}}},
                description=f"Plan the {name} reverse sync without writing to Intacct.",
            ),
        ]
    return jobs


REVERSE_SYNC_JOBS = build_reverse_sync_jobs(environment_company(), REVERSE_SYNC_ASSETS)
