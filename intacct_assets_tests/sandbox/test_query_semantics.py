"""Query semantics against an independent reference evaluation (hypothesis), on REST and readByQuery."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intacct_assets.sandbox.company.query import Resolver
from intacct_assets.sandbox.errors import SandboxError
from intacct_assets.sandbox.objects import REGISTRY
from intacct_assets.sandbox.xml_gateway.sqlish import QueryParser
from intacct_assets_tests.sandbox.helpers import Rest, call, fn

# (REST path, XML name, kind) of the customer fields the generated filters use.
FIELDS = {
    "status": ("STATUS", "text"),
    "creditLimit": ("CREDITLIMIT", "decimal"),
    "id": ("CUSTOMERID", "text"),
    "name": ("NAME", "text"),
}
COMPARE = {
    "$eq": (lambda a, b: a == b, "="),
    "$ne": (lambda a, b: a != b, "!="),
    "$lt": (lambda a, b: a < b, "<"),
    "$lte": (lambda a, b: a <= b, "<="),
    "$gt": (lambda a, b: a > b, ">"),
    "$gte": (lambda a, b: a >= b, ">="),
}

values = {
    "status": st.sampled_from(["active", "inactive"]),
    "creditLimit": st.integers(0, 50_000).map(lambda n: f"{n}.00"),
    "id": st.sampled_from(["C00002", "C00050", "0C0001", "C00099", "Z"]),
    "name": st.sampled_from(["Acme", "The", "Zorg Octan Group", "a"]),
}
conditions = st.one_of(
    *[st.tuples(st.just(path), st.sampled_from(list(COMPARE)), values[path]) for path in FIELDS],
    st.tuples(
        st.sampled_from(["id", "name"]),
        st.sampled_from(["$startsWith", "$contains"]),
        st.sampled_from(["C0", "0", "Acme", "Inc", "'"]),
    ),
    st.tuples(st.just("id"), st.just("$in"), st.lists(values["id"], min_size=1, max_size=3)),
)


def holds(record: dict, condition: tuple) -> bool:
    path, op, value = condition
    name, kind = FIELDS[path]
    stored = record.get(name)
    if op in ("$startsWith", "$contains"):
        return stored is not None and (stored.startswith(value) if op == "$startsWith" else value in stored)
    if op == "$in":
        return stored in value
    if stored is None:
        return op == "$ne"
    left, right = (Decimal(stored), Decimal(value)) if kind == "decimal" else (stored, value)
    return COMPARE[op][0](left, right)


def sql(condition: tuple) -> str:
    path, op, value = condition
    name = FIELDS[path][0]
    quote = lambda v: "'" + v.replace("'", "''") + "'"  # noqa: E731
    if op == "$startsWith":
        return f"{name} LIKE {quote(value + '%')}"
    if op == "$contains":
        return f"{name} LIKE {quote('%' + value + '%')}"
    if op == "$in":
        return f"{name} IN ({', '.join(quote(v) for v in value)})"
    return f"{name} {COMPARE[op][1]} {quote(value)}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(conditions, min_size=1, max_size=3), st.sampled_from(["and", "or"]))
def test_filters_match_reference(sandbox, chosen, joiner):
    records = sandbox.records("CUSTOMER")
    combine = all if joiner == "and" else any
    expected = {r["CUSTOMERID"] for r in records if combine(holds(r, c) for c in chosen)}
    filters = [{op: {path: value}} for path, op, value in chosen]
    rest = Rest(sandbox)
    response = rest.query(
        {
            "object": "accounts-receivable/customer",
            "fields": ["id"],
            "filters": filters,
            "filterExpression": joiner,
            "filterParameters": {"caseSensitiveComparison": True},
            "size": 4000,
        }
    )
    assert {r["id"] for r in response.json()["ia::result"]} == expected
    query = f" {joiner.upper()} ".join(f"({sql(c)})" for c in chosen)
    function = fn(
        "<readByQuery><object>CUSTOMER</object><fields>CUSTOMERID</fields><query/>"
        "<pagesize>1000</pagesize></readByQuery>"
    )
    function[0].find("query").text = query
    (result,) = call(sandbox, function)
    assert result.findtext("status") == "success", query
    assert {c.findtext("CUSTOMERID") for c in result.findall("data/customer")} == expected
    assert int(result.find("data").get("totalcount")) == len(expected)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(list("ABCDEFGINORSTUWLKMXYZ ()'\\,=<>!%_.-;0123456789"))
        | st.sampled_from(["AND ", "OR ", "NOT ", "LIKE ", "IN ", "IS ", "NULL ", "CUSTOMERID ", "STATUS "]),
        max_size=30,
    ).map("".join)
)
def test_read_by_query_parser_never_crashes(text):
    resolver = Resolver(None, REGISTRY["CUSTOMER"], "xml")
    try:
        QueryParser(text, resolver).parse()
    except SandboxError as error:
        assert error.errorno == "DL02000001"
