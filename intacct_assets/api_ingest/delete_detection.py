"""How one entity context of an API sync finds deletions: audit-trail events since the last read, or a
periodic reconciliation of the full key list (which also re-reads missing or stale rows), or, for a snapshot,
every live row not read again. A part of the context's sync (``sync._ContextSync``), kept apart because it
is a subject of its own."""

from __future__ import annotations

from concurrent.futures import Future
from datetime import datetime, timedelta

import polars as pl

from intacct_assets.api_ingest import schema
from intacct_assets.api_ingest.audit import REST_AUDIT, AuditTrail
from intacct_assets.api_ingest.deletes import (
    AuditMatch,
    apply_audit_deletions,
    reconcile,
    tombstone_absent,
    tombstone_deleted,
    unseen_creations,
)
from intacct_assets.api_ingest.pager import Pager, Rows, Scan
from intacct_assets.api_ingest.sources import PageRequest
from intacct_assets.api_ingest.typed_pages import utc_now
from intacct_assets.intacct.errors import IntacctApiError, IntacctConfigError, IntacctXmlError
from intacct_assets.intacct.filters import Compare
from intacct_assets.warehouse.column_types import timestamp

REFETCH_CHUNK = 1000  # keys per "key in (...)" query when reconciliation re-reads rows


class DeleteDetection:
    """Mixed into the context's sync, whose state, source, writer and report it uses."""

    def _audit_wanted(self) -> bool:
        return self.target.deletes in ("auto", "audit_history")

    def _audit_events(self) -> pl.DataFrame:
        """The object's creation and deletion events since the last read (minus the look-back), over REST for
        REST objects."""
        trail = AuditTrail.of(self.client, self.target, self.source.entity, self.settings.page_size, ("C", "D"))
        since = (self.state.deletes_cursor or self.state.cursor) - timedelta(seconds=self.settings.lookback_seconds)
        window = trail.window(since)
        first = trail.source.fetch(PageRequest(trail.fields, window, trail.order, 1, trail.source.page_limit))
        scan = Scan(trail.fields, window, trail.order)
        pager = Pager(trail.source, scan, "overlap", self.concurrency, self.settings.max_offset)
        frames = [event.frame for event in pager.run(first.total, first) if isinstance(event, Rows)]
        self.report.pages += scan.stats.pages + 1
        return trail.events(frames)

    def _deletions(self, audit: Future | None) -> None:
        method = self.target.deletes
        if audit is not None:
            try:
                events = audit.result()
            except (IntacctXmlError, IntacctApiError) as error:
                if not error.permission_denied:
                    raise
                trail = REST_AUDIT if self.target.rest else "AUDITHISTORY"  # the face AuditTrail.of reads
                if method == "audit_history":
                    raise IntacctConfigError(
                        f"{self.target.name}: the audit trail ({trail}) is not readable by this user ({error}); "
                        "grant it (View permission for custom reports), or set INTACCT_API_DELETES=reconcile (or the "
                        "catalog's deletes: reconcile)"
                    ) from error
                self.report.warnings.append(f"{trail} is not readable: deletions come from key reconciliation")
                method = "reconcile"
            else:
                self._apply_audit(events)
        if self.force_reconcile or (method == "reconcile" and self._reconciliation_due()):
            self._reconcile()

    def _apply_audit(self, events: pl.DataFrame) -> None:
        """Deletions become tombstones; creations the window did not read (an empty modified time) are read."""
        deletions, creations = (events.filter(pl.col("ACCESSMODE") == mode) for mode in ("D", "C"))
        self.report.deletes, self.report.delete_events = "audit_history", deletions.height
        newest = events.select(timestamp(pl.col("ACCESSTIME")).max()).item() if events.height else None
        key, name = schema.column_name(self.key), schema.column_name(self.target.name_field or self.key)
        found: list[AuditMatch] = []
        unseen: list[tuple[list[str], list[str]]] = []

        def tombstone(connection) -> None:
            match = apply_audit_deletions(connection, self.table, self.tag, key, name, deletions)
            self.writer.counts += match.counts
            self.report.unmatched_delete_events = match.unmatched
            found.append(match)
            unseen.append(unseen_creations(connection, self.table, self.tag, key, name, creations))

        if newest is not None:
            self.state.deletes_cursor = max(filter(None, (self.state.deletes_cursor, newest)))
        self.writer.flush(tombstone)
        uncertain = found[0].uncertain if found else None
        if uncertain is not None and uncertain.height:  # rows a bare number may name: only those Intacct lost go
            gone = uncertain.filter(~pl.col("key").is_in(self._existing(uncertain["key"].unique().to_list())))

            def confirmed(connection) -> None:
                self.writer.counts += tombstone_deleted(connection, self.table, self.tag, key, gone)

            self.writer.flush(confirmed)
        names, keys = unseen[0] if unseen else ([], [])
        self._refetch(names, self.target.name_field or self.key)
        self._refetch(keys)

    def _existing(self, keys: list[str]) -> list[str]:
        """Which of these record keys Intacct still has (one query per 1,000)."""
        size, kept = min(REFETCH_CHUNK, self.source.page_limit), []
        for start in range(0, len(keys), size):
            page = self.source.fetch(
                self._request((self.key,), Compare("in", self.key, keys[start : start + size]), (self.key,), size=size)
            )
            self.report.pages += 1
            kept.extend(page.frame[self.key].to_list())
        return kept

    def _reconciliation_due(self) -> bool:
        last = self.state.reconciled_at
        return last is None or utc_now() - last >= timedelta(hours=self.settings.reconcile_hours)

    def _reconcile(self) -> None:
        """List every key (and modified time); tombstone live rows that are gone, re-read missing/stale ones."""
        self.report.deletes = "reconcile"
        started, modified = utc_now(), self.modified
        fields = (self.key, modified) if modified else (self.key,)
        frames: list[pl.DataFrame] = []
        if self.target.xml_function == "readByQuery":
            frames = list(self._sequential(fields, None))
        else:
            probe = self._keys_probe()
            self.report.pages += 1
            if probe.frame.height:
                bounds = Compare("lte", self.key, probe.frame[self.key][0])
                frames = [
                    e.frame
                    for e in self._page(
                        "count",
                        Scan(fields, bounds, (self.key,)),
                        probe.total,
                        last=self._last_page(probe, None, fields),
                    )
                    if isinstance(e, Rows)
                ]
        scanned = (pl.concat(frames) if frames else pl.DataFrame(schema={f: pl.String for f in fields})).rename(
            {self.key: "key", **({modified: "modified"} if modified else {})}
        )
        found: dict[str, object] = {}

        def compare(connection) -> None:
            result = reconcile(
                connection, self.table, self.tag, schema.column_name(self.key), modified, scanned, started
            )
            self.writer.counts += tombstone_absent(
                connection, self.table, self.tag, schema.column_name(self.key), result.absent
            )
            found.update(absent=result.absent.height, refetch=result.refetch)

        self.writer.flush(compare)
        self.report.delete_events += found["absent"]
        self._refetch(found["refetch"])
        self.state.reconciled_at = started

    def _refetch(self, values: list[str], field: str | None = None) -> None:
        """Read the records whose ``field`` (default: the key) is one of ``values``, in chunks."""
        fields = tuple(f.source for f in self.fields)
        size = min(REFETCH_CHUNK, self.source.page_limit)
        for start in range(0, len(values), size):
            chunk = values[start : start + size]
            page = self.source.fetch(
                self._request(fields, Compare("in", field or self.key, chunk), (self.key,), size=size)
            )
            self.report.pages += 1
            self.report.refetched += page.frame.height
            self._add(page.frame)
            self.writer.checkpoint()

    def _tombstone_unseen(self, seen: list[pl.Series], started: datetime) -> None:
        """After a complete read: live rows that were not read (and not written since) are gone."""
        keys = pl.concat(seen).rename("key").to_frame() if seen else pl.DataFrame(schema={"key": pl.String})

        def tombstone(connection) -> None:
            result = reconcile(connection, self.table, self.tag, schema.column_name(self.key), None, keys, started)
            self.writer.counts += tombstone_absent(
                connection, self.table, self.tag, schema.column_name(self.key), result.absent
            )
            self.report.delete_events += result.absent.height

        self.report.deletes = "snapshot"
        self.writer.flush(tombstone)
