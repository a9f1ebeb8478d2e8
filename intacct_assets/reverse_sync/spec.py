"""Reverse syncs declared in YAML, without code (``INTACCT_SYNCS_PATH``).

```yaml
syncs:
  - name: crm_customers
    source: {table: analytics.crm_customers}     # or {sql: "select ..."}, or {asset: [intacct, api, customer]}
    object: customer
    mode: upsert                                  # insert | update | upsert
    match: {column: crm_id, field: id}            # source column ↔ Intacct field
    mapping: {name: company_name, "contacts.default.email1": email}
    on_delete: nothing                            # nothing | clear | delete
    entity: US01
```
Document objects (journal entries, invoices, bills, payments, adjustments) take one source row per
line: ``group_by`` names the column that groups rows into one document (default: the match column),
``mapping`` fills the header from the group's first row and ``lines`` fills each line.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from intacct_assets.reverse_sync.objects import UnknownWriteObject, WriteObject, write_object

SYNCS_PATH_ENV = "INTACCT_SYNCS_PATH"
DEFAULT_SYNCS_FILE = "syncs.yaml"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
MAX_BATCH = 500


class SyncSpecError(ValueError):
    """The syncs YAML is invalid; the message names the sync and the problem."""


class SyncSource(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    table: str | None = None
    sql: str | None = None
    asset: tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> SyncSource:
        if sum(value is not None for value in (self.table, self.sql, self.asset)) != 1:
            raise ValueError("source needs exactly one of table, sql or asset")
        if self.table is not None and not re.match(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)?$", self.table):
            raise ValueError(f"source table {self.table!r} must be 'schema.table' or 'table'")
        return self


class Match(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str
    field: str | None = None  # Intacct field looked up in bulk; None: rely on sync state alone


class SyncSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    source: SyncSource
    object: str
    mode: Literal["insert", "update", "upsert"] = "upsert"
    match: Match
    mapping: dict[str, str] = Field(default_factory=dict)
    lines: dict[str, str] | None = None
    group_by: str | None = None
    on_delete: Literal["nothing", "clear", "delete"] = "nothing"
    entity: str | None = None
    nulls: Literal["leave", "clear"] = "leave"
    empty_strings: Literal["clear", "leave"] = "clear"
    batch_size: int = MAX_BATCH
    max_rejected_share: float = 0.05
    automation: bool = False  # off until the YAML turns it on: a new sync never writes into Intacct by itself
    first_automated_run: Literal["dry_run", "write"] = "dry_run"  # the first run automation launches only plans
    cron: str | None = None  # also run on this cron (a source produced elsewhere may change unseen)

    @field_validator("name")
    @classmethod
    def _name_is_identifier(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"sync name {value!r} must be lower_snake_case (it becomes an asset name)")
        return value

    @field_validator("batch_size")
    @classmethod
    def _batch_size_in_range(cls, value: int) -> int:
        if not 1 <= value <= MAX_BATCH:
            raise ValueError(f"batch_size must be between 1 and {MAX_BATCH}")
        return value

    @field_validator("cron")
    @classmethod
    def _cron_has_five_fields(cls, value: str | None) -> str | None:
        if value is not None and len(value.split()) != 5:
            raise ValueError(f"cron {value!r} must be a five-field cron expression")
        return value

    @field_validator("max_rejected_share")
    @classmethod
    def _share_is_fraction(cls, value: float) -> float:
        if not 0 <= value <= 1:
            raise ValueError("max_rejected_share is a fraction between 0 and 1")
        return value

    @model_validator(mode="after")
    def _has_fields(self) -> SyncSpec:
        if not self.mapping and not self.lines:
            raise ValueError("mapping is empty: map at least one Intacct field to a source column")
        if self.mode == "update" and self.match.field is None:
            raise ValueError("mode update needs match.field to find the records to update")
        return self

    @property
    def document_column(self) -> str:
        """The column that groups source rows into one Intacct record."""
        return self.group_by or self.match.column

    def columns(self) -> set[str]:
        used = {self.match.column, *self.mapping.values(), *(self.lines or {}).values()}
        return used | ({self.group_by} if self.group_by else set())


def check_target(spec: SyncSpec, target: WriteObject) -> None:
    """Refuse, before any call, a sync that may create records without a field Intacct requires."""
    if spec.mode == "update":
        return  # updates send only what changes
    header, lines = target.unmapped(spec.mapping, spec.lines)
    missing = [f"'{name}' in mapping" for name in header] + [f"'{name}' in lines" for name in lines]
    if missing:
        example = (header or lines)[0].split(" or ")[0]
        raise SyncSpecError(
            f"sync {spec.name}: the {spec.object} records it creates would lack {', '.join(missing)}, which "
            f"Intacct requires on a create; map a source column to each (e.g. '{example}: <column>')"
            + ("" if target.insert_only else ", or use mode update to change existing records only")
        )


def parse_syncs(text: str, origin: str = "syncs") -> list[SyncSpec]:
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise SyncSpecError(f"{origin}: not valid YAML: {error}") from error
    items = document.get("syncs", []) if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise SyncSpecError(f"{origin}: expected a top-level 'syncs:' list")
    return sync_specs(items, origin)


def sync_specs(items: list, origin: str = "syncs") -> list[SyncSpec]:
    """Validated specs of a list of syncs (YAML mappings), their objects' required fields included."""
    specs, names = [], set()
    for index, item in enumerate(items):
        label = item.get("name", f"#{index + 1}") if isinstance(item, dict) else f"#{index + 1}"
        try:
            spec = SyncSpec(**item)
        except Exception as error:  # pydantic ValidationError, TypeError for non-mappings
            raise SyncSpecError(f"{origin}: sync {label}: {error}") from error
        try:
            check_target(spec, write_object(spec.object))
        except (UnknownWriteObject, SyncSpecError) as error:
            raise SyncSpecError(f"{origin}: {error}") from error
        if spec.name in names:
            raise SyncSpecError(f"{origin}: two syncs are named {spec.name!r}")
        names.add(spec.name)
        specs.append(spec)
    return specs


def syncs_file(path: str | None = None) -> Path | None:
    """The file of ``path``, else ``INTACCT_SYNCS_PATH``, else ./syncs.yaml when present."""
    configured = path if path is not None else os.environ.get(SYNCS_PATH_ENV, "")
    candidate = Path(configured or DEFAULT_SYNCS_FILE)
    if not candidate.is_file():
        if configured:
            raise SyncSpecError(f"{SYNCS_PATH_ENV}={configured} does not point to a file")
        return None
    return candidate


def load_syncs(path: str | None = None) -> list[SyncSpec]:
    """The syncs of ``INTACCT_SYNCS_PATH`` (or ./syncs.yaml when present); none when neither exists."""
    file = syncs_file(path)
    return parse_syncs(file.read_text(), str(file)) if file else []
