"""The REST side of the client against the sandbox: OAuth, queries, writes, errors, accounting."""

from __future__ import annotations

import httpx
import pytest

from intacct_assets.api_ingest.sources import RestSource
from intacct_assets.intacct import (
    Compare,
    IntacctApiError,
    IntacctAuthError,
    IntacctConfigError,
    IntacctSettings,
    OutcomeUnknownError,
    Query,
    UnexpectedAnswerError,
    all_of,
)
from intacct_assets_tests.clients import ManualClock, client_env

CUSTOMER = "accounts-receivable/customer"


def token_requests(client) -> list:
    return [c for c in client.calls.since(0) if c.face == "oauth"]


def test_query_pages_filters_and_counts_transactions_like_intacct(sb, make_client):
    client = make_client(sb)
    query = Query(
        CUSTOMER,
        ("key", "id", "audit.modifiedDateTime"),
        order_by=(("key", "asc"),),
        size=10,
        filter=all_of(Compare("gte", "audit.modifiedDateTime", "2000-01-01T00:00:00Z"), Compare("lte", "key", "30")),
    )
    first = client.rest.query(query)
    second = client.rest.query(Query(**{**query.__dict__, "start": 11}))
    keys = [int(r["key"]) for r in first.rows + second.rows]
    assert keys == sorted(keys) and len(set(keys)) == 20 and max(keys) <= 30
    assert first.total == second.total >= 20
    assert client.rest.model(CUSTOMER)["fields"]["name"]["type"] == "string"
    # reads and queries cost 1 each; the model and OAuth are free -- exactly as the sandbox bills
    assert sum(c.transactions for c in client.calls.since(0)) == sb.stats()["api_transactions"] == 2


def test_token_is_renewed_shortly_before_it_expires(sb, make_client):
    sb.configure(token_ttl_seconds=600)
    clock = ManualClock()
    client = make_client(sb, clock=clock)
    client.rest.model(CUSTOMER)
    clock.now += 500  # still valid
    client.rest.model(CUSTOMER)
    assert len(token_requests(client)) == 1
    clock.now += 50  # within the last 60 s of its life: renewed before use, no 401 on the way
    client.rest.model(CUSTOMER)
    assert len(token_requests(client)) == 2
    assert not [c for c in client.calls.since(0) if c.status == 401]


def test_token_expired_mid_run_is_refreshed_once_and_the_request_succeeds(fresh_sandbox, make_client):
    client = make_client(fresh_sandbox)
    client.rest.model(CUSTOMER)
    fresh_sandbox.advance_clock(43200 + 1)  # the server says the token expired; the client thinks not
    assert client.rest.query(Query(CUSTOMER, ("key",), size=1)).total > 0
    statuses = [c.status for c in client.calls.since(0) if c.face == "rest"]
    assert statuses == [200, 401, 200]
    assert len(token_requests(client)) == 2


def test_a_second_401_is_an_auth_error_not_a_loop(fresh_sandbox, make_client):
    def expire_every_new_token(response: httpx.Response) -> None:
        if response.request.url.path.endswith("/oauth2/token"):
            fresh_sandbox.advance_clock(43200 + 1)

    client = make_client(fresh_sandbox, http=httpx.Client(event_hooks={"response": [expire_every_new_token]}))
    with pytest.raises(IntacctAuthError, match="refused even after a refresh"):
        client.rest.query(Query(CUSTOMER, ("key",), size=1))
    assert len(token_requests(client)) == 2
    assert [c.status for c in client.calls.since(0) if c.face == "rest"] == [401, 401]


def test_refresh_token_grant_keeps_the_rotated_token(make_client):
    from intacct_assets.sandbox import Sandbox, SandboxSettings

    with Sandbox(SandboxSettings(seed=3, start_s3=False, rotate_refresh_tokens=True)) as sandbox:
        issued = httpx.post(
            f"{sandbox.rest_url}/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": sandbox.settings.client_id,
                "client_secret": sandbox.settings.client_secret,
                "username": sandbox.env["INTACCT_USERNAME"],
            },
        ).json()
        clock = ManualClock()
        client = make_client(sandbox, clock=clock, INTACCT_REFRESH_TOKEN=issued["refresh_token"], INTACCT_USERNAME="")
        client.rest.model(CUSTOMER)
        clock.now += 43200  # the next call needs a new token: only the rotated refresh token works now
        client.rest.model(CUSTOMER)
        assert [c.operation for c in token_requests(client)] == ["token refresh_token"] * 2


