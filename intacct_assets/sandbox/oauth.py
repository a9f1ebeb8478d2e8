"""OAuth 2.0 for the REST face: client_credentials, refresh_token and authorization_code (+PKCE) grants,
HS256 JWT access tokens checked against the sandbox clock, revocation, and Intacct's error bodies."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import jwt

from intacct_assets.sandbox.clock import Clock
from intacct_assets.sandbox.httpd import Request, Response
from intacct_assets.sandbox.settings import Knobs, SandboxSettings

GATEWAY_MESSAGES = {
    "GW-0011": "Invalid Request",
    "GW-0012": "Missing tenant in username",
    "GW-0031": "Unable to decode JWT",
    "GW-0032": "Invalid grant_type or payload",
    "GW-0033": "Invalid oauth2 endpoint",
    "GW-0034": "Authorization header must be a Bearer token",
    "GW-0035": "Missing request body",
    "GW-0036": "Empty username",
    "GW-0037": "Missing client_id",
}

# Expiry is checked against the sandbox clock (which tests may advance), not by PyJWT's wall clock.
_NO_TIME_CHECKS = {"verify_exp": False, "verify_iat": False, "verify_nbf": False}


@dataclass(frozen=True)
class Grant:
    """What a token stands for: one user of one company, optionally in an entity."""

    id: str
    user: str
    company: str
    entity: str | None
    client_id: str


@dataclass(frozen=True)
class Principal:
    grant: Grant
    session_id: str


def gateway_error(status: int, code: str, message: str | None = None) -> Response:
    """Gateway errors use the documented top-level shape ``{"ia::error": {...}}``."""
    return Response.json(
        status,
        {
            "ia::error": {
                "code": code,
                "message": message or GATEWAY_MESSAGES.get(code, code),
                "details": {"requestId": secrets.token_hex(8).upper()},
            }
        },
    )


def token_invalid(status: int = 401) -> Response:
    return Response.json(
        status,
        {
            "ia::result": {
                "ia::error": {
                    "code": "tokenInvalid",
                    "message": "Token is not valid",
                    "errorId": "REST-2102",
                    "additionalInfo": {"messageId": "IA.TOKEN_IS_INVALID", "placeholders": {}, "propertySet": {}},
                }
            },
            "ia::meta": {"totalCount": 1, "totalSuccess": 0, "totalError": 1},
        },
    )


class OAuth:
    def __init__(
        self, settings: SandboxSettings, clock: Clock, knobs: Knobs, has_entity: Callable[[str], bool]
    ) -> None:
        self.settings, self.clock, self.knobs = settings, clock, knobs
        self._has_entity = has_entity
        self._key = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._refresh: dict[str, Grant] = {}
        self._codes: dict[str, tuple[Grant, str, str | None, float]] = {}
        self._revoked_jti: set[str] = set()
        self._revoked_grants: set[str] = set()

    # ------------------------------------------------------------------ issuing
    def issue(self, grant: Grant, refresh: str | None = None) -> dict:
        now = int(self.clock.timestamp())
        ttl = self.knobs.token_ttl_seconds
        claims = {
            "iss": "intacct-sandbox",
            "sub": f"{grant.user}@{grant.company}",
            "userId": grant.user,
            "companyId": grant.company,
            "entityId": grant.entity,
            "clientId": grant.client_id,
            "sessionId": secrets.token_urlsafe(12),
            "gid": grant.id,
            "jti": secrets.token_hex(8),
            "iat": now,
            "exp": now + ttl,
        }
        with self._lock:
            if refresh is not None and self.settings.rotate_refresh_tokens:
                self._refresh.pop(refresh, None)
                refresh = None
            if refresh is None:
                refresh = secrets.token_urlsafe(32)
                self._refresh[refresh] = grant
        return {
            "token_type": "Bearer",
            "access_token": jwt.encode(claims, self._key, algorithm="HS256"),
            "refresh_token": refresh,
            "expires_in": ttl,
        }

    def token_for(self, entity: str | None = None) -> str:
        """Access token for the configured user (tests and tools)."""
        s = self.settings
        return self.issue(Grant(secrets.token_hex(6), s.user_id, s.company_id, entity, s.client_id))["access_token"]

    # ------------------------------------------------------------------ endpoints
    def handle_token(self, request: Request) -> Response:
        if not request.body:
            return gateway_error(400, "GW-0035")
        form = request.form()
        client_id, client_secret = self._client(request, form)
        if not client_id:
            return gateway_error(400, "GW-0037")
        if client_id != self.settings.client_id or client_secret != self.settings.client_secret:
            return gateway_error(401, "GW-0011", "Invalid client credentials")
        grant_type = form.get("grant_type")
        if grant_type == "client_credentials":
            return self._client_credentials(form, client_id)
        if grant_type == "refresh_token":
            with self._lock:
                grant = self._refresh.get(form.get("refresh_token", ""))
            if grant is None or grant.id in self._revoked_grants:
                return token_invalid(400)
            return self._ok(self.issue(grant, form["refresh_token"]))
        if grant_type == "authorization_code":
            return self._authorization_code(form, client_id)
        return gateway_error(400, "GW-0032")

    def _client(self, request: Request, form: dict[str, str]) -> tuple[str | None, str | None]:
        auth = request.header("authorization") or ""
        if auth.lower().startswith("basic "):
            try:
                client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
                return client_id, secret
            except (ValueError, UnicodeDecodeError):
                return None, None
        return form.get("client_id"), form.get("client_secret")

    def _client_credentials(self, form: dict[str, str], client_id: str) -> Response:
        username = form.get("username", "")
        if not username:
            return gateway_error(400, "GW-0036")
        user, at, tenant = username.partition("@")
        if not at or not tenant:
            return gateway_error(400, "GW-0012")
        company, _, entity = tenant.partition("|")
        s = self.settings
        if user != s.user_id or company != s.company_id:
            return gateway_error(401, "GW-0011", "Sign-in information is incorrect")
        if entity and not self._has_entity(entity):
            return gateway_error(400, "GW-0011", f"Invalid entity '{entity}'")
        return self._ok(self.issue(Grant(secrets.token_hex(6), user, company, entity or None, client_id)))

    def _authorization_code(self, form: dict[str, str], client_id: str) -> Response:
        with self._lock:
            found = self._codes.pop(form.get("code", ""), None)
        if found is None:
            return gateway_error(400, "GW-0032", "Invalid or expired authorization code")
        grant, redirect_uri, challenge, expires = found
        if expires < self.clock.timestamp() or form.get("redirect_uri", redirect_uri) != redirect_uri:
            return gateway_error(400, "GW-0032", "Invalid or expired authorization code")
        if challenge:
            verifier = form.get("code_verifier", "").encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
            if digest != challenge:
                return gateway_error(400, "GW-0032", "PKCE verification failed")
        if self.settings.single_grant_per_user:
            with self._lock:
                for token, old in list(self._refresh.items()):
                    if (old.user, old.company) == (grant.user, grant.company):
                        self._revoked_grants.add(old.id)
                        del self._refresh[token]
        return self._ok(self.issue(grant))

    def handle_authorize(self, request: Request) -> Response:
        """Auto-approves for the configured user (no login page) and redirects with ``code`` and ``state``."""
        client_id, redirect_uri = request.arg("client_id"), request.arg("redirect_uri")
        if request.arg("response_type") != "code" or client_id != self.settings.client_id or not redirect_uri:
            return gateway_error(400, "GW-0032", "response_type=code, a known client_id and redirect_uri are required")
        method = request.arg("code_challenge_method", "S256")
        if request.arg("code_challenge") and method != "S256":
            return gateway_error(400, "GW-0032", "Only code_challenge_method=S256 is supported")
        s = self.settings
        code = secrets.token_urlsafe(24)
        grant = Grant(secrets.token_hex(6), s.user_id, s.company_id, request.arg("entity"), client_id)
        with self._lock:
            self._codes[code] = (grant, redirect_uri, request.arg("code_challenge"), self.clock.timestamp() + 600)
        params = {"code": code, **({"state": request.arg("state")} if request.arg("state") is not None else {})}
        separator = "&" if "?" in redirect_uri else "?"
        return Response(302, b"", [("Location", f"{redirect_uri}{separator}{urlencode(params)}")])

    def handle_revoke(self, request: Request) -> Response:
        form = request.form()
        client_id, client_secret = self._client(request, form)
        if client_id != self.settings.client_id or client_secret != self.settings.client_secret:
            return gateway_error(401, "GW-0011", "Invalid client credentials")
        token = form.get("token", "")
        with self._lock:
            grant = self._refresh.pop(token, None)
            if grant is not None:
                self._revoked_grants.add(grant.id)
            else:
                try:
                    claims = jwt.decode(token, self._key, algorithms=["HS256"], options=_NO_TIME_CHECKS)
                    self._revoked_jti.add(claims["jti"])
                except jwt.PyJWTError:
                    pass  # RFC 7009: unknown tokens are not an error
        return Response.json(200, {})

    def _ok(self, payload: dict) -> Response:
        return Response.json(200, payload, [("Cache-Control", "no-store"), ("Pragma", "no-cache")])

    # ------------------------------------------------------------------ checking
    def authenticate(self, request: Request) -> Principal | Response:
        auth = request.header("authorization") or ""
        if not auth.lower().startswith("bearer "):
            return gateway_error(401, "GW-0034")
        try:
            claims = jwt.decode(auth[7:].strip(), self._key, algorithms=["HS256"], options=_NO_TIME_CHECKS)
        except jwt.InvalidSignatureError:
            return token_invalid()
        except jwt.PyJWTError:
            return gateway_error(401, "GW-0031")
        if (
            claims["exp"] <= self.clock.timestamp()
            or claims["jti"] in self._revoked_jti
            or claims["gid"] in self._revoked_grants
        ):
            return token_invalid()
        grant = Grant(claims["gid"], claims["userId"], claims["companyId"], claims.get("entityId"), claims["clientId"])
        return Principal(grant, claims["sessionId"])
