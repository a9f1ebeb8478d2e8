"""The YAML settings of one company (``IntacctComponent``), each field mapped onto the environment variable that sets
it for the environment's company, so both read through the same validation (``IntacctSettings.from_env`` …).

A field left out takes its variable's value from the environment when definitions load or a run starts, except
the company's identity, credentials, endpoints and data locations (``COMPANY_VARIABLES``): those a company names
itself, so that a forgotten field never becomes another company's value.
"""

import re
from dataclasses import dataclass, fields
from typing import Annotated, Any

import dagster as dg

from intacct_assets.components.secrets import SecretReference, secret_reference

# YAML field -> environment variable, per section (README "Configuration" lists the same map)
INTACCT_VARIABLES = {
    "api_url": "INTACCT_API_URL",
    "client_id": "INTACCT_CLIENT_ID",
    "username": "INTACCT_USERNAME",
    "entity_id": "INTACCT_ENTITY_ID",
    "xml_url": "INTACCT_XML_URL",
    "sender_id": "INTACCT_SENDER_ID",
    "company_id": "INTACCT_COMPANY_ID",
    "user_id": "INTACCT_USER_ID",
    "xml_date_format": "INTACCT_XML_DATE_FORMAT",
    "xml_timezone": "INTACCT_XML_TIMEZONE",
    "concurrency": "INTACCT_API_CONCURRENCY",
    "slot_dir": "INTACCT_API_SLOT_DIR",
    "timeout_seconds": "INTACCT_API_TIMEOUT_SECONDS",
    "max_attempts": "INTACCT_API_MAX_ATTEMPTS",
    "backoff_initial_seconds": "INTACCT_API_BACKOFF_INITIAL_SECONDS",
    "backoff_max_seconds": "INTACCT_API_BACKOFF_MAX_SECONDS",
    "token_store": "INTACCT_TOKEN_STORE",
    "token_store_command": "INTACCT_TOKEN_STORE_COMMAND",
    "capture_dir": "INTACCT_CAPTURE_DIR",
    "capture_mask_fields": "INTACCT_CAPTURE_MASK_FIELDS",
}
INTACCT_SECRETS = {
    "client_secret": "INTACCT_CLIENT_SECRET",
    "refresh_token": "INTACCT_REFRESH_TOKEN",
    "sender_password": "INTACCT_SENDER_PASSWORD",
    "user_password": "INTACCT_USER_PASSWORD",
}
API_VARIABLES = {
    "page_size": "INTACCT_API_PAGE_SIZE",
    "lookback_seconds": "INTACCT_API_LOOKBACK_SECONDS",
    "deletes": "INTACCT_API_DELETES",
    "reconcile_hours": "INTACCT_API_RECONCILE_HOURS",
    "entities": "INTACCT_API_ENTITIES",
    "top_level": "INTACCT_API_TOP_LEVEL",
    "include_private": "INTACCT_API_INCLUDE_PRIVATE",
    "cron": "INTACCT_API_CRON",
    "cron_timezone": "INTACCT_API_CRON_TIMEZONE",
    "model_refresh_hours": "INTACCT_API_MODEL_REFRESH_HOURS",
    "flush_rows": "INTACCT_API_FLUSH_ROWS",
    "max_offset": "INTACCT_API_MAX_OFFSET",
    "queries": "INTACCT_API_QUERIES_PATH",
}
DDS_VARIABLES = {
    "bucket": "INTACCT_DDS_BUCKET",
    "prefix": "INTACCT_DDS_PREFIX",
    "file_pattern": "INTACCT_DDS_FILE_PATTERN",
    "ddl_prefix": "INTACCT_DDS_DDL_PREFIX",
    "ddl_dir": "INTACCT_DDS_DDL_DIR",
    "delimiter": "INTACCT_DDS_DELIMITER",
    "enclosure": "INTACCT_DDS_ENCLOSURE",
    "header": "INTACCT_DDS_HEADER",
    "split_size": "INTACCT_DDS_SPLIT_SIZE",
    "batch_bytes": "INTACCT_DDS_BATCH_BYTES",
    "max_rejected_rows": "INTACCT_DDS_MAX_REJECTED_ROWS",
    "sensor_interval_seconds": "INTACCT_DDS_SENSOR_INTERVAL_SECONDS",
    "lookback_seconds": "INTACCT_DDS_LOOKBACK_SECONDS",
    "max_files_per_run": "INTACCT_DDS_MAX_FILES_PER_RUN",
    "max_files_per_lock": "INTACCT_DDS_MAX_FILES_PER_LOCK",
    "max_bytes_per_run": "INTACCT_DDS_MAX_BYTES_PER_RUN",
    "max_runs_per_tick": "INTACCT_DDS_MAX_RUNS_PER_TICK",
    "sqs_queue_url": "INTACCT_DDS_SQS_QUEUE_URL",
    "full_listing_seconds": "INTACCT_DDS_FULL_LISTING_SECONDS",
}
WAREHOUSE_VARIABLES = {"path": "INTACCT_DUCKDB_PATH", "memory_limit": "INTACCT_DUCKDB_MEMORY_LIMIT"}

