"""REST face contract: envelopes, paging, errors, writes, batches, idempotency, entity scoping."""

from __future__ import annotations

import re
import uuid

import httpx

from intacct_assets_tests.sandbox.helpers import Rest

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
CUSTOMERS = "/objects/accounts-receivable/customer"
JOURNAL = "/objects/general-ledger/journal-entry"


def new_id(prefix: str = "T") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10].upper()}"


def error_of(response: httpx.Response) -> dict:
    return response.json()["ia::result"]["ia::error"]


def test_list_returns_references_and_page_meta(rest: Rest):
    body = rest.get(CUSTOMERS, params={"start": 3, "size": 2}).json()
    assert [set(item) for item in body["ia::result"]] == [{"key", "id", "href"}] * 2
    assert body["ia::result"][0]["href"] == f"{CUSTOMERS}/{body['ia::result'][0]['key']}"
    meta = body["ia::meta"]
    assert meta["start"] == 3 and meta["pageSize"] == 2 and meta["next"] == 5 and meta["previous"] == 1
    assert rest.get(CUSTOMERS, params={"size": 500}).json()["ia::meta"]["pageSize"] == 100


def test_get_one_has_full_object_with_string_amounts_and_iso_audit(rest: Rest):
    body = rest.get(f"{CUSTOMERS}/1").json()
    assert body["ia::meta"] == {"totalCount": 1, "totalSuccess": 1, "totalError": 0}
    customer = body["ia::result"]
    assert customer["key"] == "1" and isinstance(customer["totalDue"], str)
    assert ISO.match(customer["audit"]["modifiedDateTime"])
    assert set(customer["contacts"]["default"]) >= {"email1", "printAs", "mailingAddress"}
    assert set(customer["entity"]) >= {"key", "id"}


def test_batch_get_by_keys_and_odd_keys(rest: Rest):
    body = rest.get(f"{CUSTOMERS}/1,2,3").json()
    assert [c["key"] for c in body["ia::result"]] == ["1", "2", "3"]
    missing = rest.get(f"{CUSTOMERS}/99999999")
    assert missing.status_code == 404 and error_of(missing)["code"] == "notFound"
    for odd in ("abc", "1%3BDROP%20TABLE", "-1", "%00"):
        response = rest.get(f"{CUSTOMERS}/{odd}")
        assert response.status_code in (400, 404), odd
        assert "ia::error" in response.json()["ia::result"]


