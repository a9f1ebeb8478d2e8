"""XML dates and timestamps follow the Web Services user's date format and time zone: read in them, kept in
UTC, and every filter bound (cursor windows, AUDITHISTORY ACCESSTIME) written in them."""

from __future__ import annotations

import re
from datetime import date, datetime

import httpx
import polars as pl
import pytest

from intacct_assets.intacct import IntacctConfigError
from intacct_assets.intacct.filters import Compare, all_of
from intacct_assets.intacct.xml_dates import UserDates
from intacct_assets.warehouse.connection import Warehouse
from intacct_assets_tests.api_ingest.syncing import SMALL_PAGES, Syncer

PACIFIC_EUROPEAN = {"xml_date_format": ".dmY", "xml_gmt_offset": "-08:00"}


def table(sync: Syncer, name: str) -> dict[str, dict]:
    """Every row (deleted ones too) without the moment it was written to the warehouse."""
    return {
        key: {c: v for c, v in row.items() if c != "_intacct_synced_at"}
        for key, row in sync.rows(name, live=False).items()
    }


def change_both(sandboxes, seconds: int, change) -> None:
    for sandbox in sandboxes:
        sandbox.advance_clock(seconds)
        change(sandbox)


def test_a_day_month_user_eight_hours_behind_utc_gives_the_same_table_as_a_us_utc_user(
    fresh_sandbox, twin_sandbox, make_client, xml_catalog, tmp_path
):
    us, pacific = fresh_sandbox, twin_sandbox  # the same company, seen by two differently set-up users
    pacific.configure(**PACIFIC_EUROPEAN)
    env = {**SMALL_PAGES, "INTACCT_API_LOOKBACK_SECONDS": "0"}  # no look-back to hide a shifted window
    syncs = [
        Syncer(sandbox, Warehouse(str(tmp_path / f"{n}.duckdb")), make_client, env, xml_catalog)
        for n, sandbox in (("us", us), ("pacific", pacific))
    ]
    sent: list[bytes] = []
    syncs[1].client = make_client(
        pacific, http=httpx.Client(event_hooks={"request": [lambda r: sent.append(r.content)]}), **env
    )
    for sync in syncs:
        sync.sync("vendor_xml")
    assert table(syncs[0], "vendor_xml") == table(syncs[1], "vendor_xml")
    # just after the cursor: an edit, a new vendor, a deletion -- none may be missed
    change_both((us, pacific), 1, lambda sb: sb.update("VENDOR", 5, {"NAME": "Edited at 06:00:01 UTC"}))
    change_both((us, pacific), 1, lambda sb: sb.create("VENDOR", {"NAME": "New", "VENDORID": "V-NEW"}))
    change_both((us, pacific), 1, lambda sb: sb.delete("VENDOR", 9))
    reports = [sync.sync("vendor_xml").contexts[0] for sync in syncs]
    assert [(r.counts.inserted, r.counts.updated, r.counts.deleted) for r in reports] == [(1, 1, 1)] * 2
    assert [r.rejected for r in reports] == [0, 0]
    assert table(syncs[0], "vendor_xml") == table(syncs[1], "vendor_xml")
    rows = syncs[1].rows("vendor_xml")
    assert rows["5"]["NAME"] == "Edited at 06:00:01 UTC" and "9" not in rows
    assert rows["5"]["WHENMODIFIED"] == datetime(2026, 11, 1, 6, 0, 1)  # UTC, whatever the user's zone
    # the windows were sent as the Pacific user reads dates: day first, eight hours behind UTC
    bound = UserDates.of(".dmY", "-08:00").timestamp_text(reports[1].cursor_before)
    windows = [body for body in sent if b"<greaterthanorequalto>" in body]
    assert any(f"<value>{bound}</value>".encode() in body for body in windows)
    audit = [body for body in windows if b"AUDITHISTORY" in body]
    assert audit and all(re.search(rb"<value>\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d</value>", body) for body in audit)


