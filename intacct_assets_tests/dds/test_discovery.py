"""The sensor's planning: files, not timestamps; bounded runs; a bounded cursor."""

from datetime import UTC, datetime, timedelta

from intacct_assets.catalog import load_catalog
from intacct_assets.dds.discovery import DiscoveryCursor, plan_discovery
from intacct_assets.dds.s3 import S3Object
from intacct_assets.dds.settings import DdsSettings

CATALOG = load_catalog()
T0 = datetime(2026, 11, 1, 6, 0, 0, tzinfo=UTC)


def obj(key, etag="e1", at=T0, size=100):
    return S3Object(key, etag, size, at)


def plan(listing, cursor=None, **settings):
    return plan_discovery(listing, cursor or DiscoveryCursor(), CATALOG, DdsSettings(bucket="b", **settings))


def keys(result):
    return sorted(f.key for batch in result.batches for f in batch.files)


def test_same_second_files_are_all_picked_up_across_ticks():
    first = plan([obj("GLENTRY.change.2026-11-01T06-00-00Z.001.csv")])
    assert keys(first) == ["GLENTRY.change.2026-11-01T06-00-00Z.001.csv"]
    parts = [obj(f"GLENTRY.change.2026-11-01T06-00-00Z.00{n}.csv") for n in (1, 2)]
    second = plan(parts, first.cursor)
    assert keys(second) == ["GLENTRY.change.2026-11-01T06-00-00Z.002.csv"]


def test_late_visible_file_with_older_timestamp_is_picked_up():
    now = obj("VENDOR.change.2026-11-01T07-00-00Z.csv", at=T0 + timedelta(hours=1))
    first = plan([now])
    late = obj("VENDOR.change.2026-11-01T06-00-00Z.csv", at=T0)  # stamped earlier, listed later
    second = plan([now, late], first.cursor)
    assert keys(second) == [late.key]


def test_overwritten_file_is_loaded_again():
    first = plan([obj("CUSTOMER.all.2026-11-01T06-00-00Z.csv", "e1")])
    again = plan([obj("CUSTOMER.all.2026-11-01T06-00-00Z.csv", "e1")], first.cursor)
    assert again.batches == []
    overwritten = plan([obj("CUSTOMER.all.2026-11-01T06-00-00Z.csv", "e2", T0 + timedelta(minutes=5))], again.cursor)
    assert keys(overwritten) == ["CUSTOMER.all.2026-11-01T06-00-00Z.csv"]
    assert overwritten.batches[0].run_key != first.batches[0].run_key


def test_many_parts_cost_few_runs_and_the_rest_waits():
    parts = [obj(f"GLENTRY.all.2026-11-01T06-00-00Z.{n:03d}.csv", at=T0 + timedelta(seconds=n)) for n in range(1, 101)]
    result = plan(parts, max_files_per_run=25, max_runs_per_tick=3)
    assert [len(b.files) for b in result.batches] == [25, 25, 25]
    assert len(result.deferred) == 25
    rest = plan(parts, result.cursor, max_files_per_run=25, max_runs_per_tick=3)
    assert keys(rest) == [p.key for p in parts[75:]]
    assert plan(parts, rest.cursor).batches == []


def test_runs_are_split_by_size():
    big = [obj(f"GLDETAIL.all.2026-11-01T06-00-00Z.{n:03d}.csv", size=600 * 1024**2) for n in range(1, 6)]
    result = plan(big, max_bytes_per_run=1024**3)
    assert [len(b.files) for b in result.batches] == [1, 1, 1, 1, 1]


def test_unrecognized_files_are_reported_once():
    listing = [obj("notes.txt"), obj("FOOBAR.all.2026-11-01T06-00-00Z.csv"), obj("_ddl/GLENTRY.sql"), obj("dir/")]
    result = plan(listing)
    reasons = {o.key: reason for o, reason in result.unrecognized}
    assert set(reasons) == {"notes.txt", "FOOBAR.all.2026-11-01T06-00-00Z.csv"}
    assert "no catalog object FOOBAR" in reasons["FOOBAR.all.2026-11-01T06-00-00Z.csv"]
    assert plan(listing, result.cursor).unrecognized == []


def test_cursor_stays_bounded_by_the_lookback_window():
    cursor = DiscoveryCursor()
    for day in range(30):
        listing = [
            obj(
                f"GLENTRY.change.{(T0 + timedelta(days=day)):%Y-%m-%dT%H-%M-%SZ}.{n:03d}.csv",
                at=T0 + timedelta(days=day, seconds=n),
            )
            for n in range(1, 201)
        ]
        cursor = plan(listing, cursor, lookback_seconds=6 * 3600, max_runs_per_tick=100).cursor
    assert len(cursor.seen) == 200  # only the last day's files are inside the look-back window
    assert len(cursor.dump()) < 20_000
    assert DiscoveryCursor.load(cursor.dump()) == cursor


def test_files_older_than_the_horizon_but_unhandled_are_never_skipped():
    old = [obj(f"GLENTRY.change.2026-11-01T06-00-00Z.{n:03d}.csv", at=T0) for n in range(1, 31)]
    new = obj("GLENTRY.change.2026-11-03T06-00-00Z.csv", at=T0 + timedelta(days=2))
    first = plan([*old, new], max_files_per_run=10, max_runs_per_tick=1, lookback_seconds=60)
    second = plan([*old, new], first.cursor, max_files_per_run=10, max_runs_per_tick=1, lookback_seconds=60)
    third = plan([*old, new], second.cursor, max_files_per_run=10, max_runs_per_tick=5, lookback_seconds=60)
    handled = keys(first) + keys(second) + keys(third)
    assert sorted(handled) == sorted(o.key for o in [*old, new])
