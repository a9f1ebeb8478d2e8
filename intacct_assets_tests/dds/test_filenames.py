from datetime import UTC, datetime

import pytest

from intacct_assets.dds.filenames import FileNameError, FileNameParser

T = datetime(2026, 11, 1, 6, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("GLENTRY.all.2026-11-01T06-00-00Z.003.csv.gz", ("GLENTRY", "all", T, 3, True)),
        ("GLENTRY.all.2026-11-01T06-00-00Z.csv", ("GLENTRY", "all", T, None, False)),
        ("exports/acme/CUSTOMER.change.2026-11-01T06-00-00Z.csv", ("CUSTOMER", "change", T, None, False)),
        ("CUSTOMER_change_2026-11-01T06-00-00Z_12.csv", ("CUSTOMER", "change", T, 12, False)),
        ("VENDOR.delete.2026-11-01T06:00:00Z.csv", ("VENDOR", "delete", T, None, False)),
        ("VENDOR.deleted.20261101T060000Z.csv.GZ", ("VENDOR", "delete", T, None, True)),
        ("MY_CUSTOM_OBJ_all_2026-11-01T06-00-00Z.csv", ("MY_CUSTOM_OBJ", "all", T, None, False)),
        ("glaccount.all.2026-11-01.csv", ("GLACCOUNT", "all", datetime(2026, 11, 1, tzinfo=UTC), None, False)),
        ("DEPARTMENT.csv", ("DEPARTMENT", "upsert", None, None, False)),
    ],
)
def test_default_names(key, expected):
    name = FileNameParser().parse(key)
    assert (name.object, name.job, name.delivered_at, name.part, name.compressed) == expected


@pytest.mark.parametrize(
    "key",
    [
        "README.txt",
        "GLENTRY.all.csv.bak",
        "2026/",
        "GLENTRY.parquet",
        "../../etc/passwd",
        "GLENTRY.all.2026-13-45T06-00-00Z.csv",
        "_ddl/GLENTRY.sql",
        "GLENTRY.csv.zip",
    ],
)
def test_non_dds_names_are_not_recognized(key):
    try:
        parsed = FileNameParser().parse(key)
    except FileNameError:  # a name that looks like DDS but carries an impossible date is reported, not guessed
        parsed = None
    assert parsed is None


def test_delivery_groups_split_parts():
    parser = FileNameParser()
    first = parser.parse("x/GLENTRY.all.2026-11-01T06-00-00Z.001.csv.gz")
    second = parser.parse("x/GLENTRY_all_2026-11-01T06-00-00Z_2.csv")
    assert first.delivery == second.delivery == "x/GLENTRY.all.2026-11-01T06-00-00Z"
    assert first.is_snapshot and not parser.parse("GLENTRY.change.2026-11-01T06-00-00Z.csv").is_snapshot


def test_user_pattern_overrides_default():
    parser = FileNameParser.from_setting(r"^(?P<object>[A-Z]+)-(?P<job>all|change)-(?P<ts>\d{14})\.csv$")
    name = parser.parse("drop/GLBATCH-change-20261101060000.csv")
    assert (name.object, name.job, name.delivered_at) == ("GLBATCH", "change", T)
    assert parser.parse("GLBATCH.change.2026-11-01T06-00-00Z.csv") is None


def test_user_pattern_errors_are_actionable():
    with pytest.raises(FileNameError, match="named group"):
        FileNameParser.from_setting(r"^(?P<obj>\w+)\.csv$")
    with pytest.raises(FileNameError, match="not a valid regex"):
        FileNameParser.from_setting(r"^(?P<object>[")
    with pytest.raises(FileNameError, match="not all/change/delete"):
        FileNameParser.from_setting(r"^(?P<object>[A-Z]+)\.(?P<job>\w+)\.csv$").parse("GLENTRY.weekly.csv")


def test_a_utc_offset_in_the_timestamp_is_applied():
    """Two deliveries at 06:00 in different zones are seven hours apart, not one delivery."""
    parser = FileNameParser()
    east = parser.parse("GLENTRY.all.2026-11-01T06:00:00+02:00.csv")
    west = parser.parse("GLENTRY.all.2026-11-01T06:00:00-05:00.csv")
    assert east.delivered_at == datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
    assert west.delivered_at == datetime(2026, 11, 1, 11, 0, tzinfo=UTC)
    assert east.delivery != west.delivery
    assert parser.parse("GLENTRY.all.20261101T060000+0000.csv").delivered_at == datetime(2026, 11, 1, 6, tzinfo=UTC)
    assert parser.parse("GLENTRY.all.2026-11-01T06-00-00Z.003.csv").delivered_at == datetime(2026, 11, 1, 6, tzinfo=UTC)
