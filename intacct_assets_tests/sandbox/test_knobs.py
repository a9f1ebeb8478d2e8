"""Realism knobs, accounting and admin endpoints (behaviour, headers and counters; no timed asserts)."""

from __future__ import annotations

import threading
import uuid

import httpx
import pytest

from intacct_assets.sandbox.faults import Gate
from intacct_assets.sandbox.httpd import Response
from intacct_assets.sandbox.settings import Knobs
from intacct_assets.sandbox.stats import Call
from intacct_assets_tests.sandbox.helpers import Rest, call, fn, xml_post, xml_request


def test_concurrency_limit_refuses_extra_in_flight_requests():
    gate = Gate(Knobs(concurrency_limit=1), seed=1)
    entered, release = threading.Event(), threading.Event()

    def slow() -> Response:
        entered.set()
        release.wait(5)
        return Response(200)

    holder = threading.Thread(target=gate.run, args=(Call("rest", "GET", "/"), slow))
    holder.start()
    assert entered.wait(5)
    refused = gate.run(Call("rest", "GET", "/"), lambda: Response(200))
    xml_refused = gate.run(Call("xml", "POST", "/"), lambda: Response(200))
    release.set()
    holder.join()
    assert refused.status == 429 and b"GW-0010" in refused.body
    assert refused.header("Retry-After") == "1" and refused.header("X-IA-Throttle-Limit-RetryAfter") == "1"
    assert xml_refused.status == 429 and b"<errorno>GW-0010</errorno>" in xml_refused.body
    assert gate.run(Call("rest", "GET", "/"), lambda: Response(200)).status == 200


