"""What loading a DDS file did: its outcome for run metadata and the UI, and the record totals over its batches."""

from __future__ import annotations

from dataclasses import dataclass, field

from intacct_assets.dds.pieces import RejectedRecord
from intacct_assets.dds.reader import ParsedFile
from intacct_assets.warehouse.merge import MergeCounts


@dataclass
class FileOutcome:
    """What happened to one file, for run metadata and the UI."""

    key: str
    etag: str | None
    outcome: str
    message: str = ""
    records: int = 0
    rejected: int = 0
    counts: MergeCounts = field(default_factory=MergeCounts)
    size_bytes: int = 0
    seconds: float = 0.0

    @property
    def needs_attention(self) -> bool:
        """Not loaded, or loaded with a caveat (the message says which)."""
        if self.outcome == "skipped":
            return False
        return self.outcome not in ("ingested", "unchanged") or bool(self.message)


@dataclass
class LoadedRecords:
    """Totals over a file's batches, keeping the first ``max_stored`` rejected records (by line)."""

    max_stored: int
    records: int = 0
    good: int = 0
    rejected_count: int = 0
    rejected: list[RejectedRecord] = field(default_factory=list)

    def add(self, parsed: ParsedFile) -> None:
        self.records += parsed.records
        self.good += parsed.frame.height
        self.rejected_count += parsed.rejected_count
        self.rejected = sorted([*self.rejected, *parsed.rejected], key=lambda r: r.line)[: self.max_stored]
