"""The DDS sensor: new or re-delivered files, from a listing of the prefix or S3 event notifications, in
bounded runs."""

import hashlib
import time

import dagster as dg

from intacct_assets.dds import notifications
from intacct_assets.dds.discovery import DiscoveryCursor, FileBatch
from intacct_assets.dds.sensing import sense
from intacct_assets.defs.company import Company, environment_company
from intacct_assets.defs.dds.assets import DDS_ASSETS
from intacct_assets.defs.dds.jobs import dds_ingest_job, dds_unrecognized_files_job
from intacct_assets.defs.resources import resource_of

RETRIES_TAG = {"dagster/max_retries": "3", "dagster/retry_strategy": "FROM_FAILURE"}


def _ingest_request(batch: FileBatch, asset: dg.AssetsDefinition, job_name: str) -> dg.RunRequest:
    files = [
        {"key": f.key, "etag": f.etag, "size": f.size, "last_modified": f.last_modified.isoformat()}
        for f in batch.files
    ]
    return dg.RunRequest(
        run_key=batch.run_key,
        job_name=job_name,
        asset_selection=[asset.key],
        run_config={"ops": {asset.op.name: {"config": {"files": files}}}},
        tags={"intacct/dds_object": batch.object, "intacct/dds_files": str(len(files)), **RETRIES_TAG},
    )


def _unrecognized_request(unrecognized, job: dg.JobDefinition) -> dg.RunRequest:
    files = [
        {"key": f.key, "etag": f.etag, "size": f.size, "last_modified": f.last_modified.isoformat(), "reason": reason}
        for f, reason in unrecognized
    ]
    digest = hashlib.sha1("\n".join(f"{f['key']}@{f['etag']}" for f in files).encode()).hexdigest()[:20]
    return dg.RunRequest(
        run_key=f"dds:unrecognized:{digest}",
        job_name=job.name,
        run_config={"ops": {job.graph.node_defs[0].name: {"config": {"files": files}}}},
        tags=RETRIES_TAG,
    )


def build_dds_sensor(company: Company, assets: list[dg.AssetsDefinition], ingest_job, unrecognized_job):
    by_object = {asset.metadata_by_key[asset.key]["intacct/object"]: asset for asset in assets}
    s3_key, dds_key = company.named("s3"), company.named("dds")

    @dg.sensor(
        name=company.named("dds_sensor"),
        description="Launches bounded runs for new or re-delivered DDS files: lists INTACCT_DDS_BUCKET / "
        "INTACCT_DDS_PREFIX, or reads their S3 event notifications from INTACCT_DDS_SQS_QUEUE_URL.",
        jobs=[ingest_job, unrecognized_job],
        minimum_interval_seconds=company.dds.sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        required_resource_keys={s3_key, dds_key},
    )
    def dds_sensor(context: dg.SensorEvaluationContext, **_resources):  # called directly, Dagster passes them too
        s3, dds = resource_of(context, s3_key), resource_of(context, dds_key)
        settings = dds.settings()
        if not settings.bucket:
            return dg.SkipReason(
                f"no DDS bucket is set for {company.label} (INTACCT_DDS_BUCKET or the YAML's "
                "dds.bucket): nothing to watch"
            )
        sqs = notifications.sqs_client() if settings.sqs_queue_url else None
        tick = sense(
            s3.get_client(), sqs, DiscoveryCursor.load(context.cursor), company.dds_catalog, settings, time.time()
        )
        plan = tick.plan
        requests = [_ingest_request(batch, by_object[batch.object], ingest_job.name) for batch in plan.batches]
        for file, reason in plan.unrecognized:
            context.log.warning(f"DDS file {file.key} is not loaded: {reason}")
        if plan.unrecognized:
            requests.append(_unrecognized_request(plan.unrecognized, unrecognized_job))
        if plan.deferred:
            context.log.info(
                f"{len(plan.deferred)} more file(s) wait for the next tick (INTACCT_DDS_MAX_RUNS_PER_TICK)"
            )
        result = dg.SensorResult(run_requests=requests, cursor=plan.cursor.dump())
        if sqs is not None:  # the run requests are made: their notifications have done their job
            notifications.delete(sqs, settings.sqs_queue_url, tick.handled_messages)
        return result

    return dds_sensor


dds_sensor = build_dds_sensor(environment_company(), DDS_ASSETS, dds_ingest_job, dds_unrecognized_files_job)
