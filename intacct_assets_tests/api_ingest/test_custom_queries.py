"""DBSync-style custom queries: the parser (including hostile input) and the assets they become."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from intacct_assets.api_ingest.custom_queries import CustomQueryError, load_custom_queries
from intacct_assets.api_ingest.dbsync_sql import QuerySyntaxError, parse
from intacct_assets.catalog import load_catalog
from intacct_assets.intacct.filters import Compare, Junction, to_xml


def xml(sql: str) -> str:
    return etree.tostring(to_xml(parse(sql).filter)).decode()


def test_the_dbsync_example_becomes_an_xml_query():
    parsed = parse(
        "select CUSTOMERID, name from customer where STATUS = 'active' and "
        "WHENMODIFIED > '01/01/2026 00:00:00' order by RECORDNO asc"
    )
    assert (parsed.object, parsed.fields, parsed.order_by) == (
        "CUSTOMER",
        ("CUSTOMERID", "NAME"),
        (("RECORDNO", "asc"),),
    )
    assert xml("select a from X where STATUS = 'active' and WHENMODIFIED > '01/01/2026 00:00:00'") == (
        "<and><equalto><field>STATUS</field><value>active</value></equalto>"
        "<greaterthan><field>WHENMODIFIED</field><value>01/01/2026 00:00:00</value></greaterthan></and>"
    )


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select a from X where a <> 'x'", Compare("ne", "A", "x")),
        ("select a from X where 5 < a", Compare("gt", "A", "5")),
        ("select a from X where a in ('x', 'y')", Compare("in", "A", ("x", "y"))),
        ("select a from X where a not in (1, -2)", Compare("notin", "A", ("1", "-2"))),
        (
            "select a from X where a between '01/01/2026' and '02/01/2026'",
            Compare("between", "A", ("01/01/2026", "02/01/2026")),
        ),
        ("select a from X where a like 'Acme%'", Compare("like", "A", "Acme%")),
        ("select a from X where a not like 'A_'", Compare("notlike", "A", "A_")),
        ("select a from X where a is null", Compare("isnull", "A")),
        ("select a from X where a is not null", Compare("isnotnull", "A")),
        ("select a from X where VENDOR.NAME = 'it''s'", Compare("eq", "VENDOR.NAME", "it's")),
        ("select a from X where X.A = true", Compare("eq", "A", "true")),
        (
            "select a from X where not (a = 1 or b = 2)",
            Junction("and", (Compare("ne", "A", "1"), Compare("ne", "B", "2"))),
        ),
    ],
)
def test_supported_conditions(sql, expected):
    assert parse(sql).filter == expected


def test_select_star_means_every_field_and_order_directions_are_kept():
    parsed = parse("SELECT * FROM vendor ORDER BY name DESC, RECORDNO")
    assert parsed.fields == () and parsed.order_by == (("NAME", "desc"), ("RECORDNO", "asc"))


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("", "empty"),
        ("select a from X; drop table Y", "exactly one SELECT"),
        ("delete from X", "only SELECT"),
        ("select a from X union select b from Y", "only SELECT"),
        ("select count(*) from X", "plain field names"),
        ("select a as b from X", "aliases"),
        ("select a from X as x", "aliases"),
        ("select a from X join Y on X.a = Y.b", "JOINS"),
        ("select a from (select b from Y)", "one Intacct object"),
        ("select a from X where a in (select b from Y)", "sub-query"),
        ("select a from X where upper(a) = 'A'", "not supported"),
        ("select a from X where a = b", "comparing two fields"),
        ("select a from X where a = null", "IS NULL"),
        ("select a from X where not a < 5", "opposite comparison"),
        ("select a from X limit 10", "LIMIT"),
        ("select distinct a from X", "DISTINCT"),
        ("select a from X group by a", "GROUP"),
        ('select "a<b>" from X', "plain Intacct name"),
        ("select a from X where a = 'x\x00'", "control characters"),
        ("select a from X where " + "(" * 400 + "a = 1" + ")" * 400, "nested too deeply"),
        ("select a from X where a = ?", "literal values"),
        ("select a, a from X", "selected twice"),
        ("select a from X where", "not valid SQL"),
        ("select a from X " + "x" * 30_000, "longer than"),
    ],
)
def test_unsupported_or_hostile_queries_are_refused_clearly(sql, message):
    with pytest.raises(QuerySyntaxError, match=message):
        parse(sql)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_any_text_is_parsed_or_refused_never_crashes(text):
    try:
        parsed = parse(text)
    except QuerySyntaxError:
        return
    if parsed.filter is not None:
        etree.tostring(to_xml(parsed.filter))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), min_codepoint=32), max_size=60))
def test_values_are_data_whatever_they_contain(value):
    sql = "select a from X where NAME = '" + value.replace("'", "''") + "'"
    assert parse(sql).filter == Compare("eq", "NAME", value)
    element = to_xml(parse(sql).filter)
    assert element.findtext("value") == value and [c.tag for c in element] == ["field", "value"]


def write_queries(tmp_path, text: str) -> str:
    path = tmp_path / "queries.yaml"
    path.write_text(text)
    return str(path)


def test_query_files_are_validated_with_the_query_named(tmp_path):
    catalog = load_catalog()
    good = write_queries(
        tmp_path,
        "queries:\n  active_customers:\n    sql: select NAME from CUSTOMER\n"
        "    cadence: '0 6 * * *'\n    entities: [E-US]\n",
    )
    [query] = load_custom_queries(good, catalog)
    target = query.target()
    assert target.custom.fields == ("RECORDNO", "NAME") and target.entities == ("E-US",) and target.rest is None
    for text, message in [
        ("queries:\n  customer:\n    sql: select NAME from CUSTOMER\n", "already used by a catalog object"),
        ("queries:\n  Bad-Name:\n    sql: select NAME from CUSTOMER\n", "lower_snake_case"),
        ("queries:\n  q:\n    sql: select NAME from CUSTOMER where NAME = NAME\n", "custom query 'q'.*two fields"),
        ("queries:\n  q:\n    sql: select NAME from CUSTOMER\n    cadence: hourly\n", "cron"),
        ("queries:\n  q:\n    sqll: select 1\n", "q"),
        ("nothing: here\n", "top-level 'queries:'"),
    ]:
        with pytest.raises(CustomQueryError, match=message):
            load_custom_queries(write_queries(tmp_path, text), catalog)


def test_a_custom_query_asset_keeps_exactly_the_rows_that_match(fresh_sandbox, syncer, tmp_path):
    path = write_queries(
        tmp_path,
        "queries:\n  active_customers:\n    sql: >\n"
        "      select CUSTOMERID, NAME, DISPLAYCONTACT.EMAIL1 from CUSTOMER\n"
        "      where STATUS = 'active' and NAME like '%a%' order by RECORDNO\n",
    )
    [query] = load_custom_queries(path, load_catalog())
    sync = syncer(fresh_sandbox)
    expected = {
        str(r["RECORDNO"]) for r in fresh_sandbox.records("CUSTOMER") if r["STATUS"] == "active" and "a" in r["NAME"]
    }  # LIKE is case-sensitive by default
    report = sync.sync(query.target())
    assert report.contexts[0].mode == "snapshot" and set(sync.rows("active_customers")) == expected
    row = next(iter(sync.rows("active_customers").values()))
    assert set(row) >= {"RECORDNO", "CUSTOMERID", "NAME", "DISPLAYCONTACT__EMAIL1", "intacct_entity"}
    gone = sorted(expected)[0]
    fresh_sandbox.update("CUSTOMER", int(gone), {"STATUS": "inactive"})
    fresh_sandbox.advance_clock(60)
    again = sync.sync(query.target())
    assert again.total("deleted") == 1 and gone not in sync.rows("active_customers")
    assert gone in sync.rows("active_customers", live=False)
