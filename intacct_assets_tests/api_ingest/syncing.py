"""Running API syncs of a sandbox into a warehouse the way the assets do, and reading the sandbox's side."""

from __future__ import annotations

from intacct_assets.api_ingest.settings import ApiSettings
from intacct_assets.api_ingest.sync import ApiIngestion, IngestReport
from intacct_assets.api_ingest.targets import SyncTarget
from intacct_assets.catalog import Catalog, load_catalog
from intacct_assets.warehouse.connection import Warehouse, run

SMALL_PAGES = {"INTACCT_API_PAGE_SIZE": "25", "INTACCT_API_FLUSH_ROWS": "40"}


class Syncer:
    """Runs API syncs of one sandbox into one warehouse, the way the assets do."""

    def __init__(
        self, sandbox, warehouse: Warehouse, make_client, env: dict[str, str], catalog: Catalog | None = None
    ) -> None:
        self.sandbox, self.warehouse, self.catalog = sandbox, warehouse, catalog or load_catalog()
        self.settings_env = env
        self.settings = ApiSettings.from_env(env)
        self.client = make_client(sandbox, **env)
        self.runs = 0

    def target(self, name: str) -> SyncTarget:
        return SyncTarget.from_catalog(self.catalog.by_api_name(name), self.settings)

    def sync(self, name: str | SyncTarget, **options) -> IngestReport:
        self.runs += 1
        target = self.target(name) if isinstance(name, str) else name
        return ApiIngestion(self.client, self.warehouse, self.settings, run_id=f"run-{self.runs}").sync(
            target, **options
        )

    def rows(self, table: str, entity: str = "", live: bool = True) -> dict[str, dict]:
        """The table's rows of one entity context by record key (``key`` or ``RECORDNO``)."""
        with self.warehouse.connect() as connection:
            columns = [
                c
                for (c,) in run(
                    connection,
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = 'api' AND table_name = ?",
                    [table],
                )
            ]
            found = run(
                connection,
                f'SELECT * FROM api."{table}" WHERE intacct_entity = ?' + (" AND NOT _intacct_deleted" if live else ""),
                [entity],
            )
        key = "key" if "key" in columns else "RECORDNO"
        return {row[columns.index(key)]: dict(zip(columns, row, strict=True)) for row in found}

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with self.warehouse.connect() as connection:
            return run(connection, sql, params)


def intacct_customers(sandbox, entity: str | None = None) -> dict[str, dict]:
    """The sandbox's customers (stored form), by record number as text; ``entity`` as a REST header would scope."""
    records = sandbox.records("CUSTOMER")
    if entity is not None:
        records = [r for r in records if r.get("MEGAENTITYID") in (entity, None)]
    return {str(r["RECORDNO"]): r for r in records}
