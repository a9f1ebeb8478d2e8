"""Posting alerts to a webhook: Slack incoming webhooks, Teams, or anything that takes JSON.

``INTACCT_ALERT_WEBHOOK_URL`` turns alerts on; the body is ``{"text": ...}`` (what Slack expects).
No extra dependency: a plain HTTPS POST.
"""

from __future__ import annotations

import logging
import os

import httpx

ALERT_WEBHOOK_ENV = "INTACCT_ALERT_WEBHOOK_URL"
log = logging.getLogger(__name__)


def alert_url() -> str | None:
    return os.environ.get(ALERT_WEBHOOK_ENV) or None


def post_alert(text: str, url: str | None = None, timeout: float = 10.0) -> bool:
    """Send one alert; a failing webhook is logged, never raised (alerts must not fail a run)."""
    url = url or alert_url()
    if not url:
        return False
    try:
        httpx.post(url, json={"text": text}, timeout=timeout).raise_for_status()
    except httpx.HTTPError as error:
        log.warning("alert webhook failed: %s", type(error).__name__)
        return False
    return True
