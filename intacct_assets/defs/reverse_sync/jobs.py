"""A job per reverse sync to run it by hand, and a dry-run job that only plans."""

import dagster as dg

from intacct_assets.defs.reverse_sync.assets import REVERSE_SYNC_ASSETS


def _jobs(asset: dg.AssetsDefinition) -> list:
    name = asset.key.path[-1]
    selection = dg.AssetSelection.assets(asset.key)
    return [
        dg.define_asset_job(f"reverse_sync_{name}", selection=selection,
                            description=f"Run the {name} reverse sync now."),
        dg.define_asset_job(f"reverse_sync_{name}_dry_run", selection=selection,
                            config={"ops": {asset.op.name: {"config": {"dry_run": True}}}},
                            description=f"Plan the {name} reverse sync without writing to Intacct."),
    ]


REVERSE_SYNC_JOBS = [job for asset in REVERSE_SYNC_ASSETS for job in _jobs(asset)]
