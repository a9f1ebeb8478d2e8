"""S3 event notifications delivered to an SQS queue: which files arrived, without listing the bucket.

The bucket's event notifications (``s3:ObjectCreated:*``) go to an SQS queue, directly or through SNS. A
message is deleted only once the files it announces are handled (a run requested, or recorded as
unrecognized); a file whose message was lost, or never sent, is found by the periodic full listing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote_plus

import boto3

from intacct_assets.dds.s3 import S3Object

log = logging.getLogger(__name__)

# Messages read per sensor tick (SQS hands out 10 per request): more wait for the next tick.
MAX_MESSAGES_PER_TICK = 1_000
_RECEIVE_BATCH = 10


@dataclass(frozen=True)
class Notice:
    """One received message: its receipt handle and the new objects of our bucket it announces."""

    receipt: str
    objects: tuple[S3Object, ...]


def sqs_client():
    """An SQS client from the standard AWS settings (``AWS_ENDPOINT_URL_SQS`` / ``AWS_ENDPOINT_URL`` for a
    local server)."""
    return boto3.client("sqs")


def announced_objects(body: str, bucket: str) -> tuple[S3Object, ...]:
    """Objects created in ``bucket`` that an S3 event message announces.

    Reads the S3 event JSON as S3 sends it, or wrapped in an SNS notification. ``s3:TestEvent`` (sent when
    the notification is configured), other buckets and other events announce nothing. Keys arrive
    URL-encoded (a space as ``+``).
    """
    document = json.loads(body)
    if isinstance(document, dict) and document.get("Type") == "Notification" and "Message" in document:
        document = json.loads(document["Message"])
    if not isinstance(document, dict):
        raise ValueError("the message is not an S3 event notification")
    found = []
    for record in document.get("Records", []):
        s3 = record.get("s3", {})
        if (
            not str(record.get("eventName", "")).startswith("ObjectCreated:")
            or s3.get("bucket", {}).get("name") != bucket
        ):
            continue
        item = s3["object"]
        found.append(
            S3Object(
                key=unquote_plus(item["key"]),
                etag=str(item.get("eTag", "")).strip('"'),
                size=int(item.get("size", 0)),
                last_modified=datetime.fromisoformat(record["eventTime"]).astimezone(UTC),
            )
        )
    return tuple(found)


def receive(sqs, queue_url: str, bucket: str, limit: int = MAX_MESSAGES_PER_TICK) -> list[Notice]:
    """Messages waiting in the queue (no long poll: a tick must not wait). A message that is not an S3 event
    is logged and comes back with no objects, so it is deleted instead of being received for ever."""
    notices: list[Notice] = []
    while len(notices) < limit:
        answer = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=min(_RECEIVE_BATCH, limit - len(notices)), WaitTimeSeconds=0
        )
        messages = answer.get("Messages", [])
        if not messages:
            break
        for message in messages:
            try:
                objects = announced_objects(message["Body"], bucket)
            except (ValueError, KeyError, TypeError) as error:
                log.warning(
                    "SQS message %s is not an S3 event notification (%s): deleted", message.get("MessageId"), error
                )
                objects = ()
            notices.append(Notice(message["ReceiptHandle"], objects))
    return notices


def delete(sqs, queue_url: str, receipts: Iterable[str]) -> None:
    """Delete handled messages, ten per request. A failure only means the message comes back: its files are
    then recognized as handled."""
    pending = list(receipts)
    for start in range(0, len(pending), _RECEIVE_BATCH):
        entries = [{"Id": str(n), "ReceiptHandle": r} for n, r in enumerate(pending[start : start + _RECEIVE_BATCH])]
        failed = sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries).get("Failed", [])
        for failure in failed:
            log.warning("SQS message not deleted (it will be received again): %s", failure.get("Message"))
