"""Run failures (DDS, API ingestion, reverse sync) posted to INTACCT_ALERT_WEBHOOK_URL when it is set."""

import dagster as dg

from intacct_assets.reverse_sync.alerts import alert_url, post_alert


@dg.run_failure_sensor(
    name="intacct_run_failure_alerts",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Posts failed runs to INTACCT_ALERT_WEBHOOK_URL (Slack-compatible).",
)
def intacct_run_failure_alerts(context: dg.RunFailureSensorContext):
    if not alert_url():
        return
    post_alert(
        f"intacct_assets run {context.dagster_run.run_id} ({context.dagster_run.job_name}) failed: "
        f"{context.failure_event.message}"
    )
