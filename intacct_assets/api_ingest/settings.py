"""API ingestion settings (``INTACCT_API_*`` environment variables; documented in ``api/README.md``)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from intacct_assets.intacct.errors import IntacctConfigError
from intacct_assets.intacct.rest import MAX_QUERY_SIZE
from intacct_assets.intacct.settings import env_number

DELETE_MODES = ("auto", "audit_history", "reconcile", "off")
DEFAULT_CRON = "0 */6 * * *"  # objects whose catalog entry has no cadence


@dataclass(frozen=True)
class ApiSettings:
    page_size: int = MAX_QUERY_SIZE  # REST rows per page (XML query pages are capped at 2000)
    lookback_seconds: int = 3600  # re-read changes this far behind the cursor (late / back-dated writes)
    deletes: str = "auto"  # auto | audit_history | reconcile | off
    reconcile_hours: float = 24.0  # how often a reconciling object re-scans its keys
    entities: tuple[str, ...] = ()  # entity contexts pulled besides the top level
    top_level: bool = True  # pull the top level (or the default context of the credentials)
    cron: str = ""  # overrides every object's cadence; "off" turns automation off
    cron_timezone: str = "UTC"
    model_refresh_hours: float = 24.0  # how long a discovered field list is reused
    flush_rows: int = 50_000  # fetched rows kept in memory before they are merged (with the cursor)
    max_offset: int = 500_000  # largest start position requested; further rows continue by key
    queries_path: str = ""  # YAML file of custom query assets
    include_private: bool = True  # top-level reads include the records of private entities

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> ApiSettings:
        env = dict(os.environ) if env is None else env
        deletes = env.get("INTACCT_API_DELETES", "").strip() or "auto"
        if deletes not in DELETE_MODES:
            raise IntacctConfigError(f"INTACCT_API_DELETES={deletes!r} must be one of {', '.join(DELETE_MODES)}")
        top_level = _flag(env, "INTACCT_API_TOP_LEVEL")
        settings = cls(
            page_size=int(env_number(env, "INTACCT_API_PAGE_SIZE", MAX_QUERY_SIZE, int, minimum=2)),
            lookback_seconds=int(env_number(env, "INTACCT_API_LOOKBACK_SECONDS", 3600, int)),
            deletes=deletes,
            reconcile_hours=env_number(env, "INTACCT_API_RECONCILE_HOURS", 24.0),
            entities=tuple(e.strip() for e in env.get("INTACCT_API_ENTITIES", "").split(",") if e.strip()),
            top_level=top_level,
            cron=env.get("INTACCT_API_CRON", "").strip(),
            cron_timezone=env.get("INTACCT_API_CRON_TIMEZONE", "").strip() or "UTC",
            model_refresh_hours=env_number(env, "INTACCT_API_MODEL_REFRESH_HOURS", 24.0),
            flush_rows=int(env_number(env, "INTACCT_API_FLUSH_ROWS", 50_000, int, minimum=1)),
            max_offset=int(env_number(env, "INTACCT_API_MAX_OFFSET", 500_000, int, minimum=1)),
            queries_path=env.get("INTACCT_API_QUERIES_PATH", "").strip(),
            include_private=_flag(env, "INTACCT_API_INCLUDE_PRIVATE"),
        )
        if settings.page_size > MAX_QUERY_SIZE:
            raise IntacctConfigError(f"INTACCT_API_PAGE_SIZE must be at most {MAX_QUERY_SIZE}")
        if not settings.top_level and not settings.entities:
            raise IntacctConfigError("INTACCT_API_TOP_LEVEL=false needs INTACCT_API_ENTITIES")
        return settings

    def contexts(self, entity_scoped: bool, default_entity: str = "") -> list[str]:
        """Entity contexts to pull: ``""`` is the top level (or the credentials' default entity)."""
        if not entity_scoped:
            return [""]
        return ([""] if self.top_level else []) + [e for e in self.entities if e != default_entity]


def _flag(env: dict[str, str], name: str, default: bool = True) -> bool:
    value = env.get(name, "").strip().lower()
    if value not in ("true", "false", "1", "0", "yes", "no", ""):
        raise IntacctConfigError(f"{name}={value!r} must be true or false")
    return value in ("true", "1", "yes") or (value == "" and default)
