"""Syncing one API asset into ``api.<name>``: per entity context, read what changed, then deletions.

* **Full load** (first run, full refresh): all keys up to the largest key seen by a one-row probe,
  in key order, pages verified by count (the set can only shrink). Progress (last verified key)
  commits with every merge, so an interrupted full load resumes where it stopped. Afterwards the
  cursor is the newest modified time read minus the load's duration (a safe lower bound for
  "server time when the load started": nothing changed during the load is missed).
* **Incremental**: the window ``modified >= cursor - look-back`` in (modified, key) order, pages
  verified by overlap; the cursor advances to the last verified row and commits with its rows.
* **Snapshot** (custom queries, objects without a modified time): everything, every run; live
  rows that are no longer there are tombstoned.
* **Deletes**: audit-trail delete events since the last read (fetched while the data pages
  come in), or a periodic reconciliation of the full key list (also repairs missing or stale rows).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta

import duckdb
import polars as pl

from intacct_assets.api_ingest import schema
from intacct_assets.api_ingest.delete_detection import DeleteDetection
from intacct_assets.api_ingest.pager import Pager, PagerStats, Rows, Scan, Verified
from intacct_assets.api_ingest.report import ContextReport, IngestReport
from intacct_assets.api_ingest.schema import ENTITY_COLUMN, FieldSpec
from intacct_assets.api_ingest.settings import ApiSettings
from intacct_assets.api_ingest.sources import Page, PageRequest, RefusedFields
from intacct_assets.api_ingest.state import CallRecorder, load_state
from intacct_assets.api_ingest.targets import API_SCHEMA, SyncTarget
from intacct_assets.api_ingest.typed_pages import typed_batch, utc_now
from intacct_assets.api_ingest.writer import Writer
from intacct_assets.intacct import IntacctClient
from intacct_assets.intacct.errors import IntacctConfigError
from intacct_assets.intacct.filters import Compare, all_of
from intacct_assets.warehouse.column_types import parse_timestamp
from intacct_assets.warehouse.connection import Warehouse, run, transaction
from intacct_assets.warehouse.merge import DELETED, MODIFIED, TargetTable
from intacct_assets.warehouse.sql import table_name


class ApiIngestion:
    """Syncs targets with one client into one warehouse; every call is logged in ``intacct_meta.api_calls``."""

    def __init__(
        self, client: IntacctClient, warehouse: Warehouse, settings: ApiSettings, run_id: str | None = None
    ) -> None:
        self.client, self.warehouse, self.settings, self.run_id = client, warehouse, settings, run_id

    def sync(self, target: SyncTarget, *, full_refresh: bool = False, reconcile: bool = False) -> IngestReport:
        started, mark = time.perf_counter(), self.client.calls.mark()
        recorder = CallRecorder(self.client.calls, self.run_id, target.name)
        reports: list[ContextReport] = []
        try:
            for context in self.contexts(target):
                reports.append(_ContextSync(self, target, context, full_refresh, reconcile, recorder).run())
        finally:
            if recorder.pending:
                with self.warehouse.connect() as connection, transaction(connection):
                    recorder.write(connection)
        return IngestReport(target.name, reports, self.client.calls.since(mark), time.perf_counter() - started)

    def contexts(self, target: SyncTarget) -> list[str]:
        if target.entities is not None and target.entity_scoped:
            return list(target.entities)
        return self.settings.contexts(target.entity_scoped, self.client.settings.entity_id)


class _ContextSync(DeleteDetection):
    def __init__(
        self,
        ingestion: ApiIngestion,
        target: SyncTarget,
        context: str,
        full_refresh: bool,
        force_reconcile: bool,
        recorder: CallRecorder,
    ) -> None:
        self.ingestion, self.target, self.full_refresh, self.force_reconcile = (
            ingestion,
            target,
            full_refresh,
            force_reconcile,
        )
        self.recorder = recorder
        self.client, self.settings = ingestion.client, ingestion.settings
        self.tag = context or ingestion.client.settings.entity_id  # what rows are tagged with
        client_entity = context or None  # None: the credentials' default context
        self.report = ContextReport(self.tag)
        self.include_private = self.settings.include_private and not self.tag
        self.refused = RefusedFields(fixed=target.custom is not None)  # a custom query's fields are the user's
        self.source = target.source(
            self.client,
            client_entity,
            self.settings.page_size,
            include_private=self.include_private,
            refused=self.refused,
        )
        self.key = target.key[0]
        self.concurrency = self.client.limiter.limit
        self.max_modified: datetime | None = None

    # ------------------------------------------------------------------ run
    def run(self) -> ContextReport:
        with self.ingestion.warehouse.connect() as connection:
            self.state = load_state(connection, self.target.name, self.tag)
            self.had_rows = self._live_rows(connection) > 0
        self.report.cursor_before = self.state.cursor
        self.refused.names.update(json.loads(self.state.refused_fields or "[]"))
        remembered = set(self.refused.names)
        self.writer: Writer | None = None
        try:
            with ThreadPoolExecutor(max_workers=2, thread_name_prefix="intacct-side") as side:
                self.side = side
                self._run()
        finally:
            if self.writer is not None:
                self.writer.wait()  # a failed sync leaves no merge running behind it
        self.state.last_run_id, self.state.last_success_at = self.ingestion.run_id, utc_now()
        self._remember_refused(self.refused.names - remembered)
        self.writer.flush(self.recorder.write)
        self.recorder.committed()
        self.report.counts, self.report.rejected = self.writer.counts, self.writer.rejected
        self.report.cursor_after = self.state.cursor
        return self.report

    def _run(self) -> None:
        state = self.state
        loading = (
            self.target.custom is None
            and self.target.xml_function == "query"
            and (self.full_refresh or (state.cursor is None and state.full_load_max_key is None))
        )
        # a new full load needs the largest key: ask for it while the field list is being discovered
        self.probe = self.side.submit(self._keys_probe) if loading else None
        self.fields = self._fields()
        self.source.know(self.fields)
        columns = {f.column: f.type for f in self.fields} | {ENTITY_COLUMN: "string"}
        self.table = TargetTable(API_SCHEMA, self.target.name, self.target.key_columns, columns)
        self.writer = Writer(
            self.ingestion.warehouse,
            self.table,
            self.state,
            self.settings.flush_rows,
            self.ingestion.run_id,
            f"{API_SCHEMA}.{self.target.name}",
            new_keys_likely=not self.had_rows,
        )
        incremental = (
            self.target.custom is None
            and self.modified is not None
            and not self.full_refresh
            and self.state.cursor is not None
        )
        audit = self.side.submit(self._audit_events) if incremental and self._audit_wanted() else None
        if self.target.custom is not None or self.modified is None:
            self._snapshot()
        elif incremental:
            self._incremental()
        else:
            self._full_load()
        self._deletions(audit)

    def _remember_refused(self, new: set[str]) -> None:
        """Fields Intacct refused during this run: kept out of the field list from now on, and said."""
        if not new:
            return
        self.state.refused_fields = json.dumps(sorted(self.refused.names))
        if self.state.fields_json:
            self.state.fields_json = schema.dumps(
                [f for f in schema.loads(self.state.fields_json) if f.source not in self.refused.names]
            )
        self.report.warnings.append(
            f"Intacct refused to query {', '.join(sorted(new))} of {self.target.rest or self.target.object}: "
            "left out of every later read (the column keeps its earlier values and stays empty for new rows)"
        )

    @property
    def modified(self) -> str | None:
        names = {f.source for f in self.fields}
        return self.target.modified if self.target.modified in names else None

    def _fields(self) -> list[FieldSpec]:
        """The object's fields: discovered (model / lookup, both free), reused for a while from the state."""
        state, refresh = self.state, timedelta(hours=self.settings.model_refresh_hours)
        custom = self.target.custom
        wanted = list(dict.fromkeys((*self.target.key, *custom.fields))) if custom and custom.fields else None
        if state.fields_json and state.fields_at and not self.full_refresh and utc_now() - state.fields_at < refresh:
            cached = schema.loads(state.fields_json)
            if wanted is None or [f.source for f in cached] == wanted:  # an edited query is discovered again
                return cached
        discovered = [f for f in self.source.discover() if f.source not in self.refused.names]
        if wanted is not None:
            by_name = {f.source: f for f in discovered}
            discovered = [by_name.get(name) or FieldSpec(name, schema.column_name(name), "string") for name in wanted]
        if not any(f.source == self.key for f in discovered):
            raise IntacctConfigError(
                f"{self.target.name}: the key field {self.key!r} is not a field of "
                f"{self.target.rest or self.target.object}"
            )
        state.fields_json, state.fields_at = schema.dumps(discovered), utc_now()
        return discovered

    def _live_rows(self, connection) -> int:
        """Outside a transaction: a missing table simply has none (cheaper than asking the catalog views)."""
        try:
            return run(
                connection,
                f"SELECT count(*) FROM {table_name(API_SCHEMA, self.target.name)} WHERE "
                f"{ENTITY_COLUMN} = ? AND NOT {DELETED}",
                [self.tag],
            )[0][0]
        except duckdb.CatalogException:
            return 0

    # ------------------------------------------------------------------ reading
    def _request(
        self, fields: Iterable[str], filter, order: tuple[str, ...], size: int | None = None, descending: bool = False
    ) -> PageRequest:
        return PageRequest(tuple(fields), filter, order, 1, size or self.source.page_limit, descending)

    def _page(
        self, mode: str, scan: Scan, total: int, first: Page | None = None, last: Future | None = None
    ) -> Iterator[Rows | Verified]:
        pager = Pager(self.source, scan, mode, self.concurrency, self.settings.max_offset)
        scan.stats.pages += (first is not None) + (last is not None)
        yield from pager.run(total, first, last)
        self._count(scan.stats)

    def _count(self, stats: PagerStats) -> None:
        self.report.pages += stats.pages
        self.report.repairs += stats.repairs

    def _add(self, raw: pl.DataFrame) -> None:
        batch, rejected = typed_batch(raw, self.fields, self.tag, self.modified, self.key)
        self.report.fetched += raw.height
        newest = batch[MODIFIED].max() if batch.height else None
        if newest is not None and (self.max_modified is None or newest > self.max_modified):
            self.max_modified = newest
        self.writer.add(batch, rejected)

    def _keys_probe(self, filter=None) -> Page:
        """One row: the largest key (and the size of the set)."""
        return self.source.fetch(self._request((self.key,), filter, (self.key,), size=1, descending=True))

    def _last_page(self, probe: Page, filter, fields: tuple[str, ...]) -> Future | None:
        """The last page of a full load's key range, read in the probe's order (the server has just sorted
        it) while the first page pays for the range's own sort: one round less.

        Its total is comparable with the range's only if nothing was added above the probed largest key.
        """
        if not self.source.page_limit < probe.total <= self.settings.max_offset:
            return None
        largest = probe.frame[self.key][0]

        def read() -> Page:
            page = self.source.fetch(self._request(fields, filter, (self.key,), descending=True))
            comparable = page.frame.height > 0 and page.frame[self.key][0] == largest
            return Page(page.frame.reverse(), page.total if comparable else -1)

        return self.side.submit(read)

    def _sequential(self, fields: tuple[str, ...], filter) -> Iterator[pl.DataFrame]:
        """readByQuery objects: one consistent server-side result set, read with readMore."""
        for page in self.source.read_all(fields, filter):
            self.report.pages += 1
            yield page.frame
            self.writer.checkpoint()  # no cursor moves during such a read: merge as the rows come

    # ------------------------------------------------------------------ modes
    def _full_load(self) -> None:
        state, started = self.state, utc_now()
        resume = not self.full_refresh and state.full_load_max_key is not None
        self.report.mode = "resumed full load" if resume else "full load"
        fields = tuple(f.source for f in self.fields)
        seen: list[pl.Series] = []
        tombstone_missing = self.had_rows and not resume
        if self.target.xml_function == "readByQuery":
            for frame in self._sequential(fields, None):
                self._add(frame)
                seen.append(frame[self.key])
        else:
            if resume:
                after = state.full_load_after_key
                bounds = all_of(
                    Compare("gt", self.key, after) if after else None, Compare("lte", self.key, state.full_load_max_key)
                )
                probed, probe = bounds, self._keys_probe(bounds)
            else:
                probed, probe = None, self.probe.result()
                state.full_load_max_key = probe.frame[self.key][0] if probe.frame.height else None
                state.full_load_started_at = started
                state.full_load_after_key = state.full_load_max_modified = None
                bounds = Compare("lte", self.key, state.full_load_max_key)
            self.report.pages += 1
            if state.full_load_max_key is not None:
                scan = Scan(fields, bounds, (self.key,))
                for event in self._page("count", scan, probe.total, last=self._last_page(probe, probed, fields)):
                    if isinstance(event, Rows):
                        self._add(event.frame)
                        if tombstone_missing:
                            seen.append(event.frame[self.key])
                        state.full_load_max_modified = _newest(state.full_load_max_modified, self.max_modified)
                    else:
                        state.full_load_after_key = event.last[self.key]
                        self.writer.checkpoint(remaining=probe.total - scan.stats.rows)
        load_started = state.full_load_started_at or started
        newest = _newest(state.full_load_max_modified, self.max_modified)
        state.cursor = newest - (utc_now() - load_started) if newest is not None else None
        state.deletes_cursor = state.cursor
        state.reconciled_at = load_started if not resume else state.reconciled_at
        state.clear_full_load()
        if tombstone_missing:
            self._tombstone_unseen(seen, started)

    def _incremental(self) -> None:
        self.report.mode = "incremental"
        state, modified = self.state, self.modified
        since = state.cursor - timedelta(seconds=self.settings.lookback_seconds)
        window = Compare("gte", modified, self.source.timestamp_text(since))
        fields = tuple(f.source for f in self.fields)
        if self.target.xml_function == "readByQuery":
            started = utc_now()
            for frame in self._sequential(fields, window):
                self._add(frame)
            if self.max_modified is not None:
                state.cursor = max(state.cursor, self.max_modified - (utc_now() - started))
            return
        order = (modified, self.key)
        first = self.source.fetch(self._request(fields, window, order))
        scan = Scan(fields, window, order)
        for event in self._page("overlap", scan, first.total, first):
            if isinstance(event, Rows):
                self._add(event.frame)
            elif (moment := parse_timestamp(event.last[modified])) is not None:
                state.cursor = max(state.cursor, moment)
                self.writer.checkpoint(remaining=first.total - scan.stats.rows)

    def _snapshot(self) -> None:
        """Everything, every run; live rows that are gone are tombstoned."""
        self.report.mode = "snapshot"
        started, seen = utc_now(), []
        fields = tuple(f.source for f in self.fields)
        first = self.source.fetch(self._request(fields, None, (self.key,)))
        scan = Scan(fields, None, (self.key,))
        for event in self._page("overlap", scan, first.total, first):
            if isinstance(event, Rows):
                self._add(event.frame)
                seen.append(event.frame[self.key])
            else:
                self.writer.checkpoint(remaining=first.total - scan.stats.rows)
        self.state.reconciled_at = started
        if self.had_rows:
            self._tombstone_unseen(seen, started)

    # ------------------------------------------------------------------ deletions


def _newest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return max(present) if present else None
