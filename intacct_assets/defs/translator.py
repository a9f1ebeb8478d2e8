"""``IntacctTranslator``: what Dagster shows of every table and sync — keys, groups, kinds, descriptions and
metadata — from what the catalog and the YAML declare, before anything ran.

Subclass it (like ``dagster_sling.DagsterSlingTranslator``) and pass it to the asset builders, or use the
component's ``translation`` block, to change keys, groups, owners, tags or automation.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from intacct_assets.warehouse.merge import META_COLUMNS
from intacct_assets.warehouse.sql import DUCKDB_TYPES

GROUPS = {"dds": "dds", "api": "api", "reverse_sync": "reverse_sync", "source": "warehouse_sources"}
KINDS = {
    "dds": {"s3", "polars", "duckdb"},
    "api": {"intacct", "duckdb"},
    "reverse_sync": {"intacct", "duckdb"},
    "source": {"duckdb"},
}


@dataclass(frozen=True)
class IntacctAssetData:
    """Everything known about one asset when definitions load."""

    company: str | None  # None: the company of the environment variables
    kind: str  # dds | api | reverse_sync | source
    name: str  # table name, sync name, or the external table's name
    description: str
    table: str | None = None  # schema.table in the warehouse
    database: str | None = None  # the warehouse's catalog name, as a DuckDB client sees the file
    columns: tuple[tuple[str, str], ...] = ()  # (column, catalog type) known before the first run
    key_columns: tuple[str, ...] = ()
    metadata: dict[str, object] = field(default_factory=dict)  # intacct/object, intacct/cadence …
    code_file: Path | None = None  # where the asset is declared (catalog, syncs or custom query YAML)
    code_line: int | None = None
    deps: tuple[dg.AssetKey, ...] = ()
    automation_condition: dg.AutomationCondition | None = None
    freshness_policy: dg.FreshnessPolicy | None = None

    @property
    def key_root(self) -> list[str]:
        return ["intacct"] if self.company is None else ["intacct", self.company]


class IntacctTranslator:
    """The default translation: ``["intacct", (<company>,) <kind>, <name>]`` in group ``(<company>_)<kind>``."""

    def get_asset_spec(self, data: IntacctAssetData) -> dg.AssetSpec:
        return dg.AssetSpec(
            key=self.get_asset_key(data),
            group_name=self.get_group_name(data),
            kinds=KINDS[data.kind],
            description=data.description,
            metadata=self.get_metadata(data),
            deps=data.deps,
            automation_condition=data.automation_condition,
            freshness_policy=data.freshness_policy,
        )

    def get_asset_key(self, data: IntacctAssetData) -> dg.AssetKey:
        if data.kind == "source":  # a table produced elsewhere: its own name, schema first (dbt's shape)
            return dg.AssetKey(data.name.split("."))
        return dg.AssetKey([*data.key_root, data.kind, data.name])

    def get_group_name(self, data: IntacctAssetData) -> str:
        group = GROUPS[data.kind]
        return group if data.company is None else f"{data.company}_{group}"

    def get_metadata(self, data: IntacctAssetData) -> dict[str, object]:
        metadata: dict[str, object] = dict(data.metadata)
        if data.table:
            metadata["dagster/table_name"] = f"{data.database}.{data.table}" if data.database else data.table
        if data.columns or data.key_columns:
            metadata["dagster/column_schema"] = column_schema(
                data.columns, data.key_columns, with_bookkeeping=data.kind in ("dds", "api")
            )
        if data.code_file is not None:
            with warnings.catch_warnings():  # code references are beta in Dagster 1.13; the UI shows them already
                warnings.simplefilter("ignore", dg.BetaWarning)
                metadata["dagster/code_references"] = dg.CodeReferencesMetadataValue(
                    code_references=[
                        dg.LocalFileCodeReference(
                            file_path=str(data.code_file.resolve()), line_number=data.code_line, label="declared in"
                        )
                    ]
                )
        return metadata


def column_schema(
    columns: tuple[tuple[str, str], ...], key: tuple[str, ...], with_bookkeeping: bool = True
) -> dg.TableSchema:
    """The columns the catalog declares (key columns first, each NOT NULL and together unique), then the
    bookkeeping columns every ingested table carries."""
    declared = dict(columns)
    ordered = [*key, *(name for name in declared if name not in key)]
    table_columns = [
        dg.TableColumn(
            name,
            DUCKDB_TYPES[declared.get(name, "string")],
            constraints=dg.TableColumnConstraints(nullable=False) if name in key else None,
        )
        for name in ordered
    ]
    if with_bookkeeping:
        table_columns += [dg.TableColumn(name, kind.split("(")[0].split(" ")[0]) for name, kind in META_COLUMNS.items()]
    constraints = dg.TableConstraints(other=[f"unique ({', '.join(key)})"]) if key else None
    return dg.TableSchema(columns=table_columns, constraints=constraints)
