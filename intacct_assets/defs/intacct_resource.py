"""The Intacct API client as a Dagster resource, shared by API ingestion, reverse sync and the doctor.

Settings are read when a run starts: the ``INTACCT_*`` environment variables (``dagster dev`` loads ``.env``),
overlaid by what a company's YAML sets (``environment``, never secret) and by its secrets, given as
``dg.EnvVar`` references so that only the variable's name is ever part of the definitions or run configuration.
They never appear in logs or the call log.
"""

from dataclasses import replace

import dagster as dg

from intacct_assets.api_ingest.settings import ApiSettings
from intacct_assets.defs.resources import layered_environment
from intacct_assets.intacct import IntacctClient, IntacctSettings

SECRET_VARIABLES = {
    "client_secret": "INTACCT_CLIENT_SECRET",
    "refresh_token": "INTACCT_REFRESH_TOKEN",
    "sender_password": "INTACCT_SENDER_PASSWORD",
    "user_password": "INTACCT_USER_PASSWORD",
}


class IntacctResource(dg.ConfigurableResource):
    """Builds an :class:`IntacctClient`; ``concurrency_limit`` 0 = INTACCT_API_CONCURRENCY."""

    concurrency_limit: int = 0
    environment: dict[str, str] = {}  # INTACCT_* values of a company's YAML (never secrets)
    isolated: bool = False  # a company declared in YAML: nothing of another company's variables from the process
    client_secret: str | None = None  # None: INTACCT_CLIENT_SECRET (unless isolated)
    refresh_token: str | None = None
    sender_password: str | None = None
    user_password: str | None = None

    def _environment(self) -> dict[str, str]:
        secrets = {variable: getattr(self, name) for name, variable in SECRET_VARIABLES.items()}
        return layered_environment(self.environment, self.isolated, secrets)

    def settings(self) -> IntacctSettings:
        settings = IntacctSettings.from_env(self._environment())
        return replace(settings, concurrency_limit=self.concurrency_limit) if self.concurrency_limit else settings

    def client(self) -> IntacctClient:
        return IntacctClient(self.settings())

    def api_settings(self) -> ApiSettings:
        return ApiSettings.from_env(self._environment())


@dg.definitions
def intacct_resources() -> dg.Definitions:
    return dg.Definitions(resources={"intacct": IntacctResource()})
