"""``IntacctComponent``: one Intacct company, declared in a ``defs.yaml``.

``dg scaffold defs intacct_assets.IntacctComponent acme`` writes one; as many instances as companies share a code
location, each with its own asset keys (``["intacct", "acme", "dds", "glentry"]``), warehouse file, cursors, jobs,
sensors, resources and request slots. Modelled on dagster-sling's ``SlingReplicationCollectionComponent`` and
dagster-dlt's ``DltLoadCollectionComponent``: a ``translation`` block, or a subclass overriding
``get_asset_spec``, changes what Dagster shows of each asset.
"""

import warnings
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

import dagster as dg
from dagster.components.utils.translation import TranslationFn, TranslationFnResolver

from intacct_assets.api_ingest.settings import ApiSettings
from intacct_assets.catalog import BUILTIN_CATALOG, parse_catalog
from intacct_assets.components.scaffolder import IntacctScaffolder
from intacct_assets.components.settings import (
    API_VARIABLES,
    DDS_VARIABLES,
    INTACCT_SECRETS,
    INTACCT_VARIABLES,
    ApiIngestionSettings,
    DdsIngestionSettings,
    IntacctConnection,
    S3Connection,
    WarehouseSettings,
    variables,
)
from intacct_assets.dds.settings import DdsSettings
from intacct_assets.defs.company import COMPANY_NAME, DEFAULT_SOURCES_CRON, Company
from intacct_assets.defs.intacct_resource import IntacctResource
from intacct_assets.defs.resources import DdsResource, S3Resource, WarehouseResource, layered_environment
from intacct_assets.defs.translator import IntacctAssetData, IntacctTranslator
from intacct_assets.reverse_sync.spec import SyncSpecError, parse_syncs, sync_specs

# Dagster 1.13 itself passes the beta `owners` parameter when it attaches jobs to a sensor: a warning about its
# internals, not about this component, on every load of a code location holding one.
warnings.filterwarnings("ignore", message="Parameter `owners`", category=dg.BetaWarning)

TranslationBlock = Annotated[
    TranslationFn[IntacctAssetData], TranslationFnResolver[IntacctAssetData](lambda data: {"data": data})
]


