"""A refresh token Intacct rotates is kept for the next run, out of the warehouse's sight; a refused one says
what to do."""

from __future__ import annotations

import json
import stat
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from intacct_assets.intacct import IntacctAuthError, IntacctConfigError, IntacctSettings
from intacct_assets.intacct.token_store import FileTokenStore, StoredToken, fingerprint, store_key, token_store
from intacct_assets.sandbox import Knobs, Sandbox, SandboxSettings
from intacct_assets_tests.clients import ManualClock

CUSTOMER = "accounts-receivable/customer"


@pytest.fixture
def rotating() -> Iterator[Sandbox]:
    """Every refresh answers with a new refresh token and invalidates the one it spent."""
    with Sandbox(
        SandboxSettings(seed=3, start_s3=False, rotate_refresh_tokens=True, knobs=Knobs(retry_after_seconds=0))
    ) as sandbox:
        yield sandbox


def grant(sandbox: Sandbox, **form: str) -> httpx.Response:
    return httpx.post(
        f"{sandbox.rest_url}/oauth2/token",
        data={"client_id": sandbox.settings.client_id, "client_secret": sandbox.settings.client_secret, **form},
    )


def authorize(sandbox: Sandbox) -> str:
    """A new refresh token, as a user's (re-)authorization of the app gives one."""
    return grant(sandbox, grant_type="client_credentials", username=sandbox.env["INTACCT_USERNAME"]).json()[
        "refresh_token"
    ]


def still_valid(sandbox: Sandbox, refresh_token: str) -> bool:
    """Spends the token: true when Intacct still accepted it."""
    return grant(sandbox, grant_type="refresh_token", refresh_token=refresh_token).status_code == 200


def run(make_client, sandbox: Sandbox, refresh_token: str, **env: str):
    """One run: a new client (and process state) starting from INTACCT_REFRESH_TOKEN, making one call."""
    client = make_client(sandbox, INTACCT_REFRESH_TOKEN=refresh_token, INTACCT_USERNAME="", **env)
    client.rest.model(CUSTOMER)
    return client


def stored_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json"))


def test_a_rotated_refresh_token_is_used_by_the_next_run(rotating, make_client, tmp_path):
    first = authorize(rotating)
    calls = run(make_client, rotating, first).calls.since(0)
    [file] = stored_files(tmp_path / "tokens")
    record = json.loads(file.read_text())
    assert record["refresh_token"] != first and record["seed"] == fingerprint(first)
    assert stat.S_IMODE(file.stat().st_mode) == 0o600 and stat.S_IMODE(file.parent.stat().st_mode) == 0o700
    assert record["refresh_token"] not in repr(calls) and first not in repr(calls)  # nor in the call log
    run(make_client, rotating, first)  # INTACCT_REFRESH_TOKEN was rotated away: the stored token is used
    run(make_client, rotating, first)
    assert not still_valid(rotating, first)


