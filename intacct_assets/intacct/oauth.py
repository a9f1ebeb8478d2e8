"""OAuth2 access tokens for the REST API (client credentials or refresh token).

A token is renewed shortly before ``expires_in`` runs out (measured on this machine's monotonic
clock, so server clock skew does not matter), and at most once after a 401 for each request: a
second 401 is an :class:`IntacctAuthError`, never a loop. A refresh token that Intacct rotates is
kept in the token store (:mod:`token_store`) for the next run; a refused one is an error that says
what to do.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from urllib.parse import urlencode

import httpx

from intacct_assets.intacct.errors import IntacctApiError, IntacctAuthError, IntacctError
from intacct_assets.intacct.redaction import Redactor
from intacct_assets.intacct.retry import Replay
from intacct_assets.intacct.settings import IntacctSettings
from intacct_assets.intacct.token_store import StoredToken, TokenStore
from intacct_assets.intacct.transport import Authorizer, Exchange, Transport, json_object

MAX_REFRESH_MARGIN_SECONDS = 60.0
REFUSED_ENV_TOKEN = (
    "the refresh token of INTACCT_REFRESH_TOKEN",
    "It was revoked, replaced by a newer authorization of the same user, or rotated away by a refresh whose new "
    "token was not kept. Re-authorize the app and set INTACCT_REFRESH_TOKEN to the new refresh token",
)


class TokenProvider:
    def __init__(
        self,
        settings: IntacctSettings,
        transport: Transport,
        redactor: Redactor,
        clock: Callable[[], float] = time.monotonic,
        store: TokenStore | None = None,
    ) -> None:
        """``store``: where rotated refresh tokens are kept between runs (None: in memory only)."""
        settings.require_rest()
        self._settings, self._transport, self._redactor, self._clock = settings, transport, redactor, clock
        self._store = store
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self._refresh_at = 0.0
        self._env_token = settings.refresh_token.reveal()
        self._refresh_token = self._env_token  # the current one, when there is no store
        self._refused = ("", "")  # what the token request presents, and what to do when Intacct refuses it

    def authorizer(self) -> Authorizer:
        return Authorizer(header=lambda: f"Bearer {self.token()}", refresh=self._replace)

    def token(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._refresh_at:
                self._fetch()
            return self._token

    def _replace(self, rejected_header: str) -> bool:
        """After a 401: get a new token unless another thread already did. False if none can be had."""
        with self._lock:
            if self._token is not None and rejected_header != f"Bearer {self._token}":
                return True
            try:
                self._fetch()
            except IntacctAuthError:
                return False
            return True

    def _fetch(self) -> None:
        if not self._env_token:
            self._refused = (f"the client credentials for {self._settings.oauth_username}", "")
            self._grant({"grant_type": "client_credentials", "username": self._settings.oauth_username})
        elif self._store is None:
            self._refused = REFUSED_ENV_TOKEN
            self._refresh_token = (
                self._grant({"grant_type": "refresh_token", "refresh_token": self._refresh_token})
                or self._refresh_token
            )
        else:
            with self._store.locked():  # load, spend and replace the token as one step across processes
                stored = self._store.load()
                current = self._env_token
                self._refused = REFUSED_ENV_TOKEN
                if stored is not None and stored.continues(self._env_token):
                    current = stored.refresh_token
                    self._redactor.add(current)
                    self._refused = (
                        f"the stored refresh token (rotated from INTACCT_REFRESH_TOKEN, saved {stored.saved_at})",
                        "It was revoked, or replaced by a newer authorization of the same user. Re-authorize the "
                        "app and set INTACCT_REFRESH_TOKEN to the new refresh token (a new value replaces the "
                        f"stored one), or {self._store.how_to_clear()} to start again from INTACCT_REFRESH_TOKEN",
                    )
                renewed = self._grant({"grant_type": "refresh_token", "refresh_token": current})
                if renewed and renewed != current:
                    self._store.save(StoredToken.rotated(renewed, self._env_token))

    def _grant(self, grant: dict[str, str]) -> str | None:
        """Ask the token endpoint for an access token; returns the refresh token of the answer, if any."""
        settings = self._settings
        form = {"client_id": settings.client_id, "client_secret": settings.client_secret.reveal(), **grant}
        started = self._clock()
        response = self._transport.send(
            Exchange(
                face="oauth",
                method="POST",
                url=f"{settings.api_url}/oauth2/token",
                operation=f"token {form['grant_type']}",
                replay=Replay(safe=True),
                judge=self._judge,
                uses_slot=False,
                headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
                content=urlencode(form).encode(),
            )
        )
        payload = json_object(response, "the token endpoint", self._redactor)
        token, lifetime = payload.get("access_token"), _seconds(payload.get("expires_in"))
        if not isinstance(token, str) or not token or lifetime <= 0:
            raise IntacctAuthError("the token endpoint answered without an access_token / expires_in")
        self._redactor.add(token)
        self._token = token
        self._expires_at = started + lifetime
        self._refresh_at = self._expires_at - min(MAX_REFRESH_MARGIN_SECONDS, lifetime / 10)
        refresh = payload.get("refresh_token")
        if not isinstance(refresh, str) or not refresh:
            return None
        self._redactor.add(refresh)
        return refresh

    def _judge(self, response: httpx.Response) -> IntacctError | None:
        if response.status_code < 400:
            return None
        message = self._redactor.text(response.content, 300)
        if response.status_code in (400, 401, 403):
            refused, advice = self._refused
            return IntacctAuthError(
                f"Intacct refused {refused} (HTTP {response.status_code}): {message}"
                + (f". {advice}" if advice else ""),
                response.status_code,
            )
        code = _gateway_code(response)
        return IntacctApiError(response.status_code, message, code=code, method="POST", path="/oauth2/token")


def _seconds(value: object) -> float:
    """``expires_in`` as seconds; 0 for anything that is not a number (the answer is then refused)."""
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return seconds if math.isfinite(seconds) and not isinstance(value, bool) else 0.0


def _gateway_code(response: httpx.Response) -> str | None:
    try:
        error = response.json().get("ia::error") or {}
    except (json.JSONDecodeError, AttributeError):
        return None
    return error.get("code") if isinstance(error, dict) else None