@dg.scaffold_with(IntacctScaffolder)
@dataclass
class IntacctComponent(dg.Component, dg.Resolvable):
    """One Sage Intacct company: DDS tables from its S3 deliveries, API tables, reverse syncs into it, and its
    doctor, in a warehouse file of its own."""

    company: str
    intacct: IntacctConnection | None = None
    api: ApiIngestionSettings | None = None
    dds: DdsIngestionSettings | None = None
    s3: S3Connection | None = None
    warehouse: WarehouseSettings | None = None
    catalog: str | None = None  # a catalog YAML of your own objects, relative to this defs.yaml
    syncs: str | list[dict[str, Any]] | None = None  # a syncs YAML (relative to this defs.yaml) or the syncs inline
    sources_cron: str = DEFAULT_SOURCES_CRON  # how often tables read by syncs but produced elsewhere are looked at
    translation: TranslationBlock | None = None

    def get_asset_spec(self, data: IntacctAssetData) -> dg.AssetSpec:
        """The spec of one asset; override in a subclass, like ``DltLoadCollectionComponent.get_asset_spec``."""
        return self.translator.get_asset_spec(data)

    @cached_property
    def translator(self) -> IntacctTranslator:
        return IntacctTranslator()

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        from intacct_assets.components.definitions import company_definitions

        company = self.company_for(context)
        definitions = company_definitions(company, _ComponentTranslator(self))
        return dg.Definitions.merge(definitions, dg.Definitions(resources=self.resources(company, context.path)))

    # ------------------------------------------------------------------ settings
    def environment(self, root: Path) -> dict[str, str]:
        """The ``INTACCT_*`` values this YAML sets (never secrets); file paths relative to ``root``, its folder."""
        api = replace(self.api, queries=_within(root, self.api.queries)) if self.api else None
        return {
            **variables(self.intacct, INTACCT_VARIABLES),
            **variables(api, API_VARIABLES),
            **variables(self.dds, DDS_VARIABLES),
        }

    def company_for(self, context: dg.ComponentLoadContext) -> Company:
        if not COMPANY_NAME.match(self.company):
            raise ValueError(
                f"company {self.company!r} must be lower_snake_case (letters, digits, '_', at most 40): "
                "it becomes part of asset keys, job and sensor names"
            )
        environment = layered_environment(self.environment(context.path), isolated=True)
        files = (BUILTIN_CATALOG, *([Path(_within(context.path, self.catalog))] if self.catalog else []))
        for file in files[1:]:
            if not file.is_file():
                raise ValueError(f"catalog {file} (company {self.company}) does not exist")
        syncs, syncs_file = self._syncs(context.path)
        return Company(
            name=self.company,
            catalog=parse_catalog(*files),
            catalog_files=files,
            api=ApiSettings.from_env(environment),
            dds=DdsSettings.from_env(environment),
            syncs=tuple(syncs),
            syncs_file=syncs_file,
            warehouse_path=self.warehouse_path(context),
            dds_objects=frozenset(o.upper() for o in self.dds.objects)
            if self.dds and self.dds.objects is not None
            else None,
            api_objects=frozenset(self.api.objects) if self.api and self.api.objects is not None else None,
            sources_cron=self.sources_cron,
        )

    def _syncs(self, root: Path) -> tuple[list, Path | None]:
        if self.syncs is None:
            return [], None
        if isinstance(self.syncs, list):
            return sync_specs(self.syncs, f"company {self.company} syncs"), None
        file = Path(_within(root, self.syncs))
        if not file.is_file():
            raise SyncSpecError(f"syncs {file} (company {self.company}) does not exist")
        return parse_syncs(file.read_text(), str(file)), file

    def warehouse_path(self, context: dg.ComponentLoadContext) -> str:
        path = self.warehouse.path if self.warehouse and self.warehouse.path else f"data/{self.company}.duckdb"
        if path.startswith(("md:", "motherduck:")) or Path(path).is_absolute():
            return path
        return str(context.project_root / path)

    def resources(self, company: Company, root: Path) -> dict[str, object]:
        """This company's resources, under keys of its own: secrets as ``EnvVar`` references only."""
        intacct, s3 = self.intacct or IntacctConnection(), self.s3 or S3Connection()
        secrets = {name: ref.env_var() if (ref := getattr(intacct, name)) else "" for name in INTACCT_SECRETS}
        s3_settings = {
            name: getattr(s3, name)
            for name in ("endpoint_url", "region_name", "profile_name", "aws_access_key_id")
            if getattr(s3, name)
        }
        if s3.aws_secret_access_key:
            s3_settings["aws_secret_access_key"] = s3.aws_secret_access_key.env_var()
        environment = self.environment(root)
        return {
            company.named("intacct"): IntacctResource(environment=environment, isolated=True, **secrets),
            company.named("dds"): DdsResource(environment=environment, isolated=True),
            company.named("warehouse"): WarehouseResource(
                database=company.warehouse_path,
                memory_limit=self.warehouse.memory_limit if self.warehouse and self.warehouse.memory_limit else "",
            ),
            company.named("s3"): S3Resource(**s3_settings),
        }


def _within(root: Path, value: str | None) -> str | None:
    return str(root / value) if value else None


class _ComponentTranslator(IntacctTranslator):
    """The component's ``get_asset_spec`` (a subclass may override it), then its ``translation`` block."""

    def __init__(self, component: IntacctComponent) -> None:
        self.component = component

    def get_asset_spec(self, data: IntacctAssetData) -> dg.AssetSpec:
        spec = self.component.get_asset_spec(data)
        return self.component.translation(spec, data) if self.component.translation else spec
