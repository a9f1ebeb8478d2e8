"""The XML user's date format and time zone. The XML gateway writes dates and times in the Web Services user's
preferences, and reads filter values in them (developer.intacct.com/api/company-console/users,
``readUserFormatting``): the client must read them in the same format and zone, or it swaps days and months and
shifts its change windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from intacct_assets.doctor.context import DoctorContext
from intacct_assets.doctor.results import CheckResult, failed, passed, warned
from intacct_assets.intacct.errors import IntacctError
from intacct_assets.intacct.settings import IntacctSettings
from intacct_assets.intacct.xml_dates import UnreadableDates, UserDates, UserFormatting

SETTINGS = "INTACCT_XML_DATE_FORMAT / INTACCT_XML_TIMEZONE"
KNOWN_LOCALE = "en_US"  # the only locale estuary/connectors source-sage-intacct accepts
EXAMPLE = datetime(2026, 12, 31, 23, 59, 59)


def xml_dates(ctx: DoctorContext) -> list[CheckResult]:
    """What ``readUserFormatting`` says (locale, date format, GMT offset, clock); whether XML values can be read
    unambiguously in it; whether INTACCT_XML_DATE_FORMAT / INTACCT_XML_TIMEZONE agree with it; whether the time
    zone follows daylight saving."""
    client = ctx.require_xml()
    settings = ctx.intacct_settings
    try:
        reported = client.xml.user_formatting()
    except IntacctError as error:
        return [_unasked(settings, error)]
    said = (
        f"{reported.user}: date format {reported.dateformat or '(none)'}, GMT offset "
        f"{reported.gmtoffset or '(none)'}, {reported.clock or '(no)'}-hour clock, locale "
        f"{reported.locale or '(none)'}"
    )
    try:
        own = UserDates.of(
            reported.dateformat, reported.gmtoffset, reported.clock, source=f"user {reported.user}'s preferences"
        )
    except UnreadableDates as error:
        return [failed(f"{said}: {error.reason}", error.fix)]
    try:
        used = _used(settings, reported)
    except UnreadableDates as error:
        return [
            failed(
                f"{said}; {error.reason}",
                f"correct {SETTINGS}, or remove them: the client then reads the user's preferences",
            )
        ]
    named = [
        name
        for name, value in (
            ("INTACCT_XML_DATE_FORMAT", settings.xml_date_format),
            ("INTACCT_XML_TIMEZONE", settings.xml_timezone),
        )
        if value
    ]
    results = [
        passed(
            f"{said}; XML times are read as {_example(used)} in {used.zone}"
            + (f" (by {' and '.join(named)})" if named else "")
        )
    ]
    disagreements = _disagreements(settings, own, used)
    if disagreements:
        results.append(
            warned(
                "; ".join(disagreements),
                f"remove {SETTINGS} (the client then reads the user's preferences), or set them to those preferences",
                subject="settings",
            )
        )
    if _fixed_offset(used.zone):
        results.append(
            warned(
                f"the time zone is the fixed offset {used.zone}, which does not follow daylight saving: "
                "while the user's zone is on summer time, XML times would be read an hour off",
                "set INTACCT_XML_TIMEZONE to the user's time zone name (IANA, e.g. America/Los_Angeles), unless that "
                "zone has no daylight saving",
                subject="time zone",
            )
        )
    if reported.locale != KNOWN_LOCALE:
        results.append(
            warned(
                f"the user's locale is {reported.locale or '(none)'}: what a locale other than {KNOWN_LOCALE} "
                "changes in XML answers (number formats?) is not documented "
                "(estuary's Intacct connector refuses any other)",
                f"give the Web Services user the locale {KNOWN_LOCALE} in Intacct",
                subject="locale",
            )
        )
    return results


def _used(settings: IntacctSettings, reported: UserFormatting) -> UserDates:
    """The format and zone the client reads XML values in: the user's preferences, but for what the settings name."""
    if not (settings.xml_date_format or settings.xml_timezone):
        return reported.dates()
    return UserDates.of(
        settings.xml_date_format or reported.dateformat, settings.xml_timezone or reported.gmtoffset, source="settings"
    )


def _unasked(settings: IntacctSettings, error: IntacctError) -> CheckResult:
    """readUserFormatting failed: the settings are then all the client has."""
    if not (settings.xml_date_format and settings.xml_timezone):
        return failed(
            f"the XML user's date format and time zone cannot be read (readUserFormatting: {error}), and "
            f"{SETTINGS} do not name them: every XML read fails",
            f"set {SETTINGS} to the Web Services user's date format and time zone (its preferences in Intacct)",
        )
    try:
        used = UserDates.of(settings.xml_date_format, settings.xml_timezone, source="settings")
    except UnreadableDates as error:
        return failed(f"readUserFormatting failed ({error}), and {error.reason}", f"correct {SETTINGS}")
    return warned(
        f"readUserFormatting failed ({error}): XML times are read as {_example(used)} in {used.zone} "
        f"({SETTINGS}), which cannot be compared with the user's preferences",
        f"make sure {SETTINGS} are the Web Services user's date format and time zone in Intacct",
    )


def _disagreements(settings: IntacctSettings, own: UserDates, used: UserDates) -> list[str]:
    """Where the settings read XML values otherwise than the user's preferences write them."""
    found = []
    if settings.xml_date_format and (used.order, used.separator) != (own.order, own.separator):
        found.append(
            f"INTACCT_XML_DATE_FORMAT={settings.xml_date_format} reads {_example(used)}, but Intacct "
            f"writes {_example(own)} for this user: dates would be misread"
        )
    if settings.xml_timezone and not _offsets(own) & _offsets(used):
        found.append(
            f"INTACCT_XML_TIMEZONE={settings.xml_timezone} is not the user's GMT offset {own.zone}: XML times "
            "would be read, and change windows sent, hours off"
        )
    return found


def _offsets(dates: UserDates) -> set[timedelta | None]:
    """The UTC offsets of a zone this year: one for a fixed offset; standard and summer time for a zone name."""
    year = datetime.now(UTC).year
    return {dates.tz.utcoffset(datetime(year, month, 1)) for month in (1, 7)}


def _fixed_offset(zone: str) -> bool:
    """A fixed offset other than UTC (``-08:00``): a zone name follows daylight saving, UTC has none."""
    return zone.startswith(("+", "-"))


def _example(dates: UserDates) -> str:
    return f"{EXAMPLE.strftime(dates.timestamp_pattern)} ({dates.separator.join(dates.order)})"