def test_create_update_delete_cycle_maintains_audit(fresh):
    rest = Rest(fresh)  # its own sandbox: the test moves the clock
    ident = new_id("C")
    created = rest.post(
        CUSTOMERS,
        {
            "id": ident,
            "name": "Cycle, Inc.",
            "creditLimit": "1500.5",
            "contacts": {"default": {"email1": "x@example.com"}},
        },
    )
    assert created.status_code == 201
    ref = created.json()["ia::result"]
    assert ref["id"] == ident and ref["href"].endswith(ref["key"])
    first = rest.get(f"{CUSTOMERS}/{ref['key']}").json()["ia::result"]
    assert first["creditLimit"] == "1500.50" and first["contacts"]["default"]["email1"] == "x@example.com"
    assert first["audit"]["createdDateTime"] == first["audit"]["modifiedDateTime"]
    fresh.advance_clock(5)
    patched = rest.patch(f"{CUSTOMERS}/{ref['key']}", {"name": "Renamed"})
    assert patched.status_code == 200 and patched.json()["ia::result"]["key"] == ref["key"]
    second = rest.get(f"{CUSTOMERS}/{ref['key']}").json()["ia::result"]
    assert second["name"] == "Renamed" and second["creditLimit"] == "1500.50"
    assert second["audit"]["modifiedDateTime"] > first["audit"]["modifiedDateTime"]
    deleted = rest.delete(f"{CUSTOMERS}/{ref['key']}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert rest.get(f"{CUSTOMERS}/{ref['key']}").status_code == 404


def test_error_bodies_are_nested_with_details(rest: Rest):
    invalid = rest.post(CUSTOMERS, {"name": "X", "bogusField": 1})
    assert invalid.status_code == 400, invalid.text
    error = error_of(invalid)
    assert error["code"] == "invalidRequest" and error["errorId"] == "REST-1064"
    assert error["details"][0]["message"] == "/bogusField is not a valid field"
    assert invalid.json()["ia::meta"] == {"totalCount": 1, "totalSuccess": 0, "totalError": 1}
    ident = new_id("C")
    assert rest.post(CUSTOMERS, {"id": ident, "name": "A"}).status_code == 201
    duplicate = rest.post(CUSTOMERS, {"id": ident, "name": "B"})
    assert duplicate.status_code == 409
    first, then = error_of(duplicate)["details"]
    assert first["code"] == "BL34000061" and first["message"].startswith("Another record with the value")
    assert then == {"code": "BL01001973", "message": "Could not create customer record!", "errorId": "REST-1067"}
    business = rest.post(
        "/objects/accounts-receivable/invoice",
        {
            "customer": {"id": "NOPE"},
            "invoiceDate": "2026-10-01",
            "lines": [{"glAccount": {"id": "4000"}, "txnAmount": "10"}],
        },
    )
    assert business.status_code == 422 and "Invalid Customer 'NOPE'" in error_of(business)["details"][0]["message"]
    assert rest.patch("/objects/accounts-receivable/payment/1", {"description": "x"}).status_code == 405
    assert rest.post(CUSTOMERS, {"id": ident, "name": "B", "parent": {"id": ""}}).status_code == 400


def test_journal_entry_must_balance_and_have_two_lines(rest: Rest):
    lines = [
        {"txnType": "debit", "txnAmount": "200.00", "glAccount": {"id": "1000"}},
        {"txnType": "credit", "txnAmount": "150.00", "glAccount": {"id": "4000"}},
    ]
    body = {"glJournal": {"id": "GJ"}, "postingDate": "2026-10-01", "description": "Test", "lines": lines}
    response = rest.post(JOURNAL, body)
    assert response.status_code == 422
    assert "do not balance" in error_of(response)["details"][0]["message"]
    one_line = rest.post(JOURNAL, {**body, "lines": lines[:1]})
    assert one_line.status_code == 422 and "at least 2" in error_of(one_line)["details"][0]["message"]
    lines[1]["txnAmount"] = "200"
    created = rest.post(JOURNAL, body)
    assert created.status_code == 201
    key = created.json()["ia::result"]["key"]
    entry = rest.get(f"{JOURNAL}/{key}").json()["ia::result"]
    assert [line["txnAmount"] for line in entry["lines"]] == ["200.00", "200.00"]
    assert entry["lines"][0]["glAccount"]["id"] == "1000" and entry["state"] == "posted"
    unbalance = rest.patch(f"{JOURNAL}/{key}", {"lines": [{"key": entry["lines"][0]["key"], "txnAmount": "1"}]})
    assert unbalance.status_code == 422
    add = rest.patch(
        f"{JOURNAL}/{key}",
        {
            "lines": [
                {"key": entry["lines"][0]["key"], "txnAmount": "250"},
                {"txnType": "credit", "txnAmount": "50", "glAccount": {"id": "4100"}},
            ]
        },
    )
    assert add.status_code == 200
    lines_now = rest.get(f"{JOURNAL}/{key}").json()["ia::result"]["lines"]
    assert len(lines_now) == 3
    line_key = lines_now[2]["key"]
    assert (
        rest.get(f"/objects/general-ledger/journal-entry-line/{line_key}").json()["ia::result"]["txnAmount"] == "50.00"
    )
    removed = rest.patch(
        f"{JOURNAL}/{key}",
        {"lines": [{"key": lines_now[0]["key"], "txnAmount": "200"}, {"key": line_key, "ia::operation": "delete"}]},
    )
    assert removed.status_code == 200
    assert len(rest.get(f"{JOURNAL}/{key}").json()["ia::result"]["lines"]) == 2


def test_batch_create_is_non_atomic_with_207(rest: Rest):
    good, bad = new_id("C"), {"name": "missing id is fine"}
    response = rest.post(CUSTOMERS, [{"id": good, "name": "Good"}, {"id": good, "name": "Dup"}, bad])
    assert response.status_code == 207
    items = response.json()["ia::result"]
    assert [item["ia::status"] for item in items] == [201, 409, 201]
    assert response.json()["ia::meta"] == {"totalCount": 3, "totalSuccess": 2, "totalError": 1}
    assert "ia::error" in items[1]


def test_atomic_batch_rolls_back_everything(rest: Rest):
    first, second = new_id("C"), new_id("C")
    response = rest.post(
        CUSTOMERS, [{"id": first, "name": "One"}, {"id": second}], headers={"X-IA-API-Param-Transaction": "true"}
    )
    assert response.status_code == 400
    items = response.json()["ia::result"]
    assert items[0]["ia::error"]["code"] == "unprocessed" and items[0]["ia::status"] == 422
    assert items[1]["ia::status"] == 400
    assert rest.sb.find("CUSTOMER", first) is None
    ok = rest.post(
        CUSTOMERS,
        [{"id": first, "name": "One"}, {"id": second, "name": "Two"}],
        headers={"X-IA-API-Param-Transaction": "true"},
    )
    assert ok.status_code == 201 and rest.sb.find("CUSTOMER", second) is not None


def test_batch_patch_and_delete_by_index(rest: Rest):
    keys = [rest.post(CUSTOMERS, {"id": new_id("C"), "name": "B"}).json()["ia::result"]["key"] for _ in range(2)]
    patched = rest.patch(CUSTOMERS, [{"key": keys[0], "name": "P0"}, {"key": keys[1], "name": "P1"}])
    assert patched.status_code == 200 and rest.sb.get("CUSTOMER", int(keys[1]))["NAME"] == "P1"
    deleted = rest.delete(f"{CUSTOMERS}/{keys[0]},{keys[1]},99999999")
    assert deleted.status_code == 207  # a partial failure lists every key's outcome, by index
    assert [item["ia::status"] for item in deleted.json()["ia::result"]] == [204, 204, 404]


def test_a_successful_multi_key_delete_is_a_bare_204(rest: Rest):
    """developer.sage.com "Error handling": a successful DELETE always returns 204, for k1,k2,k3 too."""
    keys = [rest.post(CUSTOMERS, {"id": new_id("C"), "name": "D"}).json()["ia::result"]["key"] for _ in range(3)]
    deleted = rest.delete(f"{CUSTOMERS}/{','.join(keys)}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert [rest.sb.get("CUSTOMER", int(key)) for key in keys] == [None] * 3
    assert deleted.headers["X-Sandbox-Transactions"] == "3"


def test_batch_limit(rest: Rest):
    response = rest.post(CUSTOMERS, [{"name": "x"}] * 501)
    assert response.status_code == 400 and "500" in error_of(response)["message"] + str(error_of(response)["details"])


def test_idempotency_key_replays_and_conflicts(rest: Rest):
    key = uuid.uuid4().hex
    body = {"id": new_id("C"), "name": "Idem"}
    first = rest.post(CUSTOMERS, body, headers={"Idempotency-Key": key})
    replay = rest.post(CUSTOMERS, body, headers={"Idempotency-Key": key})
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.headers["Idempotency-Key"] == key and "x-ia-idempotency-cached-date" in replay.headers
    assert "x-ia-idempotency-cached-date" not in first.headers
    conflict = rest.post(CUSTOMERS, {**body, "name": "Other"}, headers={"Idempotency-Key": key})
    assert conflict.status_code == 409
    assert replay.headers["X-Sandbox-Transactions"] == "0"


def test_an_idempotency_key_is_replayed_for_48_hours_then_refused_with_409_until_60_days(fresh):
    """Sage's idempotency guide (mirrored in dgaretz-oss/intacct-mcp docs/rest/bulk-requests.md): answers are
    cached 48 hours; the key is stored 60 days and its reuse in that time returns 409."""
    key, body = uuid.uuid4().hex, [{"name": "Windowed"}]  # no id: a second create would succeed

    def post() -> httpx.Response:  # a fresh access token each time: the clock moves past their lifetime
        return Rest(fresh).post(CUSTOMERS, body, headers={"Idempotency-Key": key})

    assert post().status_code == 201
    fresh.advance_clock(47 * 3600)
    assert "x-ia-idempotency-cached-date" in post().headers
    fresh.advance_clock(2 * 3600)
    late = post()
    assert late.status_code == 409 and "48 hours" in error_of(late)["details"][0]["message"]
    assert len([c for c in fresh.records("CUSTOMER") if c["NAME"] == "Windowed"]) == 1
    fresh.advance_clock(60 * 24 * 3600)
    assert post().status_code == 201  # forgotten: a new request
    assert len([c for c in fresh.records("CUSTOMER") if c["NAME"] == "Windowed"]) == 2


def test_entity_scoping(sb):
    top = Rest(sb)
    us = Rest(sb, entity="E-US")
    everything = top.query({"object": "general-ledger/journal-entry", "fields": ["key", "entity.id"], "size": 4000})
    rows = everything.json()["ia::result"]
    assert {r["entity.id"] for r in rows} >= {"E-US", "E-UK"}
    scoped = us.query({"object": "general-ledger/journal-entry", "fields": ["key", "entity.id"], "size": 4000})
    assert {r["entity.id"] for r in scoped.json()["ia::result"]} <= {"E-US", None}
    header = top.query(
        {"object": "general-ledger/journal-entry", "fields": ["key", "entity.id"], "size": 4000},
        headers={"X-IA-API-Param-Entity": "E-UK"},
    )
    assert {r["entity.id"] for r in header.json()["ia::result"]} <= {"E-UK", None}
    uk_key = next(r["key"] for r in rows if r["entity.id"] == "E-UK")
    assert us.get(f"{JOURNAL}/{uk_key}").status_code == 404
    created = us.post(CUSTOMERS, {"id": new_id("C"), "name": "Entity owned"}).json()["ia::result"]
    assert sb.get("CUSTOMER", int(created["key"]))["MEGAENTITYID"] == "E-US"
    assert top.get(CUSTOMERS, headers={"X-IA-API-Param-Entity": "NOPE"}).status_code == 400


def test_query_service_shape_paging_and_order(rest: Rest):
    body = {
        "object": "accounts-receivable/customer",
        "fields": ["key", "id", "name", "audit.modifiedDateTime", "contacts.default.email1"],
        "orderBy": [{"id": "desc"}],
        "start": 1,
        "size": 7,
    }
    first = rest.query(body).json()
    rows, meta = first["ia::result"], first["ia::meta"]
    assert list(rows[0]) == body["fields"]
    assert [r["id"] for r in rows] == sorted([r["id"] for r in rows], reverse=True)
    assert meta["start"] == 1 and meta["pageSize"] == 7 and meta["next"] == 8 and meta["previous"] is None
    seen, start = [], 1
    while start is not None:
        page = rest.query({**body, "start": start}).json()
        seen += [r["key"] for r in page["ia::result"]]
        start = page["ia::meta"]["next"]
    assert len(seen) == len(set(seen)) == meta["totalCount"]
    assert rest.query({**body, "size": 4001}).status_code == 400
    assert rest.query({**body, "fields": []}).status_code == 400
    bad_field = rest.query({**body, "fields": ["nope"]})
    assert (
        bad_field.status_code == 400
        and error_of(bad_field)["details"][0]["additionalInfo"]["placeholders"]["FIELD"] == "nope"
    )


def test_query_filters_and_expression(rest: Rest):
    base = {"object": "accounts-receivable/customer", "fields": ["id", "status", "creditLimit"], "size": 4000}

    def ids(**extra):
        response = rest.query({**base, **extra})
        assert response.status_code == 200, response.text
        return {r["id"] for r in response.json()["ia::result"]}

    active = ids(filters=[{"$eq": {"status": "active"}}])
    inactive = ids(filters=[{"$ne": {"status": "active"}}])
    assert active and inactive and not active & inactive
    rich = ids(filters=[{"$gte": {"creditLimit": "20000"}}])
    assert all(r for r in rich)
    both = ids(filters=[{"$eq": {"status": "active"}}, {"$gte": {"creditLimit": "20000"}}], filterExpression="1 and 2")
    assert both == active & rich
    either = ids(
        filters=[{"$eq": {"status": "inactive"}}, {"$gte": {"creditLimit": "20000"}}, {"$in": {"id": ["C00002"]}}],
        filterExpression="(1 or 2) or 3",
    )
    assert either == inactive | rich | {"C00002"}
    assert ids(filters=[{"$startsWith": {"id": "0C"}}]) == {i for i in active | inactive if i.startswith("0C")}
    assert ids(filters=[{"$between": {"creditLimit": ["100", "1000"]}}]) <= active | inactive
    bad = rest.query({**base, "filters": [{"$eq": {"status": "active"}}], "filterExpression": "1 and 2"})
    assert bad.status_code == 400
    assert rest.query({**base, "filters": [{"$like": {"id": "x"}}]}).status_code == 400


def test_model_lists_fields_groups_refs(rest: Rest):
    result = rest.get("/services/core/model", params={"name": "accounts-receivable/customer"}).json()["ia::result"]
    assert {"key", "id", "name", "creditLimit"} <= set(result["fields"])
    assert "modifiedDateTime" in result["groups"]["audit"]["fields"]
    assert "email1" in result["groups"]["contacts"]["groups"]["default"]["fields"]
    assert result["refs"]["parent"]["apiObject"] == "accounts-receivable/customer"
    je = rest.get("/services/core/model", params={"name": "general-ledger/journal-entry"}).json()["ia::result"]
    assert je["lists"]["lines"]["apiObject"] == "general-ledger/journal-entry-line"


def test_session_bridge_gives_xml_session(rest: Rest):
    result = rest.get("/services/core/session/id").json()["ia::result"]
    assert result["expiresIn"] == 21600 and result["sessionId"]


def test_null_references_are_accepted_and_clear_the_reference(rest: Rest):
    """Production payloads send ``{"id": null}`` for every dimension they do not set
    (fylein/fyle-intacct-api exports/journal_entries.py); a blank ``""`` ID stays refused."""
    parent = rest.post(CUSTOMERS, {"id": new_id("P"), "name": "Parent"}).json()["ia::result"]
    child = rest.post(CUSTOMERS, {"id": new_id("C"), "name": "Child", "parent": {"id": parent["id"]}})
    key = child.json()["ia::result"]["key"]
    assert rest.get(f"{CUSTOMERS}/{key}").json()["ia::result"]["parent"]["id"] == parent["id"]
    assert rest.patch(f"{CUSTOMERS}/{key}", {"parent": {"id": None}}).status_code == 200
    assert rest.get(f"{CUSTOMERS}/{key}").json()["ia::result"]["parent"]["id"] is None
    unset = {"department": {"id": None}, "location": {"key": None}, "project": {"id": None}, "class": {"id": None}}
    lines = [
        {"txnType": "debit", "txnAmount": "10", "glAccount": {"id": "1000"}, "dimensions": unset},
        {"txnType": "credit", "txnAmount": "10", "glAccount": {"id": "4000"}, "dimensions": {"customer": None}},
    ]
    body = {"glJournal": {"id": "GJ"}, "postingDate": "2026-10-01", "description": "Null refs", "lines": lines}
    created = rest.post(JOURNAL, body)
    assert created.status_code == 201, created.text
    entry = rest.get(f"{JOURNAL}/{created.json()['ia::result']['key']}").json()["ia::result"]
    assert entry["lines"][0]["dimensions"]["department"] == {"key": None, "id": None, "name": None}
    assert rest.patch(f"{CUSTOMERS}/{key}", {"parent": {"id": ""}}).status_code == 400


def test_dimensions_list_names_the_standard_dimensions_and_their_objects(rest: Rest):
    """``GET /services/company-config/dimensions/list`` (production syncs call it every run), shaped like
    the mirrored OpenAPI dump; each endpoint it names can be listed."""
    response = rest.get("/services/company-config/dimensions/list")
    assert response.status_code == 200 and response.json()["ia::meta"]["totalCount"] == "8"
    dimensions = response.json()["ia::result"]
    assert [d["dimensionName"] for d in dimensions] == [
        "DEPARTMENT",
        "LOCATION",
        "PROJECT",
        "CUSTOMER",
        "VENDOR",
        "EMPLOYEE",
        "ITEM",
        "CLASS",
    ]
    assert all(not d["isUserDefinedDimension"] and d["isEnabledInGL"] and d["termName"] for d in dimensions)
    for dimension in dimensions:
        listed = rest.get(dimension["dimensionEndpoint"])
        assert listed.status_code == 200 and listed.json()["ia::result"], dimension
    assert rest.sb.stats()["api_transactions"] == 1 + len(dimensions)  # a GET like any other


def test_audit_history_is_queryable_over_rest_with_the_documented_fields(rest: Rest):
    vendor = rest.post("/objects/accounts-payable/vendor", {"name": "Audited Vendor"}).json()["ia::result"]
    assert rest.delete(f"/objects/accounts-payable/vendor/{vendor['key']}").status_code in (200, 204)
    fields = [
        "key",
        "id",
        "changeDetails.objectName",
        "changeDetails.objectId",
        "changeSource.actionPerformed",
        "changeSource.accessDateTime",
        "changeSource.completedBy",
    ]
    answer = rest.query(
        {
            "object": "company-config/audit-history",
            "fields": fields,
            "filters": [{"$eq": {"changeDetails.objectId": vendor["id"]}}],
            "orderBy": [{"changeSource.accessDateTime": "asc"}],
        }
    )
    events = answer.json()["ia::result"]
    assert [e["changeSource.actionPerformed"] for e in events] == ["create", "delete"]
    assert {e["changeDetails.objectName"] for e in events} == {"accounts-payable/vendor"}
    assert all(isinstance(e["id"], str) and e["changeSource.accessDateTime"].endswith("Z") for e in events)
    rest.sb.configure(audit_history_readable=False)
    denied = rest.query({"object": "company-config/audit-history", "fields": ["id"]})
    assert denied.status_code == 403
