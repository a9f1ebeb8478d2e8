"""Throttling, faults, lost answers and the concurrency limit, with the sandbox's fault knobs."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from intacct_assets.intacct import IntacctApiError, IntacctError, OutcomeUnknownError, Query
from intacct_assets.intacct.limiter import ConcurrencyLimiter
from intacct_assets_tests.clients import client_env

CUSTOMER = "accounts-receivable/customer"


def query_pages(client, pages: int = 6) -> list[list[str]]:
    return [
        [
            r["key"]
            for r in client.rest.query(
                Query(CUSTOMER, ("key",), order_by=(("key", "asc"),), start=1 + 10 * i, size=10)
            ).rows
        ]
        for i in range(pages)
    ]


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


def named(sandbox, name: str) -> int:
    """How many customers the sandbox has with this name."""
    return len([r for r in sandbox.records("CUSTOMER") if r["NAME"] == name])


@pytest.mark.parametrize("mode", ["close", "524"])
def test_a_keyed_create_batch_is_resent_only_when_its_key_is_trusted_to_cover_a_batch(fresh_sandbox, make_client, mode):
    """No public source says whether Idempotency-Key covers an array. By default (verify) a create batch whose answer
    was lost is not resent: the caller reads it back. With trust it is, and Intacct replays its first answer."""
    fresh_sandbox.configure(lost_response_rate=1.0, lost_response_mode=mode)
    verifying = make_client(fresh_sandbox)
    with pytest.raises(OutcomeUnknownError, match=r"not resent because .*INTACCT_API_BATCH_IDEMPOTENCY=verify"):
        verifying.rest.create(CUSTOMER, [{"name": f"Verified {mode}"}], idempotency_key=f"row-41-{mode}")
    assert [c.outcome for c in verifying.calls.since(0) if c.face == "rest"] == ["failed"]  # sent once
    assert named(fresh_sandbox, f"Verified {mode}") == 1

    fresh_sandbox.reset_stats()
    trusting = make_client(fresh_sandbox, INTACCT_API_BATCH_IDEMPOTENCY="trust")
    result = trusting.rest.create(CUSTOMER, [{"name": f"Keyed {mode}"}], idempotency_key=f"row-42-{mode}")
    assert result.ok and result.replayed
    assert named(fresh_sandbox, f"Keyed {mode}") == 1
    assert [c.outcome for c in trusting.calls.since(0) if c.face == "rest"] == ["retry", "ok"]
    assert fresh_sandbox.stats()["api_transactions"] == 1  # written once, and the replay is not billed again


@pytest.mark.parametrize("batch_idempotency", ["verify", "trust"])
def test_a_keyed_single_record_and_an_update_batch_are_resent_whatever_the_batch_setting(
    fresh_sandbox, make_client, batch_idempotency
):
    """The documented key behaviour: a request of one JSON object is replayed from Intacct's cache. An update batch
    is resent too: run twice, it would set the same values again."""
    client = make_client(fresh_sandbox, INTACCT_API_BATCH_IDEMPOTENCY=batch_idempotency)
    [created] = client.rest.create(CUSTOMER, [{"id": "KEYED-1", "name": "Before"}]).items
    fresh_sandbox.configure(lost_response_rate=1.0, lost_response_mode="524")
    single = client.rest.request(
        "POST",
        f"/objects/{CUSTOMER}",
        body={"id": "KEYED-2", "name": "Single"},
        idempotency_key=f"single-{batch_idempotency}",
    )
    assert single.status_code == 201 and "x-ia-idempotency-cached-date" in single.headers
    updated = client.rest.update(
        CUSTOMER, [{"key": created.key, "name": "After"}], idempotency_key=f"update-{batch_idempotency}"
    )
    assert updated.ok and updated.replayed
    assert named(fresh_sandbox, "Single") == 1 and fresh_sandbox.find("CUSTOMER", "KEYED-1")["NAME"] == "After"


@pytest.mark.parametrize(("batch_idempotency", "sent"), [("verify", 1), ("trust", 3)])
def test_a_500_to_a_create_batch_is_resent_only_when_its_key_is_trusted(
    fresh_sandbox, make_client, batch_idempotency, sent
):
    """A 500 may come after Intacct processed the batch."""
    fresh_sandbox.configure(error_rate=1.0, error_statuses="500")
    client = make_client(fresh_sandbox, INTACCT_API_MAX_ATTEMPTS="3", INTACCT_API_BATCH_IDEMPOTENCY=batch_idempotency)
    with pytest.raises(IntacctError) as error:
        client.rest.create(CUSTOMER, [{"name": "Five hundred"}], idempotency_key=f"five-hundred-{batch_idempotency}")
    assert isinstance(error.value, OutcomeUnknownError) == (batch_idempotency == "verify")
    assert len([c for c in client.calls.since(0) if c.face == "rest"]) == sent


def test_a_create_batch_refused_before_processing_or_never_sent_is_resent_under_verify(fresh_sandbox, make_client):
    """429 and 503 say nothing was processed, and a connection that failed before sending carried nothing."""
    refused: list[bytes] = []

    def refuse_the_first_connection(request: httpx.Request) -> None:
        if request.content.startswith(b'[{"name":"Unsent"') and not refused:
            refused.append(request.content)
            raise httpx.ConnectError("connection refused", request=request)

    client = make_client(fresh_sandbox, http=httpx.Client(event_hooks={"request": [refuse_the_first_connection]}))
    assert client.rest.create(CUSTOMER, [{"name": "Unsent"}], idempotency_key="unsent").ok and refused
    fresh_sandbox.configure(error_rate=0.6, error_statuses="429,503")
    for n in range(5):
        assert client.rest.create(CUSTOMER, [{"name": f"Refused {n}"}], idempotency_key=f"refused-{n}").ok
    assert all(named(fresh_sandbox, name) == 1 for name in ["Unsent", *(f"Refused {n}" for n in range(5))])
    assert fresh_sandbox.stats()["injected_faults"] > 0


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
import sys
from concurrent.futures import ThreadPoolExecutor
from intacct_assets.intacct import IntacctClient, Query
with IntacctClient.from_env() as client:
    print("ready", flush=True)
    sys.stdin.readline()  # every process starts querying together, however long each took to start
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda i: client.rest.query(Query("accounts-receivable/customer", ("key",), size=5)), range(12)))
"""


@pytest.mark.parametrize("shared", [True, False])
def test_processes_on_one_machine_share_the_limit_through_slot_files(sb, tmp_path, shared):
    sb.configure(latency_ms=25, concurrency_limit=2)
    env = {**os.environ, **client_env(sb), "INTACCT_API_SLOT_DIR": str(tmp_path) if shared else "off"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", PROCESS_SCRIPT],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(3)
    ]
    assert [process.stdout.readline() for process in processes] == ["ready\n"] * 3
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.close()
    exits = [process.wait(timeout=120) for process in processes]
    for process in processes:
        process.stdout.close()
    stats = sb.stats()
    if shared:
        assert exits == [0, 0, 0] and stats["by_face"]["rest"] == 36
        assert stats["throttled_429"] == 0 and stats["peak_in_flight"] == 2
    else:  # each process alone respects the limit; together they overrun it and Intacct answers 429
        assert stats["throttled_429"] > 0
