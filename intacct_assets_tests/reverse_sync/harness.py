"""The reverse-sync harness: one sync spec run against a sandbox the way the asset runs it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx
import polars as pl

from intacct_assets.reverse_sync.engine import ReverseSync
from intacct_assets.reverse_sync.spec import parse_syncs
from intacct_assets.warehouse.connection import run


class SyncHarness:
    """Runs one sync spec against the sandbox the way the asset does."""

    def __init__(self, sandbox, warehouse, make_client, **env):
        self.sandbox, self.warehouse, self.make_client = sandbox, warehouse, make_client
        self.env = env
        self.client = make_client(sandbox, **env)
        self.runs = 0
        self.advanced = timedelta()

    def settings(self, **env) -> None:
        """Later runs use a client with these settings (e.g. ``INTACCT_API_BATCH_IDEMPOTENCY="trust"``)."""
        self.env = {**self.env, **env}
        self.client = self.make_client(self.sandbox, **self.env)

    def table(self, name: str, rows: list[dict], schema: dict | None = None) -> None:
        """(Re)create a source table, e.g. ``analytics.crm_customers``."""
        frame = pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
        schema_name, table = name.split(".")
        with self.warehouse.connect() as connection:
            connection.register("_rows", frame.to_arrow())
            run(connection, f"CREATE SCHEMA IF NOT EXISTS {schema_name}")
            run(connection, f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _rows")
            connection.unregister("_rows")

    def sync(self, yaml_text: str, dry_run: bool = False, **pending):
        """``pending``: ``pending_written`` / ``pending_resend`` idempotency keys, as in the asset's config."""
        self.runs += 1
        [spec] = parse_syncs(yaml_text)
        return ReverseSync(spec, self.warehouse, self.client, run_id=f"run-{self.runs}", clock=self.now).run(
            dry_run, **pending
        )

    def now(self) -> datetime:
        """The engine's clock: now, moved as far as :meth:`advance` moved the sandbox's."""
        return datetime.now(UTC).replace(tzinfo=None) + self.advanced

    def advance(self, hours: float) -> None:
        """Hours pass, for Intacct (the sandbox) and for the sync alike."""
        self.sandbox.advance_clock(hours * 3600)
        self.advanced += timedelta(hours=hours)

    @contextmanager
    def dying(self, when: str, marker: bytes) -> Iterator[None]:
        """Inside, the run dies (RuntimeError "the worker died") at the first request to Intacct whose URL or
        body holds ``marker``: before it is sent (``when="request"``: Intacct never sees it) or once it is
        answered (``when="response"``: Intacct committed it, the run recorded nothing)."""

        def die(message: httpx.Request | httpx.Response) -> None:
            request = message if isinstance(message, httpx.Request) else message.request
            if marker in str(request.url).encode() + request.content:
                raise RuntimeError("the worker died")

        normal = self.client
        self.client = self.make_client(self.sandbox, http=httpx.Client(event_hooks={when: [die]}), **self.env)
        try:
            yield
        finally:
            self.client = normal

    def records_written(self) -> int:
        """Records the sandbox has created, updated or deleted so far (any face)."""
        return self.sandbox.stats(recent=0)["records_written"]