def test_a_refused_refresh_token_fails_fast_with_a_clear_message(sb, make_client):
    client = make_client(sb, INTACCT_REFRESH_TOKEN="not-a-valid-refresh-token", INTACCT_USERNAME="")
    with pytest.raises(IntacctAuthError, match="refused the refresh token"):
        client.rest.model(CUSTOMER)
    assert len(token_requests(client)) == 1


def test_batch_writes_report_every_record_by_index(fresh_sandbox, make_client):
    client = make_client(fresh_sandbox)
    result = client.rest.create(CUSTOMER, [{"name": "Ok"}, {"name": "Bad", "creditLimit": "lots"}, {"name": "Ok 2"}])
    assert result.status == 207 and [i.ok for i in result.items] == [True, False, True]
    logged = client.calls.since(0)[-1]  # a 207 is not "ok" in the call log: it says what failed
    assert logged.outcome == "partial" and logged.error.startswith("1 of 3 records failed")
    bad = result.items[1].error
    assert bad.status == 400 and bad.error_id == "REST-1064" and "creditLimit" in str(bad)
    assert fresh_sandbox.find("CUSTOMER", result.items[0].id) is not None
    # atomic: one failure rolls every record back, each item says what happened to it
    atomic = client.rest.create(CUSTOMER, [{"name": "A"}, {"name": "B", "creditLimit": "x"}], atomic=True)
    assert [i.status for i in atomic.items] == [422, 400] and atomic.items[0].error.code == "unprocessed"
    assert client.calls.since(0)[-1].outcome == "failed"
    assert not [r for r in fresh_sandbox.records("CUSTOMER") if r["NAME"] == "A"]
    updated = client.rest.update(CUSTOMER, [{"key": result.items[0].key, "notes": "updated"}])
    deleted = client.rest.delete(CUSTOMER, [result.items[0].key, result.items[2].key])  # a bare 204: both gone
    assert (
        updated.ok
        and deleted.ok
        and [(i.index, i.key, i.status) for i in deleted.items]
        == [(0, result.items[0].key, 204), (1, result.items[2].key, 204)]
    )
    assert fresh_sandbox.get("CUSTOMER", int(result.items[2].key)) is None
    # every record written costs one transaction, failed and rolled-back ones nothing
    assert sum(c.transactions for c in client.calls.since(0)) == fresh_sandbox.stats()["api_transactions"] == 5


def test_rest_errors_are_typed_with_code_error_id_details_and_status(sb, make_client):
    client = make_client(sb)
    with pytest.raises(IntacctApiError) as nested:
        client.rest.query(Query(CUSTOMER, ("noSuchField",)))
    assert (nested.value.status, nested.value.code, nested.value.error_id) == (400, "invalidRequest", "REST-1064")
    assert nested.value.details[0].error_id == "REST-1043" and nested.value.support_id
    with pytest.raises(IntacctApiError) as top_level:  # gateway errors use the top-level ia::error shape
        client.rest.request("GET", "/oauth2/unknown")
    assert (top_level.value.status, top_level.value.code) == (404, "GW-0033")
    with pytest.raises(IntacctApiError) as not_found:
        client.rest.get(CUSTOMER, ["99999999"])
    assert not_found.value.status == 404 and not_found.value.error_id == "REST-1105"


def test_missing_settings_name_the_variables():
    with pytest.raises(IntacctConfigError, match="INTACCT_CLIENT_ID"):
        IntacctSettings.from_env({}).require_rest()
    with pytest.raises(IntacctConfigError, match="INTACCT_SENDER_ID"):
        IntacctSettings.from_env({}).require_xml()
    with pytest.raises(IntacctConfigError, match="INTACCT_API_CONCURRENCY"):
        IntacctSettings.from_env({"INTACCT_API_CONCURRENCY": "0"})
    with pytest.raises(IntacctConfigError, match="INTACCT_API_BATCH_IDEMPOTENCY='always' must be verify"):
        IntacctSettings.from_env({"INTACCT_API_BATCH_IDEMPOTENCY": "always"})
    assert IntacctSettings.from_env({}).batch_idempotency == "verify"
    assert IntacctSettings.from_env({"INTACCT_API_BATCH_IDEMPOTENCY": " Trust "}).trusts_batch_keys


