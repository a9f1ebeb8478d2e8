"""Every definition of one company: DDS, API and reverse-sync assets with their checks, jobs and sensors, the
doctor, and the automation sensor over them — the same builders the environment's company is made of."""

from __future__ import annotations

import dagster as dg

from intacct_assets.defs.api_ingest.assets import api_asset_data, build_api_asset
from intacct_assets.defs.automation import build_automation_sensor
from intacct_assets.defs.company import Company
from intacct_assets.defs.dds.assets import build_dds_asset, dds_asset_data
from intacct_assets.defs.dds.jobs import build_dds_ingest_job, build_unrecognized_files_job
from intacct_assets.defs.dds.sensors import build_dds_sensor
from intacct_assets.defs.doctor import build_doctor
from intacct_assets.defs.reverse_sync.assets import build_reverse_syncs
from intacct_assets.defs.reverse_sync.jobs import build_reverse_sync_jobs
from intacct_assets.defs.translator import IntacctTranslator


def company_definitions(company: Company, translator: IntacctTranslator) -> dg.Definitions:
    """Assets, checks, jobs and sensors of ``company`` (its resources are the caller's)."""
    sources = company.sync_source_tables()
    own_keys: dict[str, dg.AssetKey] = {}
    dds_assets = []
    for obj in company.dds_catalog_objects():
        data = dds_asset_data(obj, company)
        dds_assets.append(build_dds_asset(obj, company, translator, blocking=data.table in sources))
        own_keys[data.table] = dds_assets[-1].key
    api_assets = []
    for target in company.api_targets():
        data = api_asset_data(target, company)
        api_assets.append(
            build_api_asset(target, company=company, translator=translator, blocking=data.table in sources)
        )
        own_keys[data.table] = api_assets[-1].key
    syncs = build_reverse_syncs(company, own_keys, translator)
    doctor, doctor_job = build_doctor(company)
    ingest_job, unrecognized_job = build_dds_ingest_job(company, dds_assets), build_unrecognized_files_job(company)
    jobs = [doctor_job, ingest_job, unrecognized_job, *build_reverse_sync_jobs(company, syncs)]
    sensors = [build_automation_sensor(company, [*dds_assets, *api_assets, *syncs])]
    if dds_assets:
        sensors.append(build_dds_sensor(company, dds_assets, ingest_job, unrecognized_job))
    return dg.Definitions(assets=[*dds_assets, *api_assets, *syncs, doctor], jobs=jobs, sensors=sensors)
