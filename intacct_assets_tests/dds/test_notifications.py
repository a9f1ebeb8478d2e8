"""Event-driven discovery against moto's S3 and SQS: S3 event notifications in a queue, lost, duplicated and out
of order, with the periodic full listing as the safety net."""

import json
import uuid
from datetime import UTC, datetime

import boto3
import dagster as dg
import pytest

from intacct_assets.catalog import load_catalog
from intacct_assets.dds.discovery import DiscoveryCursor
from intacct_assets.dds.notifications import announced_objects, delete
from intacct_assets.dds.sensing import sense
from intacct_assets.dds.settings import DdsSettings
from intacct_assets.defs.dds.sensors import dds_sensor
from intacct_assets.defs.resources import DdsResource, S3Resource, WarehouseResource
from intacct_assets_tests.dds.files import GLENTRY_COLUMNS, dds_csv, glentry_row

CATALOG = load_catalog()
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC).timestamp()


@pytest.fixture
def sqs(aws_env, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", aws_env)
    return boto3.client("sqs", endpoint_url=aws_env, region_name="us-east-1")


@pytest.fixture
def queue(sqs, s3, bucket, monkeypatch):
    """A fresh queue receiving the bucket's ObjectCreated events (moto sends them as S3 does)."""
    url = sqs.create_queue(QueueName=f"dds-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]},
    )
    monkeypatch.setenv("INTACCT_DDS_SQS_QUEUE_URL", url)
    return url


def settings(bucket, queue, **overrides) -> DdsSettings:
    return DdsSettings(bucket=bucket, sqs_queue_url=queue, full_listing_seconds=3600, **overrides)


def planned(tick) -> list[str]:
    return sorted(f.key for batch in tick.plan.batches for f in batch.files)


def put(s3, bucket, key, record="1"):
    s3.put_object(Bucket=bucket, Key=key, Body=dds_csv(GLENTRY_COLUMNS, [glentry_row(record)]))


def waiting(sqs, queue) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )
    return sum(int(v) for v in attributes["Attributes"].values())


def tick(s3, sqs, queue, cursor, dds_settings, now):
    """A sensor tick as the sensor does it: plan, then delete the handled messages."""
    result = sense(s3, sqs, cursor, CATALOG, dds_settings, now)
    delete(sqs, queue, result.handled_messages)
    return result


def test_a_tick_plans_what_arrived_and_the_full_listing_finds_what_no_message_announced(s3, sqs, bucket, queue):
    dds_settings = settings(bucket, queue)
    put(s3, bucket, "GLENTRY.change.2026-12-01T06-00-00Z.csv")
    first = tick(s3, sqs, queue, DiscoveryCursor(), dds_settings, NOW)
    assert first.listed and planned(first) == ["GLENTRY.change.2026-12-01T06-00-00Z.csv"]
    assert waiting(sqs, queue) == 0  # its notification and the s3:TestEvent are deleted

    put(s3, bucket, "GLENTRY.change.2026-12-07T06-00-00Z.csv")
    second = tick(s3, sqs, queue, first.plan.cursor, dds_settings, NOW + 60)
    assert not second.listed and planned(second) == ["GLENTRY.change.2026-12-07T06-00-00Z.csv"]

    put(s3, bucket, "GLENTRY.change.2026-12-07T07-00-00Z.csv")
    sqs.purge_queue(QueueUrl=queue)  # the notification is lost
    third = tick(s3, sqs, queue, second.plan.cursor, dds_settings, NOW + 120)
    assert not third.listed and planned(third) == []
    fourth = tick(s3, sqs, queue, third.plan.cursor, dds_settings, NOW + 3600)
    assert fourth.listed and planned(fourth) == ["GLENTRY.change.2026-12-07T07-00-00Z.csv"]
    assert planned(tick(s3, sqs, queue, fourth.plan.cursor, dds_settings, NOW + 3660)) == []


def event(bucket, key, etag, at: datetime, name="ObjectCreated:Put") -> str:
    return json.dumps(
        {
            "Records": [
                {
                    "eventVersion": "2.1",
                    "eventSource": "aws:s3",
                    "eventName": name,
                    "eventTime": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                    "s3": {"bucket": {"name": bucket}, "object": {"key": key, "size": 10, "eTag": etag}},
                }
            ]
        }
    )


