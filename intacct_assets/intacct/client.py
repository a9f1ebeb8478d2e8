"""The client object shared by API ingestion and reverse sync: one company, REST + XML, one call log."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from intacct_assets.intacct.calllog import CallLog
from intacct_assets.intacct.limiter import ConcurrencyLimiter
from intacct_assets.intacct.oauth import TokenProvider
from intacct_assets.intacct.redaction import Redactor
from intacct_assets.intacct.rest import RestClient
from intacct_assets.intacct.settings import IntacctSettings
from intacct_assets.intacct.token_store import token_store
from intacct_assets.intacct.transport import Transport
from intacct_assets.intacct.xml_api import XmlClient


class IntacctClient:
    """``client.rest`` (OAuth2 REST API) and ``client.xml`` (XML gateway), built lazily from settings.

    Every request of both goes through one transport: the process-wide concurrency limiter of the
    company, the retry rules, the timeout, and ``client.calls`` (the redacted call log).
    """

    def __init__(
        self,
        settings: IntacctSettings,
        *,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``http``: a preconfigured httpx client (proxies, certificates); ``clock``: seconds, for token and
        XML session lifetimes."""
        self.settings = settings
        self._clock = clock
        self.calls = CallLog()
        self.redactor = Redactor(settings.secrets())
        self.transport = Transport(settings, self.calls, self.redactor, http)
        self._rest: RestClient | None = None
        self._xml: XmlClient | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> IntacctClient:
        return cls(IntacctSettings.from_env(env))

    @property
    def rest(self) -> RestClient:
        if self._rest is None:
            settings = self.settings
            store = token_store(
                folder=settings.token_store,
                command=settings.token_store_command,
                dagster_home=settings.dagster_home,
                client_id=settings.client_id,
                tenant=settings.tenant,
            )
            tokens = TokenProvider(settings, self.transport, self.redactor, self._clock, store)
            self._rest = RestClient(self.settings, self.transport, tokens.authorizer(), self.redactor)
        return self._rest

    @property
    def xml(self) -> XmlClient:
        if self._xml is None:
            self._xml = XmlClient(
                self.settings, self.transport, self.redactor, self.rest if self.settings.has_rest else None, self._clock
            )
        return self._xml

    @property
    def limiter(self) -> ConcurrencyLimiter:
        return self.transport.limiter

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> IntacctClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
