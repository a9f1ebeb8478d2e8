"""Resources shared by every asset of a company: S3 (DDS bucket), the DuckDB warehouse, DDS settings.

Values come from the environment at run time (``dagster dev`` loads ``.env``), overlaid by what a company's YAML
sets (``environment``); nothing secret is baked into run configuration.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb
from dagster_aws import s3 as dagster_aws_s3
from dagster_duckdb import DuckDBResource
from filelock import FileLock

from intacct_assets.dds.settings import DdsSettings
from intacct_assets.warehouse.connection import Warehouse, writer_lock

# Settings that name one company's identity, credentials, endpoints or data. A company declared in YAML never takes
# them from the process environment: a field it leaves out must not silently become another company's value.
COMPANY_VARIABLES = frozenset(
    {
        "INTACCT_API_URL",
        "INTACCT_CLIENT_ID",
        "INTACCT_CLIENT_SECRET",
        "INTACCT_USERNAME",
        "INTACCT_REFRESH_TOKEN",
        "INTACCT_ENTITY_ID",
        "INTACCT_XML_URL",
        "INTACCT_SENDER_ID",
        "INTACCT_SENDER_PASSWORD",
        "INTACCT_COMPANY_ID",
        "INTACCT_USER_ID",
        "INTACCT_USER_PASSWORD",
        "INTACCT_API_ENTITIES",
        "INTACCT_API_QUERIES_PATH",
        "INTACCT_DDS_BUCKET",
        "INTACCT_DDS_PREFIX",
        "INTACCT_DDS_SQS_QUEUE_URL",
        "INTACCT_DDS_DDL_DIR",
        "INTACCT_DUCKDB_PATH",
        "INTACCT_CATALOG_PATH",
        "INTACCT_SYNCS_PATH",
    }
)


def layered_environment(
    environment: dict[str, str], isolated: bool, secrets: dict[str, str | None] | None = None
) -> dict[str, str]:
    """The process environment, without another company's variables when ``isolated``, overlaid by a company's
    settings and its secrets (None: not given)."""
    layered = {k: v for k, v in os.environ.items() if not (isolated and k in COMPANY_VARIABLES)}
    layered.update(environment)
    layered.update({name: value for name, value in (secrets or {}).items() if value is not None})
    return layered


def resource_of(context, key: str):
    """The resource object under ``key`` (S3Resource puts a boto3 client on the context; we want the resource)."""
    return context.resources.original_resource_dict[key]


class S3Resource(dagster_aws_s3.S3Resource):
    """dagster-aws's ``S3Resource`` (same fields), whose boto3 client is made once per process for a configuration
    and AWS environment: each ``get_client`` of the original builds a new boto3 session, reloading S3's service
    model (0.07-0.25 s of CPU), and a sensor tick asked for two. boto3 clients are safe to share across threads."""

    def get_client(self):
        aws_environment = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_")))
        return _s3_client(self.model_dump_json(), aws_environment)


@functools.lru_cache(maxsize=16)
def _s3_client(configuration: str, aws_environment: tuple[tuple[str, str], ...]):
    """One client per configuration and AWS environment (both part of the key, so a change makes a new client)."""
    return dagster_aws_s3.S3Resource.model_validate_json(configuration).get_client()


class WarehouseResource(DuckDBResource):
    """The DuckDB warehouse, as ``dagster-duckdb``'s resource: ``get_connection()`` holds the project's writer lock
    (``<file>.lock``), so your own assets share the file safely with the Intacct runs.

    ``database`` "" = ``INTACCT_DUCKDB_PATH`` (default ``data/intacct.duckdb``); ``memory_limit`` "" =
    ``INTACCT_DUCKDB_MEMORY_LIMIT``.
    """

    database: str = ""
    lock_timeout_seconds: float = 900.0
    memory_limit: str = ""

    def warehouse(self) -> Warehouse:
        default = Warehouse.from_env()
        return Warehouse(
            path=self.database or default.path,
            lock_timeout_seconds=self.lock_timeout_seconds,
            memory_limit=self.memory_limit or default.memory_limit,
        )

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection to the warehouse, held under its writer lock until the block ends."""
        with self.warehouse().connect() as connection:
            yield connection

    @contextmanager
    def locked(self) -> Iterator[FileLock | None]:
        """The writer lock without a connection: run a tool that opens the file itself (dbt-duckdb, a DuckDB CLI
        script) inside this block and no Intacct run writes meanwhile (None for a remote ``md:`` database)."""
        with writer_lock(self.warehouse()) as lock:
            yield lock


class DdsResource(dg.ConfigurableResource):
    """Where DDS deliveries land and how to read them: the ``INTACCT_DDS_*`` variables, overlaid by
    ``environment`` (a company's YAML) and by ``bucket`` / ``prefix``."""

    bucket: str = ""
    prefix: str | None = None
    environment: dict[str, str] = {}
    isolated: bool = False  # a company declared in YAML: nothing of COMPANY_VARIABLES from the process

    def settings(self) -> DdsSettings:
        overrides = {"INTACCT_DDS_BUCKET": self.bucket} if self.bucket else {}
        if self.prefix is not None:
            overrides["INTACCT_DDS_PREFIX"] = self.prefix
        return DdsSettings.from_env(layered_environment({**self.environment, **overrides}, self.isolated))


@dg.definitions
def resources() -> dg.Definitions:
    """The environment's company (resource keys without a company name)."""
    return dg.Definitions(resources={"s3": S3Resource(), "warehouse": WarehouseResource(), "dds": DdsResource()})
