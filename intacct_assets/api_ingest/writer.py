"""Newest-wins merges that run while the next pages are fetched, each committed with the sync state.

Fetched rows are buffered; at each checkpoint (after the state moved forward) with ``flush_rows``
waiting, a background thread merges them in one DuckDB transaction together with a copy of the sync
state taken at the same moment (so the saved cursor never covers rows that are not in the table
yet). Fetching continues meanwhile; it only waits when two batches are pending. When the caller says
how many rows are still to come, the rows waiting near the end are merged early, so that little is
left for the last merge, which the sync waits for. ``flush()`` drains everything synchronously,
optionally with more work (tombstones, the call log) in the same transaction. The warehouse lock is
held only while merging.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable

import polars as pl

from intacct_assets.api_ingest.state import SyncState, save_state
from intacct_assets.api_ingest.typed_pages import API_ORIGIN, utc_now
from intacct_assets.warehouse.connection import Warehouse, transaction
from intacct_assets.warehouse.ledger import replace_rejected_rows
from intacct_assets.warehouse.merge import MergeCounts, TargetTable, merge_batch


@dataclasses.dataclass
class _Batch:
    frames: list[pl.DataFrame]
    rejects: list[tuple[int | None, str, str]]
    state: SyncState


class Writer:
    def __init__(
        self,
        warehouse: Warehouse,
        target: TargetTable,
        state: SyncState,
        flush_rows: int,
        run_id: str | None,
        rejects_source: str,
        new_keys_likely: bool = False,
    ) -> None:
        self.warehouse, self.target, self.state, self.flush_rows = warehouse, target, state, flush_rows
        self.new_keys_likely = new_keys_likely  # the table had no live rows: look for an append first
        self.run_id, self.rejects_source = run_id, rejects_source
        self.counts = MergeCounts()
        self.rejected = 0
        self._frames: list[pl.DataFrame] = []
        self._rejects: list[tuple[int | None, str, str]] = []
        self._buffered = 0
        self._remaining: int | None = None  # rows still to come, as of the last checkpoint
        self._changed = threading.Condition()
        self._merging = False
        self._error: BaseException | None = None

    def add(self, frame: pl.DataFrame, rejected: list[tuple[str, str]] = ()) -> None:
        with self._changed:
            while self._buffered >= 2 * self.flush_rows and self._merging and self._error is None:
                self._changed.wait()  # back-pressure: memory stays bounded
            self._raise_error()
            if frame.height:
                self._frames.append(frame)
                self._buffered += frame.height
            self._rejects.extend((None, reason, raw) for reason, raw in rejected)

    def checkpoint(self, remaining: int | None = None) -> None:
        """Start a background merge if enough rows wait; call it right after the state moved forward.

        ``remaining``: rows still to come, when known. Once fewer are to come than wait, the waiting rows
        are merged at once: the last merge, which the sync waits for, then holds only what arrives
        during the one before it instead of up to ``flush_rows``.
        """
        with self._changed:
            self._raise_error()
            self._remaining = remaining
            if self._merge_due() and not self._merging:
                self._merging = True
                threading.Thread(
                    target=self._merge_in_background, args=(self._take(),), daemon=True, name="intacct-merge"
                ).start()

    def wait(self) -> None:
        """Wait for a background merge to end (no merge may outlive a failed sync)."""
        with self._changed:
            while self._merging:
                self._changed.wait()

    def flush(self, extra: Callable[..., None] | None = None) -> None:
        """Merge everything buffered and save the state now; ``extra(connection)`` joins the transaction."""
        self.wait()
        with self._changed:
            self._raise_error()
            batch = self._take()
        self._commit(batch, extra)

    def _merge_due(self) -> bool:
        ending = self._remaining is not None and 0 < self._remaining < self._buffered
        return self._buffered >= self.flush_rows or ending

    def _take(self) -> _Batch:
        batch = _Batch(self._frames, self._rejects, dataclasses.replace(self.state))
        self._frames, self._rejects, self._buffered = [], [], 0
        return batch

    def _merge_in_background(self, batch: _Batch) -> None:
        try:
            self._commit(batch)
        except BaseException as error:
            self._error = error
        with self._changed:
            if self._error is None and self._merge_due():
                batch = self._take()
                threading.Thread(
                    target=self._merge_in_background, args=(batch,), daemon=True, name="intacct-merge"
                ).start()
            else:
                self._merging = False
            self._changed.notify_all()

    def _commit(self, batch: _Batch, extra: Callable[..., None] | None = None) -> None:
        now = utc_now()
        batch.state.updated_at = now
        rows = pl.concat(batch.frames, how="diagonal_relaxed") if batch.frames else None
        with self.warehouse.connect() as connection, transaction(connection):
            counts = (
                merge_batch(connection, self.target, rows, API_ORIGIN, now, new_keys_likely=self.new_keys_likely)
                if rows is not None
                else MergeCounts()
            )
            if batch.rejects:
                replace_rejected_rows(
                    connection, self.rejects_source, f"{self.run_id}:{now.isoformat()}", batch.rejects, self.run_id, now
                )
            if extra is not None:
                extra(connection)
            save_state(connection, batch.state)
        with self._changed:
            self.counts += counts
            self.rejected += len(batch.rejects)

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error