def test_duplicated_out_of_order_and_foreign_messages_plan_each_file_once(s3, sqs, bucket, queue):
    dds_settings = settings(bucket, queue)
    cursor = tick(s3, sqs, queue, DiscoveryCursor(), dds_settings, NOW).plan.cursor  # empty bucket: listed
    key = "GLENTRY.all.2026-12-07T06-00-00Z.csv"
    newer, older = datetime(2026, 12, 7, 6, 5, tzinfo=UTC), datetime(2026, 12, 7, 6, 1, tzinfo=UTC)
    bodies = [
        event(bucket, key, "e2", newer),
        event(bucket, key, "e2", newer),  # duplicated
        event(bucket, key, "e1", older),  # out of order: the version e2 replaced
        event("another-bucket", "GLENTRY.all.x.csv", "e9", newer),
        event(bucket, key, "e3", newer, "ObjectRemoved:Delete"),
        json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": bucket}),
        "not json",
    ]
    for body in bodies:
        sqs.send_message(QueueUrl=queue, MessageBody=body)
    first = tick(s3, sqs, queue, cursor, dds_settings, NOW + 60)
    assert [(f.key, f.etag) for b in first.plan.batches for f in b.files] == [(key, "e2")]
    assert waiting(sqs, queue) == 0
    sqs.send_message(QueueUrl=queue, MessageBody=event(bucket, key, "e1", older))  # a stale one, later still
    sqs.send_message(QueueUrl=queue, MessageBody=event(bucket, key, "e2", newer))  # and a late duplicate
    assert planned(tick(s3, sqs, queue, first.plan.cursor, dds_settings, NOW + 120)) == []


def test_url_encoded_keys_and_the_prefix(s3, sqs, bucket, queue):
    dds_settings = settings(bucket, queue, prefix="my exports/")
    cursor = tick(s3, sqs, queue, DiscoveryCursor(), dds_settings, NOW).plan.cursor
    put(s3, bucket, "my exports/GLENTRY.change.2026-12-07T06-00-00Z.csv")
    put(s3, bucket, "other/GLENTRY.change.2026-12-07T06-00-00Z.csv")
    result = tick(s3, sqs, queue, cursor, dds_settings, NOW + 60)
    assert not result.listed and planned(result) == ["my exports/GLENTRY.change.2026-12-07T06-00-00Z.csv"]
    assert announced_objects(event(bucket, "a+b%2Bc%C3%A9.csv", "e", datetime.now(UTC)), bucket)[0].key == "a b+cé.csv"


def test_messages_of_files_left_for_the_next_tick_are_kept(s3, sqs, bucket, queue):
    dds_settings = settings(bucket, queue, max_runs_per_tick=1)
    cursor = tick(s3, sqs, queue, DiscoveryCursor(), dds_settings, NOW).plan.cursor
    put(s3, bucket, "GLENTRY.change.2026-12-07T06-00-00Z.csv")
    put(s3, bucket, "VENDOR.change.2026-12-07T06-00-00Z.csv")
    result = sense(s3, sqs, cursor, CATALOG, dds_settings, NOW + 60)
    assert len(result.plan.batches) == 1 and len(result.plan.deferred) == 1
    assert len(result.handled_messages) == 1  # the deferred file's message stays in the queue


def test_the_sensor_in_event_mode(s3, sqs, bucket, queue, warehouse):
    resources = {"s3": S3Resource(), "warehouse": WarehouseResource(), "dds": DdsResource()}
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, resources=resources)
        first = dds_sensor(context)
        assert first.run_requests == []
        put(s3, bucket, "GLENTRY.change.2026-12-07T06-00-00Z.csv")
        context = dg.build_sensor_context(instance=instance, cursor=first.cursor, resources=resources)
        second = dds_sensor(context)
    assert [r.tags["intacct/dds_object"] for r in second.run_requests] == ["GLENTRY"]
    assert waiting(sqs, queue) == 0
    assert DiscoveryCursor.load(second.cursor).listed_at == DiscoveryCursor.load(first.cursor).listed_at


def test_the_full_listing_must_come_inside_the_lookback_window():
    with pytest.raises(ValueError, match="INTACCT_DDS_FULL_LISTING_SECONDS"):
        DdsSettings(bucket="b", sqs_queue_url="q", full_listing_seconds=7200, lookback_seconds=3600)
