"""The Intacct API client as a Dagster resource (key ``intacct``), shared by API ingestion and reverse sync.

Credentials are read from the ``INTACCT_*`` environment variables when a run starts (``dagster dev``
loads ``.env``); they never appear in run configuration, logs or the call log.
"""

from dataclasses import replace

import dagster as dg

from intacct_assets.api_ingest.settings import ApiSettings
from intacct_assets.intacct import IntacctClient, IntacctSettings


class IntacctResource(dg.ConfigurableResource):
    """Builds an :class:`IntacctClient` from the environment; ``concurrency_limit`` 0 = INTACCT_API_CONCURRENCY."""

    concurrency_limit: int = 0

    def settings(self) -> IntacctSettings:
        settings = IntacctSettings.from_env()
        return replace(settings, concurrency_limit=self.concurrency_limit) if self.concurrency_limit else settings

    def client(self) -> IntacctClient:
        return IntacctClient(self.settings())

    def api_settings(self) -> ApiSettings:
        return ApiSettings.from_env()


@dg.definitions
def intacct_resources() -> dg.Definitions:
    return dg.Definitions(resources={"intacct": IntacctResource()})
