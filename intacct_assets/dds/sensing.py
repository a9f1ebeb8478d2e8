"""One tick of the DDS sensor: find new files by listing the prefix or from S3 event notifications, plan runs.

Listing mode (the default) lists the whole prefix every tick. Event-driven mode (``INTACCT_DDS_SQS_QUEUE_URL``)
reads the queue instead, so a tick costs what arrived, and lists the prefix in full only every
``INTACCT_DDS_FULL_LISTING_SECONDS`` (and when what recognizes file names changed): that listing finds files
whose notification was lost. Duplicated notifications and stale ones (an older version of a file the cursor
knows newer) plan nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from intacct_assets.catalog import Catalog
from intacct_assets.dds import notifications
from intacct_assets.dds.discovery import DiscoveryCursor, DiscoveryPlan, plan_discovery, recognizer_fingerprint
from intacct_assets.dds.s3 import S3Object, list_objects
from intacct_assets.dds.settings import DdsSettings


@dataclass
class Tick:
    plan: DiscoveryPlan
    listed: bool  # the whole prefix was listed
    handled_messages: list[str] = field(default_factory=list)  # receipt handles to delete once runs are requested


def sense(s3, sqs, cursor: DiscoveryCursor, catalog: Catalog, settings: DdsSettings, now: float) -> Tick:
    """Plan this tick; ``now`` is the wall clock (epoch seconds), for the periodic full listing."""
    event_driven = bool(settings.sqs_queue_url)
    notices = notifications.receive(sqs, settings.sqs_queue_url, settings.bucket) if event_driven else []
    listed = (
        not event_driven
        or now - cursor.listed_at >= settings.full_listing_seconds
        or cursor.recognizer != recognizer_fingerprint(catalog, settings)
    )
    if listed:
        # files older than the horizon were all handled: none is needed, unless unrecognized ones get another look
        again = cursor.recognizer not in (None, recognizer_fingerprint(catalog, settings)) and cursor.unrecognized
        since = None if again or not cursor.horizon else datetime.fromtimestamp(cursor.horizon, UTC)
        candidates = list_objects(s3, settings.bucket, settings.prefix, modified_since=since)
    else:
        candidates = _announced(notices, cursor, settings)
    plan = plan_discovery(candidates, cursor, catalog, settings)
    if listed:
        plan.cursor = replace(plan.cursor, listed_at=now)
    waiting = {obj.key for obj in plan.deferred}
    handled = [n.receipt for n in notices if not any(obj.key in waiting for obj in n.objects)]
    return Tick(plan=plan, listed=listed, handled_messages=handled)


def _announced(notices: list[notifications.Notice], cursor: DiscoveryCursor, settings: DdsSettings) -> list[S3Object]:
    """The newest announcement of each key under the prefix, less those older than what the cursor knows."""
    newest: dict[str, S3Object] = {}
    for notice in notices:
        for obj in notice.objects:
            if not obj.key.startswith(settings.prefix):
                continue
            if obj.key not in newest or obj.last_modified > newest[obj.key].last_modified:
                newest[obj.key] = obj
    return [
        obj
        for obj in newest.values()
        if obj.key not in cursor.seen or cursor.seen[obj.key][1] <= obj.last_modified.timestamp()
    ]
