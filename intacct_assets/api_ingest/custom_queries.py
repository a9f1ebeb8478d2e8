"""Custom query assets, declared without code in a YAML file (``INTACCT_API_QUERIES_PATH``)::

    queries:
      active_customers:                  # asset ["intacct", "api", "active_customers"], table api.active_customers
        sql: >
          select CUSTOMERID, NAME, STATUS from CUSTOMER
          where STATUS = 'active' and WHENMODIFIED > '01/01/2026 00:00:00'
        key: RECORDNO                    # optional, default RECORDNO (always fetched)
        cadence: "0 6 * * *"             # optional, default INTACCT_API_CRON or every 6 hours
        entities: [E-US, E-UK]           # optional, default the INTACCT_API_ENTITIES contexts

Each run reads the query's complete result (it is a filtered view, so a row can stop matching);
rows that are no longer returned are kept with ``_intacct_deleted = true``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from intacct_assets.api_ingest.dbsync_sql import ParsedQuery, QuerySyntaxError, parse
from intacct_assets.api_ingest.targets import CustomRead, SyncTarget
from intacct_assets.catalog import Catalog

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class CustomQueryError(ValueError):
    """The custom query file is unusable; the message names the query and the problem."""


class _QuerySpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sql: str
    key: str = "RECORDNO"
    cadence: str | None = None
    entities: list[str] | None = Field(default=None)

    @field_validator("cadence")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is not None and len(value.split()) != 5:
            raise ValueError(f"cadence {value!r} must be a five-field cron expression")
        return value


@dataclass(frozen=True)
class CustomQuery:
    name: str
    parsed: ParsedQuery
    spec: _QuerySpec
    declared: dict[str, str]  # column types the catalog declares for the object (IDs stay text)

    def target(self) -> SyncTarget:
        parsed, key = self.parsed, self.spec.key.upper()
        return SyncTarget(
            name=self.name,
            object=parsed.object,
            rest=None,
            key=(key,),
            modified=None,
            deletes="off",
            cadence=self.spec.cadence,
            declared=self.declared,
            custom=CustomRead(
                fields=tuple(dict.fromkeys((key, *parsed.fields))) if parsed.fields else (),
                filter=parsed.filter,
                sql=" ".join(self.spec.sql.split()),
            ),
            entities=tuple(self.spec.entities) if self.spec.entities is not None else None,
        )


def load_custom_queries(path: str, catalog: Catalog) -> list[CustomQuery]:
    """Parse and validate every query of the file; one bad query fails the whole file, clearly."""
    if not path:
        return []
    file = Path(path)
    try:
        document = yaml.safe_load(file.read_text()) or {}
    except (OSError, yaml.YAMLError) as error:
        raise CustomQueryError(f"cannot read custom queries {path}: {error}") from error
    queries = document.get("queries") if isinstance(document, dict) else None
    if not isinstance(queries, dict):
        raise CustomQueryError(f"{path} must have a top-level 'queries:' mapping")
    taken = {obj.api.name for obj in catalog.api_objects()}
    loaded = []
    for name, raw in queries.items():
        label = f"custom query {name!r} in {path}"
        if not isinstance(name, str) or not _NAME.match(name):
            raise CustomQueryError(f"{label}: the name must be lower_snake_case (it becomes table api.{name})")
        if name in taken:
            raise CustomQueryError(f"{label}: the name is already used by a catalog object")
        try:
            spec = _QuerySpec.model_validate(raw)
            parsed = parse(spec.sql)
        except ValidationError as error:
            raise CustomQueryError(f"{label}: {error}") from None
        except QuerySyntaxError as error:
            raise CustomQueryError(f"{label}: {error}") from None
        known = catalog.get(parsed.object)
        loaded.append(CustomQuery(name, parsed, spec, dict(known.columns) if known else {}))
    return loaded
