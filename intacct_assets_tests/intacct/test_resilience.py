"""Throttling, faults, lost answers and the concurrency limit, with the sandbox's fault knobs."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from intacct_assets.intacct import IntacctApiError, OutcomeUnknownError, Query
from intacct_assets.intacct.limiter import ConcurrencyLimiter
from intacct_assets_tests.intacct.conftest import client_env

CUSTOMER = "accounts-receivable/customer"


def query_pages(client, pages: int = 6) -> list[list[str]]:
    return [[r["key"] for r in client.rest.query(Query(CUSTOMER, ("key",), order_by=(("key", "asc"),), start=1 + 10 * i,
                                                       size=10)).rows] for i in range(pages)]


def test_many_threads_and_clients_never_exceed_the_tenant_limit(sb, make_client):
    sb.configure(latency_ms=20, concurrency_limit=2)  # the sandbox answers 429 to a third request in flight
    clients = [make_client(sb), make_client(sb)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda i: query_pages(clients[i % 2], 3), range(8)))
    stats = sb.stats()
    assert all(len(r) == 3 for r in results)
    assert stats["peak_in_flight"] == 2  # parallel up to the limit, never beyond
    assert stats["throttled_429"] == 0
    assert clients[0].limiter is clients[1].limiter and clients[0].limiter.peak <= 2


def test_429_storm_is_retried_within_the_limit(sb, make_client):
    sb.configure(error_rate=0.5, error_statuses="429", latency_ms=5, concurrency_limit=2)
    client = make_client(sb)
    with ThreadPoolExecutor(max_workers=4) as pool:
        pages = list(pool.map(lambda _: query_pages(client, 4), range(4)))
    assert all(p == pages[0] for p in pages) and len(pages[0]) == 4
    stats = sb.stats()
    assert stats["throttled_429"] > 5 and stats["peak_in_flight"] <= 2
    retries = [c for c in client.calls.since(0) if c.outcome == "retry"]
    assert retries and all(c.status == 429 and c.transactions == 0 for c in retries)


@pytest.mark.parametrize("statuses", ["500", "502", "503"])
def test_server_errors_are_retried_for_reads(sb, make_client, statuses):
    sb.configure(error_rate=0.7, error_statuses=statuses)
    client = make_client(sb, INTACCT_API_MAX_ATTEMPTS="20")
    assert len(query_pages(client, 8)) == 8
    assert sb.stats()["injected_faults"] > 0
    assert {c.attempt for c in client.calls.since(0)} != {1}


def test_retries_give_up_with_the_last_error(sb, make_client):
    sb.configure(error_rate=1.0, error_statuses="503")
    client = make_client(sb, INTACCT_API_MAX_ATTEMPTS="3")
    with pytest.raises(IntacctApiError) as error:
        client.rest.model(CUSTOMER)
    assert error.value.status == 503
    assert [c.attempt for c in client.calls.since(0) if c.face == "rest"] == [1, 2, 3]


def test_a_524_is_not_retried(sb, make_client):
    sb.configure(error_rate=1.0, error_statuses="524")
    client = make_client(sb)
    with pytest.raises(IntacctApiError) as error:
        client.rest.query(Query(CUSTOMER, ("key",), size=1))
    assert error.value.status == 524
    assert len([c for c in client.calls.since(0) if c.face == "rest"]) == 1


@pytest.mark.parametrize("mode", ["close", "524"])
def test_a_write_whose_answer_is_lost_is_not_resent_without_an_idempotency_key(fresh_sandbox, make_client, mode):
    fresh_sandbox.configure(lost_response_rate=1.0, lost_response_mode=mode)
    client = make_client(fresh_sandbox)
    with pytest.raises(OutcomeUnknownError, match="may or may not have been applied"):
        client.rest.create(CUSTOMER, [{"name": f"Lost {mode}"}])
    assert len([r for r in fresh_sandbox.records("CUSTOMER") if r["NAME"] == f"Lost {mode}"]) == 1
    assert fresh_sandbox.stats()["by_face"]["rest"] == 1  # sent once (the other request is the token)


@pytest.mark.parametrize("mode", ["close", "524"])
def test_a_keyed_write_is_resent_and_intacct_replays_it(fresh_sandbox, make_client, mode):
    fresh_sandbox.configure(lost_response_rate=1.0, lost_response_mode=mode)
    client = make_client(fresh_sandbox)
    result = client.rest.create(CUSTOMER, [{"name": f"Keyed {mode}"}], idempotency_key=f"row-42-{mode}")
    assert result.ok and result.replayed
    assert len([r for r in fresh_sandbox.records("CUSTOMER") if r["NAME"] == f"Keyed {mode}"]) == 1
    assert [c.outcome for c in client.calls.since(0) if c.face == "rest"] == ["retry", "ok"]
    assert fresh_sandbox.stats()["api_transactions"] == 1  # written once, and the replay is not billed again


def test_throttled_writes_are_resent_even_without_a_key(fresh_sandbox, make_client):
    fresh_sandbox.configure(error_rate=0.6, error_statuses="429,503")
    client = make_client(fresh_sandbox)
    for n in range(5):
        assert client.rest.create(CUSTOMER, [{"name": f"Throttled {n}"}]).ok
    assert len([r for r in fresh_sandbox.records("CUSTOMER") if r["NAME"].startswith("Throttled ")]) == 5


def test_the_lowest_configured_limit_applies_to_a_tenant():
    limiter = ConcurrencyLimiter.for_tenant("limits-test@example", 4)
    assert ConcurrencyLimiter.for_tenant("limits-test@example", 2) is limiter and limiter.limit == 2
    ConcurrencyLimiter.for_tenant("limits-test@example", 6)
    assert limiter.limit == 2


PROCESS_SCRIPT = """
from concurrent.futures import ThreadPoolExecutor
from intacct_assets.intacct import IntacctClient, Query
with IntacctClient.from_env() as client:
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda i: client.rest.query(Query("accounts-receivable/customer", ("key",), size=5)), range(12)))
"""


@pytest.mark.parametrize("shared", [True, False])
def test_processes_on_one_machine_share_the_limit_through_slot_files(sb, tmp_path, shared):
    sb.configure(latency_ms=25, concurrency_limit=2)
    env = {**os.environ, **client_env(sb), "INTACCT_API_SLOT_DIR": str(tmp_path) if shared else "off"}
    processes = [subprocess.Popen([sys.executable, "-c", PROCESS_SCRIPT], env=env, stderr=subprocess.DEVNULL)
                 for _ in range(3)]
    exits = [process.wait(timeout=120) for process in processes]
    stats = sb.stats()
    if shared:
        assert exits == [0, 0, 0] and stats["by_face"]["rest"] == 36
        assert stats["throttled_429"] == 0 and stats["peak_in_flight"] == 2
    else:  # each process alone respects the limit; together they overrun it and Intacct answers 429
        assert stats["throttled_429"] > 0
