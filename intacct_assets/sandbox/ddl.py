"""getDdsDdl output: PostgreSQL DDL for a DDS object (columns in file order, primary key, link comments)."""

from __future__ import annotations

from intacct_assets.sandbox.objects import ObjectDef, Registry

DDL_TYPES = {
    "string": "varchar",
    "integer": "integer",
    "decimal": "numeric",
    "date": "date",
    "timestamp": "timestamp",
    "boolean": "boolean",
}


def dds_columns(defn: ObjectDef) -> list[tuple[str, str]]:
    """(column, type) in the order headerless files use; ``ddsReadTime`` last."""
    return [(f.name, f.type) for f in defn.dds_fields] + [("ddsReadTime", "timestamp")]


def ddl(registry: Registry, defn: ObjectDef) -> str:
    columns = ", ".join(f"{name} {DDL_TYPES[kind]}" for name, kind in dds_columns(defn))
    pk = ",".join(defn.dds_pk)
    lines = [
        f"create table {defn.name} ({columns});",
        f"alter table {defn.name} add constraint PK_{defn.name} primary key({pk});",
    ]
    for ref in defn.refs:
        target = registry[ref.target]
        if "." not in ref.field and ref.field in defn.by_name:
            lines.append(f"-- Link column {ref.field} to {target.name}.{target.id_field or 'RECORDNO'}")
    return "\n".join(lines) + "\n"
