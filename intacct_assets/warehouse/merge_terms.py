"""The terms of a merge: the table a batch goes to, what its records share (origin), an absence tombstone, and the
counts a merge reports. Plain values, shared by the DDS and API pipelines and the merge itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from intacct_assets.warehouse.sql import table_name


@dataclass(frozen=True)
class TargetTable:
    """Where a batch goes: schema, table, key and the catalog types of its business columns."""

    schema: str
    name: str
    key: tuple[str, ...]
    column_types: dict[str, str]

    @property
    def qualified(self) -> str:
        return table_name(self.schema, self.name)


@dataclass(frozen=True)
class BatchOrigin:
    """What every record of a batch shares: its source, delivery time and snapshot (if any)."""

    source: str
    delivered: datetime
    snapshot: str | None = None

    def params(self) -> dict[str, object]:
        return {"source": self.source, "delivered": self.delivered, "snapshot": self.snapshot}


@dataclass(frozen=True)
class Tombstone:
    """A deletion at ``moment`` by ``source``: the version of records a complete snapshot lacked."""

    moment: datetime
    source: str

    def sql(self, prefix: str) -> str:
        """The version struct, from parameters ``$<prefix>_moment`` and ``$<prefix>_source``."""
        moment = f"${prefix}_moment::TIMESTAMP"
        return f"struct_pack(modified := {moment}, read := {moment}, delivered := {moment}, source := ${prefix}_source)"

    def params(self, prefix: str) -> dict[str, object]:
        return {f"{prefix}_moment": self.moment, f"{prefix}_source": self.source}


@dataclass
class MergeCounts:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    def __iadd__(self, other: MergeCounts) -> MergeCounts:
        self.inserted += other.inserted
        self.updated += other.updated
        self.deleted += other.deleted
        self.unchanged += other.unchanged
        return self

    def __str__(self) -> str:
        return f"{self.inserted} inserted, {self.updated} updated, {self.deleted} deleted, {self.unchanged} unchanged"


def is_reserved_column(name: str) -> bool:
    """Names a business column cannot have: our bookkeeping prefix (in any case: DuckDB names are
    case-insensitive) and DuckDB's ``rowid``, which a column of that name would shadow in the merge."""
    folded = name.lower()
    return folded == "rowid" or folded.startswith("_intacct_")
