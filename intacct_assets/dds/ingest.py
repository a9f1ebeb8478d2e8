"""Loading DDS files into the warehouse: download → parse (polars) → newest-wins merge (DuckDB).

Each file is one DuckDB transaction holding its rows, its rejected records, its ledger row and,
when it completes an ``all`` delivery, the absence tombstones; a crash leaves the previous state
and re-running the file converges. Files already loaded (same key and ETag) are skipped.

Consecutive small files of a run are downloaded and parsed first, then committed one by one under one
connection (one hold of the warehouse lock, one checkpoint): opening a connection and checkpointing cost
more than merging a file of a few records. A group holds at most ``batch_bytes`` of text (the memory one
batch of a big file takes) and ``max_files_per_lock`` files, so other writers get the lock between groups;
a larger file is a group of its own.
"""

from __future__ import annotations

import itertools
import logging
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from intacct_assets.catalog import CatalogObject
from intacct_assets.dds.ddl_loader import DdlLoader, delete_file_layout
from intacct_assets.dds.dialect import READ_TIME, DialectError
from intacct_assets.dds.filenames import DdsFileName
from intacct_assets.dds.outcomes import FileOutcome, LoadedRecords
from intacct_assets.dds.prepared import PreparedFile, batch_origin, versioned_batch
from intacct_assets.dds.reader import DdsFile, FileRejectedError, ReadOptions
from intacct_assets.dds.s3 import S3Object, download
from intacct_assets.dds.settings import DdsSettings
from intacct_assets.dds.snapshots import complete_snapshot, snapshot_id, utc_naive
from intacct_assets.warehouse import ledger
from intacct_assets.warehouse.connection import Warehouse, memory_limit_lowered, run, transaction
from intacct_assets.warehouse.merge import (
    MergeCounts,
    TargetTable,
    Tombstone,
    ensure_table,
    merge_batch,
    table_is_empty,
)

log = logging.getLogger(__name__)

DDS_SCHEMA = "dds"
# DuckDB's memory while a file loads, its commit included: without a cap DuckDB keeps what it wrote cached and a
# 4M-row file peaked at 1.3 GB at commit (0.8 GB with it); beyond it DuckDB spills to <warehouse>.tmp.
FILE_MEMORY_LIMIT = "400MiB"
# A file up to this many batches is read in one piece (a million GLENTRY records, 238 MB, peak at 0.9 GB): its one
# INSERT into an empty table appends on every thread, while the later batches of a larger file append on one (so
# the commit's checkpoint has no partly filled row groups to rewrite); a larger file's memory stays at ~0.8 GB.
WHOLE_FILE_BATCHES = 4


def target_table(obj: CatalogObject, columns: dict[str, str]) -> TargetTable:
    return TargetTable(schema=DDS_SCHEMA, name=obj.table_name, key=obj.key, column_types=columns)


def reader_types(obj: CatalogObject) -> dict[str, str]:
    """Catalog types (they win over DDL types); the modified and read times are always timestamps."""
    return {obj.modified: "timestamp", READ_TIME: "timestamp", **obj.columns}


def _taken(items: list) -> Iterator:
    """The items, each dropped from the list as it is handed out (so the list does not keep it alive)."""
    while items:
        yield items.pop(0)


