"""The Intacct object catalog: one declarative list that drives every asset factory.

The built-in objects live in ``objects.yaml`` next to this module. Users add custom objects or
override built-in ones, without code, in their own YAML file of the same shape, pointed to by
``INTACCT_CATALOG_PATH``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from intacct_assets.warehouse.column_types import ColumnType

BUILTIN_CATALOG = Path(__file__).with_name("objects.yaml")
CATALOG_PATH_ENV = "INTACCT_CATALOG_PATH"

_OBJECT_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,62}$")
_API_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_REST_OBJECT = re.compile(r"^[a-z][a-z0-9-]*/[a-z][a-z0-9-]*$")


class CatalogError(ValueError):
    """The catalog YAML is invalid; the message says which object and why."""


class ApiBinding(BaseModel):
    """How the API ingestion reaches an object: REST query service, or XML where REST has none."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    rest: str | None = None
    xml: str | None = None
    entity_scoped: bool = True
    cadence: str | None = None  # cron of the asset's automation; None = the API ingestion default
    deletes: Literal["auto", "audit_history", "reconcile", "off"] | None = None  # None = INTACCT_API_DELETES
    xml_function: Literal["query", "readByQuery"] = "query"  # how an xml object is read

    @field_validator("name")
    @classmethod
    def _name_is_identifier(cls, value: str) -> str:
        if not _API_NAME.match(value):
            raise ValueError(f"api name {value!r} must be lower_snake_case (it becomes table api.{value})")
        return value

    @field_validator("rest")
    @classmethod
    def _rest_is_module_qualified(cls, value: str | None) -> str | None:
        if value is not None and not _REST_OBJECT.match(value):
            raise ValueError(f"rest object {value!r} must look like 'accounts-receivable/customer'")
        return value

    @field_validator("cadence")
    @classmethod
    def _cadence_is_cron(cls, value: str | None) -> str | None:
        if value is not None and len(value.split()) != 5:
            raise ValueError(f"cadence {value!r} must be a five-field cron expression such as '0 * * * *'")
        return value

    @model_validator(mode="after")
    def _exactly_one_transport(self) -> ApiBinding:
        if (self.rest is None) == (self.xml is None):
            raise ValueError("an api binding needs exactly one of 'rest' or 'xml'")
        if self.rest is not None and self.xml_function != "query":
            raise ValueError("xml_function applies to xml objects only")
        return self


class CatalogObject(BaseModel):
    """One Intacct object: its key, modified-time column, typed columns and API binding."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    key: tuple[str, ...] = ("RECORDNO",)
    modified: str = "WHENMODIFIED"
    name_field: str | None = None  # the unique name field AUDITHISTORY's OBJECTKEY holds; None: the record key
    columns: dict[str, ColumnType] = Field(default_factory=dict)
    dds: bool = True
    api: ApiBinding | None = None

    @field_validator("name")
    @classmethod
    def _name_is_safe(cls, value: str) -> str:
        if not _OBJECT_NAME.match(value):
            raise ValueError(f"object name {value!r} must be upper case letters, digits and '_'")
        return value

    @field_validator("key")
    @classmethod
    def _key_not_empty(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("key needs at least one column")
        return value

    @property
    def unique_name(self) -> str:
        """The field that names a record in AUDITHISTORY (``OBJECTKEY``): the ID field of master data
        (CUSTOMERID, LOGINID…), the record number of transactions."""
        return self.name_field or self.key[0]

    @property
    def table_name(self) -> str:
        """DDS table name inside schema ``dds`` (lower case object name)."""
        return self.name.lower()


@dataclass(frozen=True)
class Catalog:
    """All catalog objects, by upper-case Intacct name."""

    objects: dict[str, CatalogObject] = field(default_factory=dict)

    def __iter__(self):
        return iter(self.objects.values())

    def __len__(self) -> int:
        return len(self.objects)

    def get(self, name: str) -> CatalogObject | None:
        return self.objects.get(name.upper())

    def dds_objects(self) -> list[CatalogObject]:
        return [obj for obj in self if obj.dds]

    def api_objects(self) -> list[CatalogObject]:
        return [obj for obj in self if obj.api is not None]

    def by_api_name(self, name: str) -> CatalogObject | None:
        return next((obj for obj in self.api_objects() if obj.api and obj.api.name == name), None)


def _read_yaml(path: Path) -> dict[str, dict]:
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as error:
        raise CatalogError(f"cannot read catalog {path}: {error}") from error
    objects = document.get("objects") if isinstance(document, dict) else None
    if not isinstance(objects, dict):
        raise CatalogError(f"catalog {path} must have a top-level 'objects:' mapping")
    return objects


def parse_catalog(*paths: Path) -> Catalog:
    """Merge catalog files in order; a later file replaces or extends objects of earlier ones.

    An object in a later file that names an existing object is merged field by field: its
    ``columns`` are added to the built-in ones, any other field replaces the built-in value.
    """
    raw: dict[str, dict] = {}
    for path in paths:
        for name, spec in _read_yaml(path).items():
            spec = dict(spec or {})
            upper = str(name).upper()
            if upper in raw:
                merged = {**raw[upper], **spec}
                merged["columns"] = {**raw[upper].get("columns", {}), **spec.get("columns", {})}
                raw[upper] = merged
            else:
                raw[upper] = spec
    objects: dict[str, CatalogObject] = {}
    for name, spec in raw.items():
        try:
            objects[name] = CatalogObject(name=name, **spec)
        except Exception as error:  # pydantic ValidationError or TypeError from bad shapes
            raise CatalogError(f"catalog object {name}: {error}") from error
    _check_unique_api_names(objects.values())
    return Catalog(objects)


def _check_unique_api_names(objects) -> None:
    seen: dict[str, str] = {}
    for obj in objects:
        if obj.api is None:
            continue
        if obj.api.name in seen:
            raise CatalogError(f"api name {obj.api.name!r} is used by both {seen[obj.api.name]} and {obj.name}")
        seen[obj.api.name] = obj.name


def catalog_paths(user_path: str | None = None) -> list[Path]:
    """The built-in catalog followed by the user's file, if one is configured."""
    user_path = user_path if user_path is not None else os.environ.get(CATALOG_PATH_ENV, "")
    paths = [BUILTIN_CATALOG]
    if user_path:
        path = Path(user_path)
        if not path.is_file():
            raise CatalogError(f"{CATALOG_PATH_ENV}={user_path} does not point to a file")
        paths.append(path)
    return paths


@cache
def load_catalog(user_path: str | None = None) -> Catalog:
    """The catalog used by the code location (cached: it is read once per process)."""
    return parse_catalog(*catalog_paths(user_path))
