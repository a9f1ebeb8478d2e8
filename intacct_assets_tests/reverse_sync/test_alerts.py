"""Alerts reach a webhook (a real HTTP server on 127.0.0.1), and a dead webhook never fails a run."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest

from intacct_assets.defs.alerts import intacct_run_failure_alerts
from intacct_assets.reverse_sync.alerts import ALERT_WEBHOOK_ENV, post_alert


@pytest.fixture
def webhook():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()


def test_post_alert_sends_slack_style_json(webhook, monkeypatch):
    url, received = webhook
    monkeypatch.setenv(ALERT_WEBHOOK_ENV, url)
    assert post_alert("3 rows failed")
    assert received == [{"text": "3 rows failed"}]


def test_a_dead_webhook_is_logged_not_raised(monkeypatch):
    monkeypatch.setenv(ALERT_WEBHOOK_ENV, "http://127.0.0.1:9/unreachable")
    assert post_alert("anything", timeout=1) is False


def test_failed_runs_are_posted(webhook, monkeypatch):
    url, received = webhook
    monkeypatch.setenv(ALERT_WEBHOOK_ENV, url)

    @dg.op
    def boom():
        raise RuntimeError("the DDS bucket is gone")

    @dg.job
    def failing_job():
        boom()

    with dg.instance_for_test() as instance:
        result = failing_job.execute_in_process(instance=instance, raise_on_error=False)
        failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE)
        context = dg.build_run_status_sensor_context(
            sensor_name=intacct_run_failure_alerts.name,
            dagster_event=failure,
            dagster_instance=instance,
            dagster_run=result.dagster_run,
        ).for_run_failure()
        intacct_run_failure_alerts(context)
    assert len(received) == 1 and "failing_job" in received[0]["text"] and "failed" in received[0]["text"]
