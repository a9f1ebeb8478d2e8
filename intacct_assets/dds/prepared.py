"""A DDS file on its way into the warehouse: downloaded and parsed ahead of the warehouse lock, and its records
with the versions and origin the merge needs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from intacct_assets.catalog import CatalogObject
from intacct_assets.dds.dialect import CHANGE_TYPE, READ_TIME
from intacct_assets.dds.filenames import DdsFileName
from intacct_assets.dds.pieces import LINE_COLUMN, ROW_COLUMN
from intacct_assets.dds.reader import DdsFile, ParsedFile
from intacct_assets.dds.s3 import S3Object
from intacct_assets.dds.snapshots import snapshot_id, utc_naive
from intacct_assets.warehouse.merge import DELETED, MODIFIED, POSITION, READ, BatchOrigin


@dataclass
class PreparedFile:
    """A file of a group: downloaded, its first batch parsed ahead of the warehouse lock (the rest of a big file's
    batches are parsed under it), or what keeps it from loading."""

    file: S3Object
    name: DdsFileName | None
    started: float
    local: Path | None = None
    downloaded: bool = False  # the local copy is ours to delete
    opened: DdsFile | None = None
    batches: Iterator[ParsedFile] = field(default_factory=lambda: iter(()))
    ahead: list[ParsedFile] = field(default_factory=list)
    unloaded: tuple[str, str] | None = None  # (outcome, message) recorded instead of loading
    ahead_seconds: float = 0.0  # how long downloading and parsing ahead took

    @property
    def text_bytes(self) -> int:
        return self.local.stat().st_size if self.local and self.local.exists() else 0

    def resume(self) -> None:
        """Its own time goes on from where parsing ahead left it, not counting the group's earlier files."""
        self.started = time.perf_counter() - self.ahead_seconds

    def release(self) -> None:
        """Drop the parsed records, and the downloaded copy, once merged (or not)."""
        self.ahead.clear()
        self.batches = iter(())
        if self.downloaded:
            self.local.unlink(missing_ok=True)


def versioned_batch(parsed: ParsedFile, name: DdsFileName, obj: CatalogObject) -> pl.DataFrame:
    """The parsed records with their modified and read times, position in the file and delete flag.

    The effective modified time falls back to ``ddsReadTime`` (delete files may lack
    WHENMODIFIED); the merge falls back further to the delivery time.
    """
    frame = parsed.frame
    if not frame.width:  # an empty file (a change job with nothing to report): no columns, no records
        return pl.DataFrame()
    columns = set(frame.columns)
    read = pl.col(READ_TIME) if READ_TIME in columns else pl.lit(None, pl.Datetime("us"))
    modified = pl.coalesce(pl.col(obj.modified), read) if obj.modified in columns else read
    deleted = pl.lit(name.job == "delete")
    if CHANGE_TYPE in columns:
        deleted = deleted | (pl.col(CHANGE_TYPE).str.to_lowercase() == "delete").fill_null(False)
    position = pl.col(ROW_COLUMN).cast(pl.Int64) + parsed.position_offset
    return frame.with_columns(
        modified.alias(MODIFIED), read.alias(READ), position.alias(POSITION), deleted.alias(DELETED)
    ).drop(ROW_COLUMN, *([LINE_COLUMN] if LINE_COLUMN in columns else []))


def batch_origin(name: DdsFileName, file: S3Object) -> BatchOrigin:
    delivered = utc_naive(name.delivered_at or file.last_modified)
    return BatchOrigin(source=file.key, delivered=delivered, snapshot=snapshot_id(name) if name.is_snapshot else None)