def test_the_users_preferences_are_read_once_per_client_and_free(fresh_sandbox, syncer, xml_catalog):
    fresh_sandbox.configure(**PACIFIC_EUROPEAN)
    sync = syncer(fresh_sandbox, catalog=xml_catalog)
    sync.sync("vendor_xml")
    sync.sync("vendor_xml")
    calls = [c for c in sync.client.calls.since(0) if c.operation == "readUserFormatting"]
    assert len(calls) == 1 and calls[0].transactions == 0


def test_settings_name_the_format_and_zone_without_asking(fresh_sandbox, syncer, xml_catalog):
    fresh_sandbox.configure(**PACIFIC_EUROPEAN)
    sync = syncer(fresh_sandbox, catalog=xml_catalog, INTACCT_XML_DATE_FORMAT="d.m.Y", INTACCT_XML_TIMEZONE="-0800")
    sync.sync("vendor_xml")
    assert not [c for c in sync.client.calls.since(0) if c.operation == "readUserFormatting"]
    assert sync.rows("vendor_xml")["3"]["WHENMODIFIED"] is not None


@pytest.mark.parametrize(
    "knobs, message", [({"xml_date_format": ".ymd"}, "two-digit year"), ({"xml_clock": "12"}, "12-hour clock")]
)
def test_a_format_that_cannot_be_read_unambiguously_is_refused_with_what_to_change(
    fresh_sandbox, syncer, xml_catalog, knobs, message
):
    fresh_sandbox.configure(**knobs)
    with pytest.raises(IntacctConfigError, match=message) as refused:
        syncer(fresh_sandbox, catalog=xml_catalog).sync("vendor_xml")
    assert "Intacct" in str(refused.value)


@pytest.mark.parametrize(
    "date_format, zone, text",
    [
        ("/mdY", "+00:00", "12/31/2026 23:30:00"),
        ("d.m.Y", "-0800", "31.12.2026 15:30:00"),
        ("-Ymd", "+05:30", "2027-01-01 05:00:00"),
        ("/dmY", "America/Los_Angeles", "31/12/2026 15:30:00"),  # PST in December
    ],
)
def test_values_and_bounds_round_trip_through_the_users_format_and_zone(date_format, zone, text):
    dates = UserDates.of(date_format, zone, source="test")
    moment = datetime(2026, 12, 31, 23, 30)
    assert dates.timestamp_text(moment) == text
    page = pl.DataFrame({"WHENMODIFIED": [text, "", None, "2026-31-12 99:00:00"], "NAME": [text] * 4})
    read = dates.canonical(page, {"WHENMODIFIED": "timestamp"})
    assert read["WHENMODIFIED"].to_list()[:3] == ["2026-12-31T23:30:00Z", None, None]
    assert "not a timestamp" in read["WHENMODIFIED"][3]  # unreadable: marked, so its record is rejected
    assert read["NAME"].to_list() == [text] * 4  # text stays text
    window = dates.wire(
        all_of(Compare("gte", "WHENMODIFIED", "2026-12-31T23:30:00Z"), Compare("eq", "NAME", "2026-12-31T23:30:00Z")),
        {"WHENMODIFIED": "timestamp"},
    )
    assert [item.value for item in window.items] == [text, "2026-12-31T23:30:00Z"]
    assert dates.date_text(date(2026, 1, 2)) == date(2026, 1, 2).strftime(dates.date_pattern)


@pytest.mark.parametrize(
    "date_format, zone", [("mdY", "UTC"), ("/mdd", "UTC"), ("/mdY", "Mars/Olympus"), ("/mdY", "+25")]
)
def test_an_unknown_format_or_zone_is_refused(date_format, zone):
    with pytest.raises(IntacctConfigError, match="INTACCT_XML_DATE_FORMAT"):
        UserDates.of(date_format, zone, source="settings")
