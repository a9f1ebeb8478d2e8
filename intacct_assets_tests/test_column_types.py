"""One reading of Intacct's text into typed values (``warehouse.column_types``): a DDS file, a REST page and an XML
page give the same type and value for the same text, and reject the same texts — those that are not values of
their type, and those a cast would silently change."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intacct_assets.api_ingest.schema import FieldSpec
from intacct_assets.api_ingest.typed_pages import typed_batch
from intacct_assets.dds.dialect import DialectHints
from intacct_assets.dds.reader import ReadOptions, read_dds_file
from intacct_assets.intacct.xml_dates import UserDates
from intacct_assets.warehouse.column_types import STANDARD, TextForms, cast, describe, parse_timestamp
from intacct_assets_tests.dds.files import dds_csv

REJECTED = "rejected"
KINDS = ("integer", "decimal", "boolean", "date", "timestamp")
PROPERTIES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def through_dds(folder, kind: str, texts: list[str]) -> list[object]:
    """Each text as column V of its own record of a DDS file (with a header, as DDS writes it): its value, or
    REJECTED."""
    path = folder / f"{kind}.csv"
    path.write_bytes(dds_csv(["RECORDNO", "V"], [[str(n), text] for n, text in enumerate(texts)]))
    options = ReadOptions(key=("RECORDNO",), column_types={"V": kind}, hints=DialectHints(",", '"', True))
    parsed = read_dds_file(path, options)
    assert parsed.records == len(texts)
    values = dict(zip(parsed.frame["RECORDNO"], parsed.frame["V"], strict=True))
    return [values.get(str(n), REJECTED) for n in range(len(texts))]


def through_api(kind: str, texts: list[str | None], dates: UserDates | None = None) -> list[object]:
    """Each text as field ``v`` of a record of an API page (a REST one, or XML in a user's ``dates``)."""
    page = pl.DataFrame(
        {"key": [str(n) for n in range(len(texts))], "v": texts}, schema={"key": pl.String, "v": pl.String}
    )
    if dates is not None:
        page = dates.canonical(page, {"v": kind})
    fields = [FieldSpec("key", "key", "string"), FieldSpec("v", "v", kind)]
    batch, rejected = typed_batch(page, fields, "", None, "key")
    values = dict(zip(batch["key"], batch["v"], strict=True))
    assert len(values) + len(rejected) == len(texts)
    assert all(reason == f"cannot read v ({kind})" for reason, _ in rejected)
    return [values.get(str(n), REJECTED) for n in range(len(texts))]


def both(folder, kind: str, texts: list[str]) -> list[object]:
    """The values the DDS path gives, after checking the API path gives the very same."""
    dds = through_dds(folder, kind, texts)
    assert through_api(kind, texts) == dds, texts
    return dds


# --- what each type accepts, and what it rejects: the same through both paths --------------------------------


@pytest.mark.parametrize(
    "kind, cases",
    [
        (
            "integer",
            {
                "12": 12,
                "+12": 12,
                "-0": 0,
                "0012": 12,
                " 7 ": 7,
                "9223372036854775807": 2**63 - 1,
                "9223372036854775808": REJECTED,
                "12.0": REJECTED,
                "1e3": REJECTED,
                "1,000": REJECTED,
            },
        ),
        (
            "decimal",
            {
                "-1234567.8912345678": Decimal("-1234567.8912345678"),
                "1e5": Decimal(100000),
                "1.5E+3": Decimal(1500),
                " 2.50000000000000 ": Decimal("2.5"),
                ".5": Decimal("0.5"),
                "1234567890123456789012345678.5": Decimal("1234567890123456789012345678.5"),
                "12345678901234567890123456789": REJECTED,  # 29 integer digits
                "0.00000000001": REJECTED,  # an 11th decimal place would be lost
                "1.5e-10": REJECTED,
                "1e-11": REJECTED,
                "12,50": REJECTED,
                "NaN": REJECTED,
                "inf": REJECTED,
                "abc": REJECTED,
            },
        ),
        (
            "boolean",
            {
                "true": True,
                "FALSE": False,
                "t": True,
                "F": False,
                "1": True,
                "0": False,
                " Yes ": True,
                "no": False,
                "2": REJECTED,
                "y": REJECTED,
                "ja": REJECTED,
            },
        ),
        (
            "date",
            {
                "2026-10-31": date(2026, 10, 31),
                "10/31/2026": date(2026, 10, 31),
                "2026-10-31T00:00:00Z": date(2026, 10, 31),
                "2026-10-31T00:00:00+00:00": date(2026, 10, 31),
                "2026-10-31 00:00:00": date(2026, 10, 31),
                "10/31/2026 00:00:00": date(2026, 10, 31),
                "2026-10-31T13:30:00Z": REJECTED,  # a time of day: which day would it be?
                "2026-10-31T00:00:00+02:00": REJECTED,  # midnight somewhere else: 30 October in UTC
                "10/31/26": REJECTED,  # a two-digit year
                "31.10.2026": REJECTED,
                "2026-02-30": REJECTED,
            },
        ),
        (
            "timestamp",
            {
                "2026-11-01T05:00:00Z": datetime(2026, 11, 1, 5),
                "2026-11-01T05:00:00.25Z": datetime(2026, 11, 1, 5, 0, 0, 250000),
                "2026-11-01T05:00:00.1234560Z": datetime(2026, 11, 1, 5, 0, 0, 123456),
                "2026-11-01T07:00:00+02:00": datetime(2026, 11, 1, 5),  # an offset names one moment: UTC
                "2026-11-01T00:30:00-0430": datetime(2026, 11, 1, 5),
                "2026-11-01T07:00:00+02": datetime(2026, 11, 1, 5),
                "2023-08-01T01:20:30": datetime(2023, 8, 1, 1, 20, 30),  # REST's bulk job createdDateTime
                "05/28/2024 11:45:17": datetime(2024, 5, 28, 11, 45, 17),  # REST's run log startDateTime
                "2026-11-01 05:00:00": datetime(2026, 11, 1, 5),
                "2026-11-01": datetime(2026, 11, 1),
                "2026-12-31T23:59:60Z": REJECTED,  # a leap second would roll into 2027
                "2026-11-01T05:00:00.1234567Z": REJECTED,  # finer than a microsecond
                "26-11-01T05:00:00Z": REJECTED,
                "yesterday": REJECTED,
                "2026-11-01T25:00:00Z": REJECTED,
            },
        ),
    ],
)
def test_each_type_reads_its_forms_and_rejects_what_it_would_change(tmp_path, kind, cases):
    texts = list(cases)
    assert dict(zip(texts, both(tmp_path, kind, texts), strict=True)) == cases


@pytest.mark.parametrize("kind", KINDS)
def test_blank_text_is_no_value_in_a_typed_column(tmp_path, kind):
    """Empty or spaces only: NULL, not a rejected record (DDS: an empty field, a quoted "" or spaces; API: "" or
    null)."""
    path = tmp_path / "blank.csv"
    path.write_bytes(b'RECORDNO,V\n1,\n2,""\n3,   \n4,"  "\n')
    parsed = read_dds_file(
        path, ReadOptions(key=("RECORDNO",), column_types={"V": kind}, hints=DialectHints(",", '"', True))
    )
    assert parsed.rejected == [] and parsed.frame["V"].to_list() == [None] * 4
    assert through_api(kind, ["", "   ", None]) == [None] * 3


def test_strings_keep_their_text_and_ids_stay_text(tmp_path):
    texts = ["010", " padded ", "1e5", "TRUE"]
    assert both(tmp_path, "string", texts) == texts


def test_a_blank_key_rejects_the_record_through_both_paths(tmp_path):
    path = tmp_path / "keys.csv"
    path.write_bytes(b'RECORDNO,V\n1,a\n  ,b\n"",c\n,d\n')
    parsed = read_dds_file(
        path, ReadOptions(key=("RECORDNO",), column_types={"V": "string"}, hints=DialectHints(",", '"', True))
    )
    assert parsed.frame["V"].to_list() == ["a"]
    assert [r.reason for r in parsed.rejected] == ["record key RECORDNO is empty"] * 3
    batch, rejected = typed_batch(
        pl.DataFrame({"key": ["1", "  ", "", None], "v": list("abcd")}),
        [FieldSpec("key", "key", "string"), FieldSpec("v", "v", "string")],
        "",
        None,
        "key",
    )
    assert batch["v"].to_list() == ["a"] and [reason for reason, _ in rejected] == ["cannot read key (required)"] * 3


def test_reasons_say_what_is_wrong_with_the_value():
    assert describe("12,50", "decimal") == "'12,50' is not a valid decimal"
    assert (
        describe("0.00000000001", "decimal")
        == "'0.00000000001' is not a valid decimal (more than 10 decimal places, or a negative exponent)"
    )
    assert describe("1" * 29, "decimal").endswith("(more than 28 integer digits)")
    assert describe("2026-12-31T23:59:60Z", "timestamp").endswith("(a leap second)")
    assert describe("2026-11-01T05:00:00.1234567Z", "timestamp").endswith("(finer than a microsecond)")
    assert describe("26-11-01", "date").endswith("(a year before 100: two digits?)")
    assert describe("2026-10-31T13:30:00Z", "date").endswith("(a time of day, or an offset, in a date column)")
    assert describe("yesterday", "timestamp") == "'yesterday' is not a valid timestamp"


def test_a_column_whose_values_change_form_midway_is_read_whole(tmp_path):
    """The fast reading takes the pattern of a column's first values; the others are read again by every rule."""
    texts = ["2026-11-01T05:00:00Z"] * 250 + [
        "2026-11-01T05:00:00.250Z",
        "2026-11-01T07:00:00+02:00",
        "11/01/2026 05:00:00",
    ]
    values = both(tmp_path, "timestamp", texts)
    assert values[-3:] == [datetime(2026, 11, 1, 5, 0, 0, 250000), datetime(2026, 11, 1, 5), datetime(2026, 11, 1, 5)]


@pytest.mark.parametrize(
    "late",
    [
        "5e-1",  # short, but a negative exponent
        "1E-3",
        ".00000000001",  # the shortest text with an 11th decimal place
        "0.12345678901",
        "-12345.000000000001",
    ],
)
def test_a_cut_decimal_is_rejected_among_short_amounts(tmp_path, late):
    """The fast reading leaves out the check for cut decimal places in a column none of whose texts could need it;
    one such text after the first values (which decide the pattern) still rejects its record, by both paths."""
    texts = ["1.5", "-20.25", "300"] * 100 + [late, "7.75"]
    values = both(tmp_path, "decimal", texts)
    assert values[-2:] == [REJECTED, Decimal("7.75")]
    assert values[:3] == [Decimal("1.5"), Decimal("-20.25"), Decimal(300)]


def test_parse_timestamp_reads_what_a_column_reads():
    assert parse_timestamp("2026-11-01T07:00:00+02:00") == datetime(2026, 11, 1, 5)
    assert parse_timestamp("") is None and parse_timestamp(None) is None and parse_timestamp("soon") is None


# --- XML: the user's format and zone are forms like any other --------------------------------------------------


def test_xml_values_a_reading_would_change_are_rejected_too():
    """A leap second in the user's format used to roll over into the next minute before it was checked."""
    dates = UserDates.of("/mdY", "-08:00", source="test")
    texts = ["12/31/2026 15:59:59", "12/31/2026 15:59:60", "12/31/2026", "12/31/2026 00:00:00", "12/31/26 15:00:00"]
    assert through_api("timestamp", texts, dates) == [
        datetime(2026, 12, 31, 23, 59, 59),
        REJECTED,
        datetime(2026, 12, 31, 8),
        datetime(2026, 12, 31, 8),
        REJECTED,
    ]
    assert through_api("date", texts, dates) == [REJECTED, REJECTED, date(2026, 12, 31), date(2026, 12, 31), REJECTED]


def test_a_named_zone_follows_daylight_saving_and_an_ambiguous_hour_reads_early():
    dates = UserDates.of("/mdY", "America/Los_Angeles", source="test")
    texts = ["07/01/2026 12:00:00", "12/01/2026 12:00:00", "11/01/2026 01:30:00", "03/08/2026 02:30:00"]
    assert through_api("timestamp", texts, dates) == [
        datetime(2026, 7, 1, 19),
        datetime(2026, 12, 1, 20),
        datetime(2026, 11, 1, 8, 30),  # 01:30 happened twice: the earlier (PDT) moment
        REJECTED,
    ]  # 02:30 never happened that night


# --- properties: any value, written any accepted way, reads back the same through every path -------------------


def _spaced(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(st.sampled_from(["", " ", "  "]), text, st.sampled_from(["", " "])).map("".join)


def _integers():
    return st.integers(-(2**63), 2**63 - 1).flatmap(
        lambda n: st.tuples(
            st.just(n),
            _spaced(st.sampled_from([str(n), f"+{n}" if n >= 0 else str(n), f"{'-' if n < 0 else ''}00{abs(n)}"])),
        )
    )


def _decimals():
    def forms(value: Decimal):
        plain = format(value, "f")
        written = [
            plain,
            plain + "000" if "." in plain else plain + ".000",
            plain.replace("0.", ".", 1) if plain.startswith("0.") else plain,
        ]
        if value == value.to_integral_value() and value:
            digits = str(abs(value)).rstrip("0").rstrip(".")
            exponent = len(str(abs(int(value)))) - len(digits)
            if len(digits) <= 11:
                written.append(f"{'-' if value < 0 else ''}{digits}E+{exponent}")
        return st.tuples(st.just(value), _spaced(st.sampled_from(written)))

    scaled = st.tuples(st.integers(-(10**38) + 1, 10**38 - 1), st.integers(0, 10)).map(
        lambda pair: Decimal(pair[0]).scaleb(-pair[1])
    )
    return scaled.filter(lambda d: abs(d) < Decimal(10) ** 28).flatmap(forms)


def _booleans():
    words = {True: ["true", "t", "1", "yes"], False: ["false", "f", "0", "no"]}
    return st.booleans().flatmap(
        lambda b: st.tuples(
            st.just(b),
            _spaced(
                st.sampled_from(words[b]).flatmap(
                    lambda w: st.lists(st.booleans(), min_size=len(w), max_size=len(w)).map(
                        lambda upper: "".join(c.upper() if u else c for c, u in zip(w, upper, strict=True))
                    )
                )
            ),
        )
    )


def _dates():
    def forms(day: date):
        iso, us = f"{day.year:04d}-{day:%m-%d}", f"{day:%m/%d}/{day.year:04d}"
        return st.tuples(
            st.just(day),
            _spaced(
                st.sampled_from(
                    [iso, us, f"{iso}T00:00:00Z", f"{iso}T00:00:00+00:00", f"{iso} 00:00:00", f"{us} 00:00:00"]
                )
            ),
        )

    return st.dates(date(1000, 1, 1), date(9999, 12, 31)).flatmap(forms)


def _timestamps():
    def forms(moment: datetime, minutes: int):
        local, sign, offset = moment + timedelta(minutes=minutes), "-" if minutes < 0 else "+", abs(minutes)
        zone, hours = f"{sign}{offset // 60:02d}:{offset % 60:02d}", f"{sign}{offset // 60:02d}"
        written = []
        for fraction in [f".{moment.microsecond:06d}".rstrip("0")] if moment.microsecond else ["", ".0", ".000000"]:
            written += [
                f"{_iso(moment)}T{moment:%H:%M:%S}{fraction}Z",
                f"{_iso(moment)}T{moment:%H:%M:%S}{fraction}",
                f"{_iso(moment)} {moment:%H:%M:%S}{fraction}",
                f"{_iso(local)}T{local:%H:%M:%S}{fraction}{zone}",
                f"{_iso(local)} {local:%H:%M:%S}{fraction}{zone.replace(':', '')}",
            ]
            if offset % 60 == 0:
                written.append(f"{_iso(local)}T{local:%H:%M:%S}{fraction}{hours}")
        if not moment.microsecond:
            written.append(f"{moment:%m/%d}/{moment.year:04d} {moment:%H:%M:%S}")
        if moment.time() == datetime.min.time():
            written.append(_iso(moment))
        return st.tuples(st.just(moment), _spaced(st.sampled_from(written)))

    moments = st.datetimes(datetime(1000, 1, 2), datetime(9999, 12, 30))
    return st.tuples(moments, st.integers(-14 * 60, 14 * 60)).flatmap(lambda pair: forms(*pair))


def _iso(moment: datetime | date) -> str:
    return f"{moment.year:04d}-{moment:%m-%d}"


VALUES = {
    "integer": _integers(),
    "decimal": _decimals(),
    "boolean": _booleans(),
    "date": _dates(),
    "timestamp": _timestamps(),
}


@PROPERTIES
@given(data=st.data(), kind=st.sampled_from(KINDS))
def test_any_value_written_any_accepted_way_reads_back_through_dds_and_api(tmp_path_factory, data, kind):
    pairs = data.draw(st.lists(VALUES[kind], min_size=1, max_size=30))
    values = both(tmp_path_factory.mktemp("values"), kind, [text for _, text in pairs])
    assert values == [value for value, _ in pairs]


_NEAR_MISSES = st.sampled_from(
    [
        "2026-12-31T23:59:60Z",
        "2026-11-01T05:00:00.1234567Z",
        "26-11-01",
        "0026-11-01",
        "2026-10-31T13:30:00Z",
        "2026-10-31T00:00:00+02:00",
        "1e-5",
        "0.00000000001",
        "1" * 29,
        "12,50",
        "TRUE ",
        "\t1\n",
        "２０２６-１１-０１",
        "1.5",
        "-",
        "+",
        "T",
        "Z",
        ".",
    ]
)


@PROPERTIES
@given(data=st.data(), kind=st.sampled_from(KINDS))
def test_any_text_gets_the_same_value_or_rejection_through_dds_and_api(tmp_path_factory, data, kind):
    """Hostile text too: each is either the same value through both paths, or rejected by both."""
    texts = data.draw(
        st.lists(
            st.one_of(
                st.text(st.characters(exclude_categories=["Cs"]), max_size=12),
                _NEAR_MISSES,
                VALUES[kind].map(lambda pair: pair[1] + "0"),
                VALUES[kind].map(lambda pair: pair[1][1:]),
            ),
            min_size=1,
            max_size=30,
        )
    )
    both(tmp_path_factory.mktemp("texts"), kind, texts)


@PROPERTIES
@given(
    data=st.data(),
    kind=st.sampled_from(("date", "timestamp")),
    order=st.sampled_from(["mdY", "dmY", "Ymd"]),
    separator=st.sampled_from("/.- "),
    minutes=st.sampled_from([0, -480, 330, 60, -210]),
)
def test_xml_values_in_any_users_format_and_zone_read_as_the_same_value(data, kind, order, separator, minutes):
    zone = f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    dates = UserDates.of(separator.join(order), zone, source="test")
    if kind == "date":
        values = data.draw(st.lists(st.dates(date(1000, 1, 1), date(9999, 12, 31)), min_size=1, max_size=20))
        texts = [dates.date_text(value) for value in values]
    else:
        moments = st.datetimes(datetime(1000, 1, 2), datetime(9999, 12, 30)).map(lambda m: m.replace(microsecond=0))
        values = data.draw(st.lists(moments, min_size=1, max_size=20))
        texts = [dates.timestamp_text(value) for value in values]
    assert through_api(kind, texts, dates) == values


@PROPERTIES
@given(data=st.data(), kind=st.sampled_from(("date", "timestamp")))
def test_the_fast_reading_agrees_with_the_full_rules_wherever_it_gives_a_value(data, kind):
    """The fast reading (one pattern, the text as it is) may fail where the rules read a value, never differ."""
    texts = data.draw(
        st.lists(st.one_of(VALUES[kind].map(lambda pair: pair[1]), _NEAR_MISSES), min_size=1, max_size=30)
    )
    frame = pl.DataFrame({"text": texts}, schema={"text": pl.String})
    full = frame.select(*(expr.alias(str(n)) for n, expr in enumerate(cast(pl.col("text"), kind, STANDARD))))
    for pattern in STANDARD.patterns(kind):
        one = TextForms(
            tuple(p for p in STANDARD.dates if p == pattern), tuple(p for p in STANDARD.timestamps if p == pattern)
        )
        fast = frame.select(
            *(expr.alias(str(n)) for n, expr in enumerate(cast(pl.col("text"), kind, one, lenient=False)))
        )
        for (value, unreadable), (rule_value, rule_unreadable) in zip(fast.rows(), full.rows(), strict=True):
            if not unreadable and value is not None:
                assert (rule_value, rule_unreadable) == (value, False), (pattern, texts)


def test_the_values_have_the_types_the_warehouse_stores(tmp_path):
    """Naive UTC timestamps, dates, exact decimals: the polars types the merge writes into DuckDB, by both paths."""
    kinds = {
        "at": "timestamp",
        "on": "date",
        "amount": "decimal",
        "flag": "boolean",
        "count": "integer",
        "id": "string",
    }
    texts = {
        "at": "2026-11-01T07:00:00+02:00",
        "on": "2026-10-31",
        "amount": "1.50",
        "flag": "T",
        "count": "3",
        "id": "010",
    }
    expected = {
        "at": datetime(2026, 11, 1, 5),
        "on": date(2026, 10, 31),
        "amount": Decimal("1.5"),
        "flag": True,
        "count": 3,
        "id": "010",
    }
    schema = pl.Schema(
        {
            "at": pl.Datetime("us"),
            "on": pl.Date,
            "amount": pl.Decimal(38, 10),
            "flag": pl.Boolean,
            "count": pl.Int64,
            "id": pl.String,
        }
    )
    path = tmp_path / "types.csv"
    path.write_bytes(dds_csv(["RECORDNO", *texts], [["1", *texts.values()]]))
    dds = read_dds_file(path, ReadOptions(key=("RECORDNO",), column_types=kinds)).frame.select(*kinds)
    api, _ = typed_batch(
        pl.DataFrame({"key": ["1"], **{name: [text] for name, text in texts.items()}}),
        [FieldSpec("key", "key", "string"), *(FieldSpec(n, n, k) for n, k in kinds.items())],
        "",
        None,
    )
    for frame in (dds, api.select(*kinds)):
        assert frame.schema == schema and frame.row(0, named=True) == expected
