"""OAuth2: grants, client auth, token lifetime on the sandbox clock, revocation, gateway errors."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest


def token(sb, **form) -> httpx.Response:
    s = sb.settings
    data = {"client_id": s.client_id, "client_secret": s.client_secret, **form}
    return httpx.post(f"{sb.rest_url}/oauth2/token", data={k: v for k, v in data.items() if v is not None})


def customers(sb, access: str) -> httpx.Response:
    return httpx.get(
        f"{sb.rest_url}/objects/accounts-receivable/customer/1", headers={"Authorization": f"Bearer {access}"}
    )


def test_client_credentials_in_body_and_basic(sb):
    s = sb.settings
    body = token(sb, grant_type="client_credentials", username=f"{s.user_id}@{s.company_id}").json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 43200 and body["refresh_token"]
    assert customers(sb, body["access_token"]).status_code == 200
    basic = base64.b64encode(f"{s.client_id}:{s.client_secret}".encode()).decode()
    response = httpx.post(
        f"{sb.rest_url}/oauth2/token",
        headers={"Authorization": f"Basic {basic}"},
        data={"grant_type": "client_credentials", "username": f"{s.user_id}@{s.company_id}|E-UK"},
    )
    assert response.status_code == 200


def test_refresh_grant_keeps_refresh_token(sb):
    s = sb.settings
    first = token(sb, grant_type="client_credentials", username=f"{s.user_id}@{s.company_id}").json()
    second = token(sb, grant_type="refresh_token", refresh_token=first["refresh_token"]).json()
    assert second["refresh_token"] == first["refresh_token"] and second["access_token"] != first["access_token"]
    bad = token(sb, grant_type="refresh_token", refresh_token="nope")
    assert bad.status_code == 400 and bad.json()["ia::result"]["ia::error"]["errorId"] == "REST-2102"


def test_authorization_code_with_pkce(sb):
    s = sb.settings
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect = "http://localhost/cb"
    response = httpx.get(
        f"{sb.rest_url}/oauth2/authorize",
        params={
            "response_type": "code",
            "client_id": s.client_id,
            "redirect_uri": redirect,
            "state": "xyz",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "scope": "offline_access",
        },
    )
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["state"] == ["xyz"]
    code = query["code"][0]
    wrong = token(sb, grant_type="authorization_code", code=code, redirect_uri=redirect, code_verifier="bad")
    assert wrong.status_code == 400
    response = httpx.get(
        f"{sb.rest_url}/oauth2/authorize",
        params={
            "response_type": "code",
            "client_id": s.client_id,
            "redirect_uri": redirect,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    code = parse_qs(urlsplit(response.headers["location"]).query)["code"][0]
    good = token(sb, grant_type="authorization_code", code=code, redirect_uri=redirect, code_verifier=verifier)
    assert good.status_code == 200 and good.json()["refresh_token"]
    reused = token(sb, grant_type="authorization_code", code=code, redirect_uri=redirect, code_verifier=verifier)
    assert reused.status_code == 400


def test_expired_token_gives_token_invalid(fresh):
    fresh.configure(token_ttl_seconds=60)
    s = fresh.settings
    body = token(fresh, grant_type="client_credentials", username=f"{s.user_id}@{s.company_id}").json()
    assert body["expires_in"] == 60
    fresh.advance_clock(61)
    response = customers(fresh, body["access_token"])
    assert response.status_code == 401
    error = response.json()["ia::result"]["ia::error"]
    assert (error["code"], error["errorId"], error["message"]) == ("tokenInvalid", "REST-2102", "Token is not valid")
    refreshed = token(fresh, grant_type="refresh_token", refresh_token=body["refresh_token"]).json()
    assert customers(fresh, refreshed["access_token"]).status_code == 200


def test_revocation(sb):
    s = sb.settings
    body = token(sb, grant_type="client_credentials", username=f"{s.user_id}@{s.company_id}").json()

    def revoke(value: str) -> httpx.Response:
        form = {"token": value, "client_id": s.client_id, "client_secret": s.client_secret}
        return httpx.post(f"{sb.rest_url}/oauth2/revoke", data=form)

    assert revoke(body["access_token"]).status_code == 200
    assert customers(sb, body["access_token"]).status_code == 401
    assert revoke(body["refresh_token"]).status_code == 200
    assert token(sb, grant_type="refresh_token", refresh_token=body["refresh_token"]).status_code == 400


@pytest.mark.parametrize(
    "form,code",
    [
        ({"grant_type": "password"}, "GW-0032"),
        ({"grant_type": "client_credentials", "username": ""}, "GW-0036"),
        ({"grant_type": "client_credentials", "username": "nobody"}, "GW-0012"),
        ({"grant_type": "client_credentials", "username": "x@y", "client_secret": "wrong"}, "GW-0011"),
        ({"grant_type": "client_credentials", "username": "x@y", "client_id": None}, "GW-0037"),
    ],
)
def test_token_endpoint_gateway_errors(sb, form, code):
    response = token(sb, **form)
    assert response.status_code in (400, 401)
    assert response.json()["ia::error"]["code"] == code


def test_bearer_header_checks(sb):
    url = f"{sb.rest_url}/objects/accounts-receivable/customer"
    assert httpx.get(url).json()["ia::error"]["code"] == "GW-0034"
    assert httpx.get(url, headers={"Authorization": "Bearer garbage"}).json()["ia::error"]["code"] == "GW-0031"
    xml = httpx.post(
        url,
        content=b"<x/>",
        headers={"Authorization": f"Bearer {sb.access_token()}", "Content-Type": "application/xml"},
    )
    assert xml.json()["ia::error"]["code"] == "GW-0014"