def test_every_refresh_reads_the_store_so_runs_side_by_side_never_spend_a_dead_token(rotating, make_client):
    first, clock = authorize(rotating), ManualClock()
    one = make_client(rotating, INTACCT_REFRESH_TOKEN=first, INTACCT_USERNAME="", clock=clock)
    two = make_client(rotating, INTACCT_REFRESH_TOKEN=first, INTACCT_USERNAME="", clock=clock)
    one.rest.model(CUSTOMER)  # spends the first token
    two.rest.model(CUSTOMER)  # spends the one `one` stored
    clock.now += 43200
    one.rest.model(CUSTOMER)  # the token `one` got is dead by now: the stored one is spent instead
    two.rest.model(CUSTOMER)
    clients = [make_client(rotating, INTACCT_REFRESH_TOKEN=first, INTACCT_USERNAME="") for _ in range(4)]
    start, failures = threading.Barrier(len(clients)), []

    def call(client) -> None:
        start.wait()
        try:
            client.rest.model(CUSTOMER)
        except IntacctAuthError as error:
            failures.append(error)

    threads = [threading.Thread(target=call, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_a_new_token_in_the_environment_wins_over_the_stored_chain(rotating, make_client, tmp_path):
    old = authorize(rotating)
    run(make_client, rotating, old)
    chained = json.loads(stored_files(tmp_path / "tokens")[0].read_text())["refresh_token"]
    new = authorize(rotating)  # the user re-authorized and pasted the new token into the environment
    run(make_client, rotating, new)
    record = json.loads(stored_files(tmp_path / "tokens")[0].read_text())
    assert record["seed"] == fingerprint(new) and not still_valid(rotating, new)
    assert still_valid(rotating, chained)  # the old chain's token was never spent


def test_a_revoked_stored_token_is_an_error_that_says_what_to_do(rotating, make_client, tmp_path):
    first = authorize(rotating)
    run(make_client, rotating, first)
    [file] = stored_files(tmp_path / "tokens")
    stored = json.loads(file.read_text())["refresh_token"]
    httpx.post(
        f"{rotating.rest_url}/oauth2/revoke",
        data={
            "token": stored,
            "client_id": rotating.settings.client_id,
            "client_secret": rotating.settings.client_secret,
        },
    )
    with pytest.raises(IntacctAuthError) as refused:
        run(make_client, rotating, first)
    message = str(refused.value)
    assert "refused the stored refresh token" in message and "REST-2102" in message
    assert "Re-authorize" in message and "INTACCT_REFRESH_TOKEN" in message and f"delete {file}" in message
    assert stored not in message and first not in message


def test_a_refused_environment_token_says_what_to_do(rotating, make_client):
    first = authorize(rotating)
    assert still_valid(rotating, first)  # spent: Intacct no longer accepts it
    with pytest.raises(IntacctAuthError) as refused:
        run(make_client, rotating, first, INTACCT_TOKEN_STORE="off")
    message = str(refused.value)
    assert "refused the refresh token of INTACCT_REFRESH_TOKEN" in message and "Re-authorize" in message
    assert first not in message


def test_a_secrets_manager_command_keeps_the_token(rotating, make_client, tmp_path):
    vault = tmp_path / "vault.json"
    script = tmp_path / "vault.py"
    script.write_text(
        "import json, sys\n"
        f"path = {str(vault)!r}\n"
        "action, key = sys.argv[1:]\n"
        "try:\n    data = json.load(open(path))\nexcept FileNotFoundError:\n    data = {}\n"
        "if action == 'get':\n    print(data.get(key, ''))\n"
        "else:\n    data[key] = sys.stdin.read()\n    json.dump(data, open(path, 'w'))\n"
    )
    command = f"{sys.executable} {script}"
    first = authorize(rotating)
    run(make_client, rotating, first, INTACCT_TOKEN_STORE_COMMAND=command)
    run(make_client, rotating, first, INTACCT_TOKEN_STORE_COMMAND=command)
    [(key, record)] = json.loads(vault.read_text()).items()
    assert key.startswith("intacct-refresh-token-") and json.loads(record)["seed"] == fingerprint(first)
    assert stored_files(tmp_path / "tokens") == []  # the command replaced the file store
    with pytest.raises(IntacctConfigError) as broken:
        run(make_client, rotating, first, INTACCT_TOKEN_STORE_COMMAND=f"{sys.executable} -c 'raise SystemExit(3)'")
    assert "INTACCT_TOKEN_STORE_COMMAND" in str(broken.value) and "exit code 3" in str(broken.value)


def test_where_tokens_are_kept_and_that_companies_never_mix(tmp_path):
    def store(**env: str):
        settings = IntacctSettings.from_env({"INTACCT_CLIENT_ID": "client", "INTACCT_COMPANY_ID": "ACME", **env})
        return token_store(
            folder=settings.token_store,
            command=settings.token_store_command,
            dagster_home=settings.dagster_home,
            client_id=settings.client_id,
            tenant=settings.tenant,
        )

    beside = store(DAGSTER_HOME=str(tmp_path / "home"))
    assert isinstance(beside, FileTokenStore) and beside.path.parent == tmp_path / "home" / "intacct-tokens"
    assert store(INTACCT_TOKEN_STORE=str(tmp_path / "mine")).path.parent == tmp_path / "mine"
    assert store(INTACCT_TOKEN_STORE="off") is None
    assert store_key("client", "ACME@api.intacct.com") != store_key("client", "GLOBEX@api.intacct.com")
    assert store_key("client", "ACME@api.intacct.com") != store_key("other", "ACME@api.intacct.com")
    garbled = FileTokenStore(tmp_path / "bad", "k")
    garbled.folder.mkdir()
    garbled.path.write_text("not json")
    with pytest.raises(IntacctConfigError, match="delete it"):
        garbled.load()
    lax = FileTokenStore(tmp_path / "lax", "k")
    lax.save(StoredToken.rotated("new-token", "env-token"))
    lax.path.chmod(0o644)
    assert lax.load().continues("env-token") and stat.S_IMODE(lax.path.stat().st_mode) == 0o600