class DdsIngest:
    """Loads files of one catalog object into ``dds.<object>``."""

    def __init__(
        self,
        warehouse: Warehouse,
        s3_client,
        settings: DdsSettings,
        run_id: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self.warehouse = warehouse
        self.s3 = s3_client
        self.settings = settings
        self.run_id = run_id
        self.clock = clock
        self.ddl = DdlLoader(settings, s3_client)
        self.parser = settings.file_name_parser()

    def pending(self, obj: CatalogObject, candidates: Iterable[S3Object]) -> list[S3Object]:
        """Candidates of this object that are not yet loaded (by key and ETag)."""
        mine = [c for c in candidates if self._name_of(c.key) and self._name_of(c.key).object == obj.name]
        with self.warehouse.connect() as connection:
            done = ledger.finished_files(connection, [c.key for c in mine])
        return [c for c in mine if (c.key, c.etag) not in done]

    def _name_of(self, key: str) -> DdsFileName | None:
        if self.settings.is_ddl_key(key):
            return None
        name = self.parser.parse(self.settings.relative_key(key))
        if name is not None and name.object in self.settings.filtered_objects:
            return replace(name, filtered=True)
        return name

    def ingest(self, obj: CatalogObject, files: list[S3Object]) -> list[FileOutcome]:
        """Load files in delivery order, in groups of small files; a failing file does not stop the others."""
        names = {f.key: self._name_of(f.key) for f in files}

        def delivery_order(file: S3Object) -> tuple:
            name = names[file.key]
            return (
                name.delivered_at if name and name.delivered_at else file.last_modified,
                name.part or 0 if name else 0,
                file.key,
            )

        with self.warehouse.connect() as connection:
            done = ledger.finished_files(connection, [f.key for f in files])
        ordered = sorted(files, key=delivery_order)
        outcomes: list[FileOutcome] = []
        group: list[PreparedFile] = []
        with tempfile.TemporaryDirectory(prefix="intacct-dds-") as workdir:
            for index, file in enumerate(ordered):
                if (file.key, file.etag) in done:
                    outcomes.append(FileOutcome(file.key, file.etag, "skipped", "already loaded", size_bytes=file.size))
                    continue
                prepared = self._download(obj, file, names[file.key], Path(workdir) / f"{index}.csv")
                if group and not self._fits(group, prepared):
                    outcomes += self._load_group(obj, group)
                    group = []
                group.append(self._parse_ahead(obj, prepared))
            outcomes += self._load_group(obj, group)
        position = {file.key: index for index, file in enumerate(ordered)}
        return sorted(outcomes, key=lambda outcome: position[outcome.key])  # skipped files did not wait for a group

    def _fits(self, group: list[PreparedFile], prepared: PreparedFile) -> bool:
        """Whether a downloaded file joins the group: at most ``batch_bytes`` of text and ``max_files_per_lock``
        files in all, so a group's parsed records take the memory of one batch and other writers wait little."""
        text = sum(p.text_bytes for p in group) + prepared.text_bytes
        return len(group) < self.settings.max_files_per_lock and text <= self.settings.batch_bytes

    def _download(self, obj: CatalogObject, file: S3Object, name: DdsFileName | None, local: Path) -> PreparedFile:
        prepared = PreparedFile(file, name, time.perf_counter())
        if name is None or name.object != obj.name:
            prepared.unloaded = ("unrecognized", "the file name is not a DDS file of " + obj.name)
            return prepared
        try:
            etag, size = download(self.s3, self.settings.bucket, file.key, local)
        except Exception as error:
            log.exception("DDS file %s could not be downloaded", file.key)
            prepared.unloaded = ("failed", f"{type(error).__name__}: {error}")
            return prepared
        prepared.file, prepared.local = S3Object(file.key, etag, size, file.last_modified), local
        prepared.downloaded = True
        return prepared

    def _parse_ahead(self, obj: CatalogObject, prepared: PreparedFile) -> PreparedFile:
        """Open the file and parse its first batch (the whole file, for most) before the warehouse lock is taken:
        other runs write meanwhile. Later batches of a big file are parsed inside it, between merges."""
        if not prepared.unloaded:
            self._parse_first_batch(obj, prepared)
        prepared.ahead_seconds = time.perf_counter() - prepared.started
        return prepared

    def _parse_first_batch(self, obj: CatalogObject, prepared: PreparedFile) -> None:
        try:
            prepared.opened = self._open(obj, prepared.name, prepared.local)
            prepared.batches = prepared.opened.batches(self._batch_bytes(prepared.opened))
            prepared.ahead.append(next(prepared.batches))
        except (FileRejectedError, DialectError) as error:
            prepared.unloaded = ("rejected", str(error))
        except Exception as error:
            log.exception("DDS file %s failed to parse", prepared.file.key)
            prepared.unloaded = ("failed", f"{type(error).__name__}: {error}")

    def load_local(
        self, obj: CatalogObject, file: S3Object, name: DdsFileName, local: Path, started: float | None = None
    ) -> FileOutcome:
        """Parse a downloaded (decompressed) file and merge it, batch by batch: one transaction, one ledger row."""
        prepared = PreparedFile(file, name, time.perf_counter() if started is None else started, local=local)
        [outcome] = self._load_group(obj, [self._parse_ahead(obj, prepared)])
        return outcome

    def _load_group(self, obj: CatalogObject, group: list[PreparedFile]) -> list[FileOutcome]:
        """Each file of the group in its own transaction, under one connection, then one checkpoint."""
        if not group:
            return []
        outcomes = []
        with self.warehouse.connect() as connection, memory_limit_lowered(connection, FILE_MEMORY_LIMIT):
            for prepared in group:
                try:
                    outcomes.append(self._load_prepared(connection, obj, prepared))
                finally:
                    prepared.release()
            # under the cap too: the commits leave the rows for a checkpoint, which closing would run without it
            run(connection, "CHECKPOINT")
        return outcomes

    def _load_prepared(self, connection, obj: CatalogObject, prepared: PreparedFile) -> FileOutcome:
        file, name = prepared.file, prepared.name
        prepared.resume()
        if prepared.unloaded:
            return self._finish_unloaded(connection, file, name, *prepared.unloaded, prepared.started)
        try:
            return self._merge(connection, obj, prepared)
        except Exception as error:  # rolled back: the file's ledger row says why, in a transaction of its own
            log.exception("DDS file %s failed to load", file.key)
            return self._finish_unloaded(
                connection, file, name, "failed", f"{type(error).__name__}: {error}", prepared.started
            )

    def _open(self, obj: CatalogObject, name: DdsFileName, local: Path) -> DdsFile:
        def load_ddl() -> list[tuple[str, str]] | None:
            ddl = self.ddl(obj.name)
            if ddl is None:
                return None
            return delete_file_layout(ddl) if name.job == "delete" else list(ddl.columns)

        hint = (
            f"save the getDdsDdl output for {obj.name} as "
            f"{self.settings.prefix}{self.settings.ddl_prefix}{obj.name}.sql in the bucket (or in "
            "INTACCT_DDS_DDL_DIR), or turn on includeHeaders for the DDS job"
        )
        options = ReadOptions(
            key=obj.key,
            column_types=reader_types(obj),
            load_ddl=load_ddl,
            missing_ddl_hint=hint,
            hints=self.settings.dialect_hints(),
            max_rejected_stored=self.settings.max_rejected_stored,
            job=name.job,
        )
        return DdsFile(local, options)

    def _batch_bytes(self, opened: DdsFile) -> int | None:
        """None (one piece) for a file of up to ``WHOLE_FILE_BATCHES`` batches."""
        batch_bytes = self.settings.batch_bytes
        return None if opened.path.stat().st_size <= WHOLE_FILE_BATCHES * batch_bytes else batch_bytes

    def _merge(self, connection, obj: CatalogObject, prepared: PreparedFile) -> FileOutcome:
        """Every batch of the file merged inside one transaction, so memory is bounded by the batch size."""
        file, name, started = prepared.file, prepared.name, prepared.started
        target = target_table(obj, prepared.opened.columns)
        now = utc_naive(self.clock())
        counts, loaded = MergeCounts(), LoadedRecords(self.settings.max_rejected_stored)
        with transaction(connection):
            newest = ledger.latest_snapshot(connection, obj.name)
            # keys of the newest complete delivery (or of a newer one) were there when it was taken: no floor
            in_newest = name.is_snapshot and newest is not None and snapshot_id(name) >= newest[2]
            floor = Tombstone(moment=newest[0], source=newest[1]) if newest and not in_newest else None
            origin = batch_origin(name, file)
            appending = floor is None and table_is_empty(connection, target)
            for parsed in itertools.chain(_taken(prepared.ahead), prepared.batches):
                loaded.add(parsed)
                batch = versioned_batch(parsed, name, obj)
                del parsed  # one batch in memory: the next is parsed while this name would still hold it
                counts += merge_batch(connection, target, batch, origin, now, floor, new_keys_likely=appending)
                del batch
            ledger.replace_rejected_rows(
                connection,
                file.key,
                file.etag,
                [(r.line, r.reason, r.raw) for r in loaded.rejected],
                self.run_id,
                now,
            )
            outcome = "ingested" if (counts.inserted or counts.updated or counts.deleted) else "unchanged"
            if not loaded.good and loaded.rejected_count:
                outcome = "rejected"
            seconds = time.perf_counter() - started
            ledger.record_file(
                connection,
                self._ledger_row(file, name, outcome, "", loaded.records, loaded.rejected_count, counts, seconds, now),
            )
            message = ""
            if name.is_snapshot:
                tombstoned, message = complete_snapshot(connection, obj, target, name, now, self.settings.split_size)
                counts.deleted += tombstoned
                if message:
                    ledger.annotate_file(connection, file.key, file.etag, message)
        return FileOutcome(
            file.key,
            file.etag,
            outcome,
            message,
            records=loaded.records,
            rejected=loaded.rejected_count,
            counts=counts,
            size_bytes=file.size,
            seconds=time.perf_counter() - started,
        )

    def _ledger_row(
        self,
        file: S3Object,
        name: DdsFileName | None,
        outcome: str,
        message: str,
        records: int | None,
        rejected: int | None,
        counts: MergeCounts | None,
        seconds: float,
        now: datetime,
    ) -> ledger.FileRecord:
        return ledger.FileRecord(
            key=file.key,
            etag=file.etag,
            outcome=outcome,
            message=message or None,
            object=name.object if name else None,
            job_type=name.job if name else None,
            delivery=name.delivery if name else None,
            delivered_at=utc_naive(name.delivered_at) if name and name.delivered_at else None,
            part=name.part if name else None,
            size_bytes=file.size,
            last_modified=utc_naive(file.last_modified),
            records=records,
            inserted=counts.inserted if counts else None,
            updated=counts.updated if counts else None,
            deleted=counts.deleted if counts else None,
            unchanged=counts.unchanged if counts else None,
            rejected=rejected,
            seconds=round(seconds, 3),
            run_id=self.run_id,
            processed_at=now,
        )

    def _finish_unloaded(
        self, connection, file: S3Object, name: DdsFileName | None, outcome: str, message: str, started: float
    ) -> FileOutcome:
        """Record a file that loaded nothing (its own small transaction, after any rollback)."""
        seconds = time.perf_counter() - started
        with transaction(connection):
            ledger.record_file(
                connection,
                self._ledger_row(file, name, outcome, message, None, None, None, seconds, utc_naive(self.clock())),
            )
        return FileOutcome(file.key, file.etag, outcome, message, size_bytes=file.size, seconds=seconds)


def record_unrecognized(
    warehouse: Warehouse,
    files: list[S3Object],
    reason: str,
    run_id: str | None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    """Ledger rows for files no catalog object claims, so they are visible in the warehouse too."""
    now = utc_naive(clock())
    with warehouse.connect() as connection, transaction(connection):
        for file in files:
            ledger.record_file(
                connection,
                ledger.FileRecord(
                    key=file.key,
                    etag=file.etag,
                    outcome="unrecognized",
                    message=reason,
                    size_bytes=file.size,
                    last_modified=utc_naive(file.last_modified),
                    run_id=run_id,
                    processed_at=now,
                ),
            )


def ensure_object_table(warehouse: Warehouse, obj: CatalogObject) -> None:
    """``dds.<object>`` with the columns the catalog declares, before any file of it loaded: downstream SQL runs
    on an empty table instead of failing on a missing one. Files add their other columns when they load."""
    types = reader_types(obj)
    with warehouse.connect() as connection, transaction(connection):
        ensure_table(connection, target_table(obj, types), list(dict.fromkeys([*obj.key, *types])))
