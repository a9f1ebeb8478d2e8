"""What an API asset reads: a catalog object (REST or XML) or a custom query, with its sync options."""

from __future__ import annotations

from dataclasses import dataclass, field

from intacct_assets.api_ingest.schema import ENTITY_COLUMN, column_name
from intacct_assets.api_ingest.settings import ApiSettings
from intacct_assets.api_ingest.sources import REST_MODIFIED, RefusedFields, RestSource, XmlSource
from intacct_assets.catalog import CatalogObject
from intacct_assets.intacct import IntacctClient
from intacct_assets.intacct.filters import Filter

API_SCHEMA = "api"


@dataclass(frozen=True)
class CustomRead:
    """A custom query: selected fields and the user's WHERE, read completely at every run."""

    fields: tuple[str, ...]
    filter: Filter | None
    sql: str


@dataclass(frozen=True)
class SyncTarget:
    name: str  # asset and table name (``api.<name>``)
    object: str  # Intacct object name as XML knows it (CUSTOMER): AUDITHISTORY type, XML reads
    rest: str | None  # REST object path; None = read through the XML gateway
    key: tuple[str, ...]  # key field(s) on the wire
    modified: str | None  # last-modified field on the wire; None = no incremental reads
    deletes: str  # audit_history | reconcile | off | auto
    entity_scoped: bool = True
    xml_function: str = "query"
    cadence: str | None = None
    declared: dict[str, str] = field(default_factory=dict)  # catalog column types by XML field
    custom: CustomRead | None = None
    entities: tuple[str, ...] | None = None  # None = the settings' entity contexts
    name_field: str | None = None  # wire field AUDITHISTORY names a record by (OBJECTKEY); None = the key

    @classmethod
    def from_catalog(cls, obj: CatalogObject, settings: ApiSettings) -> SyncTarget:
        binding = obj.api
        if binding is None:
            raise ValueError(f"{obj.name} has no api binding")
        return cls(
            name=binding.name,
            object=obj.name,
            rest=binding.rest,
            key=("key",) if binding.rest else obj.key,
            modified=REST_MODIFIED if binding.rest else obj.modified,
            deletes=binding.deletes or settings.deletes,
            entity_scoped=binding.entity_scoped,
            xml_function=binding.xml_function,
            cadence=binding.cadence,
            declared=dict(obj.columns),
            name_field="id" if binding.rest else obj.unique_name,
        )  # REST: the name field is the record's id

    def source(
        self,
        client: IntacctClient,
        entity: str | None,
        page_size: int,
        *,
        include_private: bool = False,
        refused: RefusedFields | None = None,
    ) -> RestSource | XmlSource:
        """Where this target's rows come from, in one entity context (None: the credentials' default);
        ``include_private``: the top level's reads include private entities' records; ``refused``: fields
        Intacct refuses to query, left out."""
        if self.rest:
            return RestSource(client, self.rest, entity, page_size, include_private=include_private, refused=refused)
        return XmlSource(
            client,
            self.object,
            entity,
            page_size,
            key=self.key,
            modified=self.modified,
            declared=self.declared,
            function=self.xml_function,
            base_filter=self.custom.filter if self.custom else None,
            include_private=include_private,
            refused=refused,
        )

    @property
    def key_columns(self) -> tuple[str, ...]:
        """Warehouse key: the entity context, then the record key (see README: multi-entity)."""
        return (ENTITY_COLUMN, *(column_name(k) for k in self.key))

    @property
    def description(self) -> str:
        if self.custom is not None:
            return f"Custom query `{self.custom.sql}`, read completely at every run."
        face = f"REST `{self.rest}`" if self.rest else f"XML `{self.object}`"
        return (
            f"Intacct {self.object} through {face}, one row per entity context and "
            f"{', '.join(self.key)}; newest version wins, deletes kept as `_intacct_deleted`."
        )