Secret = Annotated[
    SecretReference | None, dg.Resolver(secret_reference, model_field_type=str, inject_before_resolve=False)
]


def variables(section: Any, names: dict[str, str]) -> dict[str, str]:
    """The environment variables a section sets (fields left out set none)."""
    if section is None:
        return {}
    return {
        names[f.name]: _as_text(getattr(section, f.name))
        for f in fields(section)
        if f.name in names and getattr(section, f.name) is not None
    }


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    return str(value)


@dataclass
class IntacctConnection(dg.Resolvable):
    """How to reach the company: REST (OAuth2) and the XML gateway, and the client's limits."""

    api_url: str | None = None
    client_id: str | None = None
    client_secret: Secret = None
    username: str | None = None  # user@company[|entity], for the client-credentials grant
    refresh_token: Secret = None
    entity_id: str | None = None
    xml_url: str | None = None
    sender_id: str | None = None
    sender_password: Secret = None
    company_id: str | None = None
    user_id: str | None = None
    user_password: Secret = None
    xml_date_format: str | None = None
    xml_timezone: str | None = None
    concurrency: int | None = None
    slot_dir: str | None = None
    timeout_seconds: float | None = None
    max_attempts: int | None = None
    backoff_initial_seconds: float | None = None
    backoff_max_seconds: float | None = None
    token_store: str | None = None
    token_store_command: str | None = None
    capture_dir: str | None = None
    capture_mask_fields: list[str] | None = None


@dataclass
class ApiIngestionSettings(dg.Resolvable):
    """Which API assets to build and how they read (``objects``: asset names; left out: every one)."""

    objects: list[str] | None = None
    queries: str | None = None  # custom query YAML, relative to this defs.yaml
    page_size: int | None = None
    lookback_seconds: int | None = None
    deletes: str | None = None
    reconcile_hours: float | None = None
    entities: list[str] | None = None
    top_level: bool | None = None
    include_private: bool | None = None
    cron: str | None = None
    cron_timezone: str | None = None
    model_refresh_hours: float | None = None
    flush_rows: int | None = None
    max_offset: int | None = None


@dataclass
class DdsIngestionSettings(dg.Resolvable):
    """Where the company's DDS deliveries land, which objects to build (left out: every one) and how to read them."""

    bucket: str | None = None
    prefix: str | None = None
    objects: list[str] | None = None
    file_pattern: str | None = None
    ddl_prefix: str | None = None
    ddl_dir: str | None = None
    delimiter: str | None = None
    enclosure: str | None = None
    header: str | None = None
    split_size: int | None = None
    batch_bytes: int | None = None
    max_rejected_rows: int | None = None
    sensor_interval_seconds: int | None = None
    lookback_seconds: int | None = None
    max_files_per_run: int | None = None
    max_files_per_lock: int | None = None
    max_bytes_per_run: int | None = None
    max_runs_per_tick: int | None = None
    sqs_queue_url: str | None = None
    full_listing_seconds: int | None = None


@dataclass
class S3Connection(dg.Resolvable):
    """The bucket's S3 connection (``dagster_aws``'s ``S3Resource``); left out: boto3's usual chain."""

    endpoint_url: str | None = None
    region_name: str | None = None
    profile_name: str | None = None
    aws_access_key_id: str | None = None
    aws_secret_access_key: Secret = None


@dataclass
class WarehouseSettings(dg.Resolvable):
    path: str | None = None  # default data/<company>.duckdb in the project
    memory_limit: str | None = None


def is_cron(value: str) -> bool:
    return len(value.split()) == 5 and all(re.fullmatch(r"[\w*/,\-?#LW]+", part) for part in value.split())
