"""One Intacct company as the Dagster layer builds it: what to build (catalog, objects, custom queries, reverse
syncs), with which settings, and under which names.

The company configured by ``INTACCT_*`` environment variables (``name`` None) keeps the names it always had —
asset keys ``["intacct", "dds", <object>]``, sensor ``dds_sensor``, resources ``warehouse``, ``intacct`` … — so
deployments keep their cursors and run history. A company declared in YAML (``IntacctComponent``) carries its
name in every key (``["intacct", "acme", "dds", "glentry"]``), job, sensor and resource key (``acme_dds_sensor``,
``acme_warehouse``), so several of them share a code location without touching each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import dagster as dg

from intacct_assets.api_ingest.custom_queries import load_custom_queries
from intacct_assets.api_ingest.settings import ApiSettings
from intacct_assets.api_ingest.targets import SyncTarget
from intacct_assets.catalog import Catalog, CatalogObject, catalog_paths, parse_catalog
from intacct_assets.dds.settings import DdsSettings
from intacct_assets.reverse_sync.sources import source_tables
from intacct_assets.reverse_sync.spec import SyncSpec, load_syncs, syncs_file
from intacct_assets.warehouse.connection import Warehouse

COMPANY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
DEFAULT_SOURCES_CRON = "*/5 * * * *"  # how often tables that reverse syncs read, produced elsewhere, are looked at


@dataclass(frozen=True)
class Company:
    name: str | None  # None: the company of the environment variables (the names it always had)
    catalog: Catalog
    catalog_files: tuple[Path, ...]
    api: ApiSettings
    dds: DdsSettings
    syncs: tuple[SyncSpec, ...] = ()
    syncs_file: Path | None = None
    warehouse_path: str = Warehouse().path
    dds_objects: frozenset[str] | None = None  # upper-case object names to build; None: every DDS object
    api_objects: frozenset[str] | None = None  # API asset names to build; None: every one
    sources_cron: str = DEFAULT_SOURCES_CRON

    def __post_init__(self) -> None:
        if self.name is not None and not COMPANY_NAME.match(self.name):
            raise ValueError(
                f"company {self.name!r} must be lower_snake_case (letters, digits, '_', at most 40): "
                "it becomes part of asset keys, job and sensor names"
            )
        unknown = sorted((self.dds_objects or set()) - {o.name for o in self.catalog.dds_objects()})
        if unknown:
            raise ValueError(f"dds objects {', '.join(unknown)} are not DDS objects of the catalog")

    @classmethod
    def from_env(cls) -> Company:
        """The company of the ``INTACCT_*`` environment variables (``INTACCT_CATALOG_PATH``, ``INTACCT_SYNCS_PATH``
        …)."""
        files = tuple(catalog_paths())
        return cls(
            name=None,
            catalog=parse_catalog(*files),
            catalog_files=files,
            api=ApiSettings.from_env(),
            dds=DdsSettings.from_env(),
            syncs=tuple(load_syncs()),
            syncs_file=syncs_file(),
            warehouse_path=Warehouse.from_env().path,
        )

    # ------------------------------------------------------------------ names
    @property
    def key_root(self) -> list[str]:
        return ["intacct"] if self.name is None else ["intacct", self.name]

    def asset_key(self, kind: str, name: str) -> dg.AssetKey:
        return dg.AssetKey([*self.key_root, kind, name])

    def named(self, base: str) -> str:
        """A job, sensor or resource key name of this company (``dds_sensor`` → ``acme_dds_sensor``)."""
        return base if self.name is None else f"{self.name}_{base}"

    def group(self, base: str) -> str:
        return self.named(base)

    @property
    def label(self) -> str:
        return f"company {self.name}" if self.name else "the environment's company"

    @property
    def database(self) -> str:
        """The warehouse's catalog name as a DuckDB client (dbt-duckdb, the CLI) sees the file: its stem."""
        path = self.warehouse_path
        if path.startswith(("md:", "motherduck:")):
            return path.partition(":")[2].partition("?")[0] or "my_db"
        return Path(path).stem

    def catalog_location(self, object_name: str) -> tuple[Path | None, int | None]:
        """The catalog file (the last one naming it) and line where an object is declared."""
        return self._catalog_lines.get(object_name, (None, None))

    @cached_property
    def _catalog_lines(self) -> dict[str, tuple[Path, int]]:
        found: dict[str, tuple[Path, int]] = {}
        for file in self.catalog_files:
            for number, line in enumerate(file.read_text().splitlines(), start=1):
                match = re.match(r"^  ([A-Za-z][A-Za-z0-9_]*):", line)
                if match:
                    found[match[1].upper()] = (file, number)
        return found

    @property
    def queries_file(self) -> Path | None:
        return Path(self.api.queries_path) if self.api.queries_path else None

    def query_line(self, name: str) -> int | None:
        file = self.queries_file
        lines = file.read_text().splitlines() if file and file.is_file() else []
        return next((n for n, line in enumerate(lines, start=1) if re.match(rf"^\s+{re.escape(name)}:", line)), None)

    def sync_location(self, name: str) -> tuple[Path | None, int | None]:
        if self.syncs_file is None:
            return None, None
        for number, line in enumerate(self.syncs_file.read_text().splitlines(), start=1):
            if re.match(rf"^\s*-?\s*name:\s*['\"]?{re.escape(name)}['\"]?\s*(#.*)?$", line):
                return self.syncs_file, number
        return self.syncs_file, None

    def sync_source_tables(self) -> set[str]:
        """``schema.table`` of every table a reverse sync of this company reads (its own tables by asset too)."""
        tables = {table for spec in self.syncs for table in source_tables(spec)}
        return tables | {table for spec in self.syncs if (table := self.own_table(spec.source.asset))}

    def own_table(self, asset: tuple[str, ...] | None) -> str | None:
        """``dds.<name>`` / ``api.<name>`` for a key of this company's tables, written with or without the company
        (``[intacct, acme, dds, customer]`` or ``[intacct, dds, customer]``); None for any other asset."""
        path = list(asset or ())
        for root in (self.key_root, ["intacct"]):
            if len(path) == len(root) + 2 and path[: len(root)] == root and path[-2] in ("dds", "api"):
                return ".".join(path[-2:])
        return None

    # ------------------------------------------------------------------ what to build
    def dds_catalog_objects(self) -> list[CatalogObject]:
        return [obj for obj in self.catalog.dds_objects() if self.dds_objects is None or obj.name in self.dds_objects]

    @property
    def dds_catalog(self) -> Catalog:
        """The catalog as the DDS sensor sees it: files of objects this company does not build are unrecognized."""
        if self.dds_objects is None:
            return self.catalog
        return Catalog({name: obj for name, obj in self.catalog.objects.items() if name in self.dds_objects})

    def api_targets(self) -> list[SyncTarget]:
        targets = [SyncTarget.from_catalog(obj, self.api) for obj in self.catalog.api_objects()]
        targets += [query.target() for query in load_custom_queries(self.api.queries_path, self.catalog)]
        if self.api_objects is None:
            return targets
        unknown = sorted(self.api_objects - {t.name for t in targets})
        if unknown:
            raise ValueError(
                f"api objects {', '.join(unknown)} are neither API objects of the catalog nor custom queries"
            )
        return [target for target in targets if target.name in self.api_objects]


@cache
def environment_company() -> Company:
    """Read once per process, when the code location loads."""
    return Company.from_env()
