"""Resources shared by every asset: S3 (DDS bucket), the DuckDB warehouse, DDS settings.

Values come from the environment at run time (``dagster dev`` loads ``.env``); nothing secret is
baked into run configuration.
"""

from __future__ import annotations

from dataclasses import replace

import dagster as dg
from dagster_aws.s3 import S3Resource

from intacct_assets.dds.settings import DdsSettings
from intacct_assets.warehouse.connection import Warehouse


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse (``INTACCT_DUCKDB_PATH``, ``INTACCT_DUCKDB_MEMORY_LIMIT``); every connection holds
    the writer lock."""

    path: str = ""
    lock_timeout_seconds: float = 900.0
    memory_limit: str = ""

    def warehouse(self) -> Warehouse:
        default = Warehouse.from_env()
        return Warehouse(path=self.path or default.path, lock_timeout_seconds=self.lock_timeout_seconds,
                         memory_limit=self.memory_limit or default.memory_limit)


class DdsResource(dg.ConfigurableResource):
    """Where DDS deliveries land and how to read them (``INTACCT_DDS_*`` variables)."""

    bucket: str = ""
    prefix: str | None = None

    def settings(self) -> DdsSettings:
        settings = DdsSettings.from_env()
        overrides = {"bucket": self.bucket} if self.bucket else {}
        if self.prefix is not None:
            overrides["prefix"] = self.prefix
        return replace(settings, **overrides)


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={
        "s3": S3Resource(),
        "warehouse": WarehouseResource(),
        "dds": DdsResource(),
    })