def test_concurrency_limit_over_http(sb):
    sb.configure(concurrency_limit=1, latency_ms=400)
    rest = Rest(sb)
    barrier = threading.Barrier(4)
    statuses = []

    def hit():
        barrier.wait()
        statuses.append(rest.get("/objects/accounts-receivable/customer/1").status_code)

    threads = [threading.Thread(target=hit) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert 200 in statuses and 429 in statuses
    assert sb.stats()["throttled_429"] == statuses.count(429)


def test_latency_is_a_lower_bound():
    """The gate holds a request's slot until ``latency_ms`` has passed since it was admitted (time injected)."""
    slept: list[float] = []
    moments = iter([10.0, 10.05, 20.0, 20.5])  # admitted, answered: 50 ms, then 500 ms of work
    gate = Gate(Knobs(latency_ms=120), seed=1, monotonic=lambda: next(moments), sleep=slept.append)
    assert gate.run(Call("rest", "GET", "/"), lambda: Response(200)).status == 200
    assert slept == [pytest.approx(0.07)]  # the rest of the 120 ms
    assert gate.run(Call("rest", "GET", "/"), lambda: Response(200)).status == 200
    assert slept == [pytest.approx(0.07)]  # slower than the latency: no wait added


def test_error_injection_is_seeded_and_uses_listed_statuses(sb):
    sb.configure(error_rate=1.0, error_statuses=[500, 503, 524])
    rest = Rest(sb)
    statuses = {rest.get("/objects/accounts-receivable/customer/1").status_code for _ in range(30)}
    assert statuses <= {500, 503, 524} and len(statuses) > 1
    status, _ = xml_post(sb, xml_request(sb, [fn("<getDdsObjects/>")]))
    assert status in (500, 503, 524)
    assert sb.stats()["injected_faults"] == 31
    sb.configure(error_rate=0.0)
    oauth = httpx.post(f"{sb.rest_url}/oauth2/token", data={"grant_type": "nope"})
    assert oauth.status_code == 400  # token endpoint is never faulted
    gate_a, gate_b = Gate(Knobs(error_rate=0.5), seed=3), Gate(Knobs(error_rate=0.5), seed=3)
    run = lambda g: [g.run(Call("rest", "GET", "/"), lambda: Response(200)).status for _ in range(20)]  # noqa: E731
    first = run(gate_a)
    assert first == run(gate_b) and 200 in first and set(first) - {200}


def test_lost_response_commits_the_write(sb):
    sb.configure(lost_response_rate=1.0)
    rest = Rest(sb)
    ident = f"L{uuid.uuid4().hex[:8]}"
    with pytest.raises(httpx.RemoteProtocolError):
        rest.post("/objects/accounts-receivable/customer", {"id": ident, "name": "Lost"})
    assert sb.find("CUSTOMER", ident) is not None
    assert rest.get("/objects/accounts-receivable/customer/1").status_code == 200  # reads are not lost
    sb.configure(lost_response_mode="524")
    second = rest.post("/objects/accounts-receivable/customer", {"id": ident + "B", "name": "Lost"})
    assert second.status_code == 524 and sb.find("CUSTOMER", ident + "B") is not None
    assert sb.stats()["lost_responses"] == 2


def test_lost_response_with_idempotency_key_replays(sb):
    sb.configure(lost_response_rate=1.0, lost_response_mode="524")
    rest = Rest(sb)
    body, key = {"id": f"I{uuid.uuid4().hex[:8]}", "name": "Retry me"}, uuid.uuid4().hex
    assert rest.post("/objects/accounts-receivable/customer", body, headers={"Idempotency-Key": key}).status_code == 524
    sb.configure(lost_response_rate=0.0)
    retry = rest.post("/objects/accounts-receivable/customer", body, headers={"Idempotency-Key": key})
    assert retry.status_code == 201 and "x-ia-idempotency-cached-date" in retry.headers


def test_transactions_are_counted_like_intacct(sb):
    rest = Rest(sb)
    one = rest.query({"object": "accounts-receivable/customer", "fields": ["key"], "size": 10})
    assert one.headers["X-Sandbox-Transactions"] == "1"
    batch = rest.post("/objects/accounts-receivable/customer", [{"name": "a"}, {"name": "b"}, {"name": "c"}])
    assert batch.headers["X-Sandbox-Transactions"] == "3"
    je = rest.post(
        "/objects/general-ledger/journal-entry",
        {
            "postingDate": "2026-01-05",
            "description": "x",
            "lines": [
                {"txnType": "debit", "txnAmount": "1", "glAccount": {"id": "1000"}},
                {"txnType": "credit", "txnAmount": "1", "glAccount": {"id": "4000"}},
            ],
        },
    )
    assert je.headers["X-Sandbox-Transactions"] == "1"  # lines are free
    results = call(
        sb,
        fn("<readByQuery><object>CLASS</object><fields>*</fields><query/></readByQuery>", "a"),
        fn("<getDdsObjects/>", "b"),
    )
    assert len(results) == 2
    stats = sb.stats()
    assert stats["api_transactions"] == 1 + 3 + 1 + 1 and stats["requests"] == 4
    assert stats["recent"][-1]["operations"] == ["readByQuery", "getDdsObjects"]


def test_background_users_change_data_everywhere(fresh):
    before = fresh.store.seq
    edits = fresh.run_background_edits(20)  # its own sandbox: background users delete seeded records
    assert {op for op, _, _ in edits} <= {"create", "update", "delete", "skip"}
    assert fresh.store.seq > before
    history = call(
        fresh,
        fn(
            "<readByQuery><object>AUDITHISTORY</object><fields>SOURCE</fields>"
            "<query>SOURCE = 'ui' AND USERID = 'bg_user'</query></readByQuery>"
        ),
    )[0]
    assert int(history.find("data").get("totalcount")) >= 1


def test_backdated_writes(fresh):
    fresh.configure(backdate_rate=1.0, backdate_seconds=3600)
    record = fresh.update("CUSTOMER", 1, {"COMMENTS": "old news"})
    assert record["WHENMODIFIED"] == "2026-11-01T05:00:00Z"


def test_knob_validation_and_admin_endpoints(sb, fresh):
    with pytest.raises(ValueError):
        sb.configure(nope=1)
    with pytest.raises(ValueError):
        sb.configure(error_rate=2)
    admin = sb.admin_url
    assert httpx.post(f"{admin}/config", json={"latency_ms": 5}).json()["latency_ms"] == 5
    assert httpx.post(f"{admin}/config", json={"bogus": 1}).status_code == 400
    assert httpx.get(f"{admin}/config").json()["latency_ms"] == 5
    stats = httpx.get(f"{admin}/stats").json()
    assert {"requests", "api_transactions", "throttled_429", "errors", "recent"} <= set(stats)
    assert httpx.post(f"{admin}/stats/reset").json()["requests"] == 0
    jobs = httpx.post(f"{admin}/dds/deliver", json={"objects": ["CLASS"], "job_type": "all"}).json()["jobs"]
    assert jobs[0]["STATUS"] == "Completed"
    assert httpx.post(f"{admin}/dds/deliver", json={"objects": ["NOPE"]}).status_code == 400
    edits = httpx.post(f"{fresh.admin_url}/background/run", json={"edits": 2})  # they delete seeded records
    assert edits.status_code == 200 and len(edits.json()["edits"]) == 2
    assert httpx.get(f"{admin}/health").json()["status"] == "ok"
    assert httpx.get(f"{sb.rest_url}/objects/company-config/class").status_code == 401  # an API call, recorded
    assert len(httpx.get(f"{admin}/stats", params={"recent": 1}).json()["recent"]) == 1
    assert httpx.get(f"{admin}/stats", params={"recent": 0}).json()["recent"] == []  # totals only


def test_a_query_size_above_the_largest_is_refused_or_capped(sb):
    rest = Rest(sb)
    query = {"object": "accounts-receivable/customer", "fields": ["key"], "size": 11}
    assert rest.query({**query, "size": 4000}).status_code == 200  # the default largest
    assert rest.query({**query, "size": 4001}).status_code == 400
    sb.configure(max_query_size=10)
    refused = rest.query(query)
    assert refused.status_code == 400 and "size must be at most 10" in refused.text
    sb.configure(oversize_query="cap")
    capped = rest.query(query).json()
    assert len(capped["ia::result"]) == 10 and capped["ia::meta"]["totalCount"] == len(sb.records("CUSTOMER"))


def test_idempotency_keys_on_batches_can_be_ignored(sb):
    rest, customers = Rest(sb), "/objects/accounts-receivable/customer"

    def twice(body) -> httpx.Response:
        key = {"Idempotency-Key": uuid.uuid4().hex}
        assert rest.post(customers, body, headers=key).status_code == 201
        return rest.post(customers, body, headers=key)

    assert "x-ia-idempotency-cached-date" in twice([{"id": f"B{uuid.uuid4().hex[:8]}", "name": "One"}]).headers
    sb.configure(idempotent_batches=False)
    again = twice([{"id": f"B{uuid.uuid4().hex[:8]}", "name": "Two"}])
    assert "x-ia-idempotency-cached-date" not in again.headers
    assert again.status_code == 207 and "BL34000061" in again.text  # it ran again: the customer ID exists now
    # a single record is still answered from the cache
    assert "x-ia-idempotency-cached-date" in twice({"id": f"S{uuid.uuid4().hex[:8]}", "name": "Three"}).headers


@pytest.mark.parametrize("billed", [False, True])
def test_metadata_calls_are_billed_only_when_the_knob_says(sb, billed):
    sb.configure(bill_metadata=billed)
    rest = Rest(sb)
    model = rest.client.get("/services/core/model", params={"name": "accounts-receivable/customer"})
    assert model.status_code == 200 and model.headers["X-Sandbox-Transactions"] == str(int(billed))
    sb.reset_stats()
    call(
        sb,
        fn("<lookup><object>CUSTOMER</object></lookup>", "a"),
        fn("<readUserFormatting><userId>sandbox_user</userId></readUserFormatting>", "b"),
    )
    assert sb.stats()["api_transactions"] == 2 * billed


def test_writes_rolled_back_by_a_failed_function_are_neither_billed_nor_lost(sb):
    """A multi-object create is atomic: when its second record fails, the first is rolled back, so nothing
    was written — no transaction billed, no record counted, and no lost response (nothing committed)."""
    sb.configure(lost_response_rate=1.0)
    taken = sb.create("CLASS", {"CLASSID": f"R{uuid.uuid4().hex[:8]}", "NAME": "Taken"})["CLASSID"]
    fresh_id = f"R{uuid.uuid4().hex[:8]}"
    sb.reset_stats()
    status, root = xml_post(
        sb,
        xml_request(
            sb,
            [
                fn(
                    f"<create><CLASS><CLASSID>{fresh_id}</CLASSID><NAME>New</NAME></CLASS>"
                    f"<CLASS><CLASSID>{taken}</CLASSID><NAME>Duplicate</NAME></CLASS></create>"
                )
            ],
        ),
    )
    assert status == 200 and root.findtext("operation/result/status") == "failure"
    assert sb.find("CLASS", fresh_id) is None
    stats = sb.stats()
    assert (stats["api_transactions"], stats["records_written"], stats["lost_responses"]) == (0, 0, 0)