def test_entity_header_scopes_queries(sb, make_client):
    client = make_client(sb)
    everything = client.rest.query(Query(CUSTOMER, ("key", "entity.id"), size=4000)).rows
    uk = client.rest.query(Query(CUSTOMER, ("key", "entity.id"), size=4000), entity="E-UK").rows
    assert {r["entity.id"] for r in uk} <= {"E-UK", None}
    assert len(uk) < len(everything)
    assert {c.entity for c in client.calls.since(0) if c.face == "rest"} == {"", "E-UK"}


def test_settings_repr_never_shows_secrets(sb):
    settings = IntacctSettings.from_env(client_env(sb))
    text = repr(settings)
    for secret in (sb.settings.client_secret, sb.settings.user_password, sb.settings.sender_password):
        assert secret not in text


def _answering(make_client, sb, **answers: tuple[int, bytes]):
    """A client whose server answers each path's last segment (``token``, ``model``, ``id``, ``customer``)
    with a canned (status, body); the token endpoint answers properly unless told otherwise."""
    answers.setdefault("token", (200, b'{"access_token":"t0k3n","expires_in":3600,"token_type":"Bearer"}'))

    def answer(request: httpx.Request) -> httpx.Response:
        status, body = answers[request.url.path.rsplit("/", 1)[-1]]
        return httpx.Response(status, content=body)

    return make_client(sb, http=httpx.Client(transport=httpx.MockTransport(answer)))


@pytest.mark.parametrize(
    "body",
    [b"<html>maintenance</html>", b"[]", b'{"ia::result":{"groups":{}}}', b'{"ia::result":{"fields":["name"]}}', b"{"],
)
def test_a_malformed_model_answer_is_a_clear_error(sb, make_client, body):
    client = _answering(make_client, sb, model=(200, body))
    with pytest.raises(UnexpectedAnswerError, match="model of accounts-receivable/customer"):
        client.rest.model(CUSTOMER)


def test_a_model_of_an_unexpected_shape_fails_discovery_clearly(sb, make_client):
    client = _answering(make_client, sb, model=(200, b'{"ia::result":{"fields":{"name":"string"}}}'))
    with pytest.raises(UnexpectedAnswerError, match="unexpected shape"):
        RestSource(client, CUSTOMER, None, 100).discover()


@pytest.mark.parametrize("body", [b'{"ia::result":{}}', b'{"ia::result":{"sessionId":7}}', b"<html/>"])
def test_a_session_bridge_answer_without_a_session_id_is_a_clear_error(sb, make_client, body):
    client = _answering(make_client, sb, id=(200, body))
    with pytest.raises(UnexpectedAnswerError, match="XML session bridge"):
        client.rest.xml_session()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b'{"access_token":"abc","expires_in":"soon"}', IntacctAuthError),
        (b'{"access_token":"abc","expires_in":"NaN"}', IntacctAuthError),
        (b'{"access_token":["abc"],"expires_in":3600}', IntacctAuthError),
        (b'["access_token"]', UnexpectedAnswerError),
        (b"<html>login</html>", UnexpectedAnswerError),
    ],
)
def test_a_malformed_token_answer_is_a_clear_error_without_the_secret(sb, make_client, body, error):
    client = _answering(make_client, sb, token=(200, body), model=(200, b'{"ia::result":{"fields":{}}}'))
    with pytest.raises(error) as raised:
        client.rest.model(CUSTOMER)
    assert client.settings.client_secret.reveal() not in str(raised.value)


@pytest.mark.parametrize(
    "body",
    [b"{}", b'{"ia::result":[]}', b'{"ia::result":["created"]}', b'{"ia::result":{"key":"1"}}', b"<html>ok</html>"],
)
def test_a_write_answer_without_per_record_results_leaves_the_outcome_unknown(sb, make_client, body):
    """Read as "nothing written", a reverse sync would create the records again under a new key."""
    client = _answering(make_client, sb, customer=(200, body))
    with pytest.raises(OutcomeUnknownError, match="unknown"):
        client.rest.create(CUSTOMER, [{"name": "A"}, {"name": "B"}], idempotency_key="k1")
