"""Recognizing DDS file names: object, job type, delivery time, split part, compression.

Default shape: ``<OBJECT>.<all|change|delete>.<timestamp>[.<part>].csv[.gz]`` anywhere
under the prefix, with ``.`` or ``_`` as separator, plus the bare ``<OBJECT>.csv`` upsert-only
delivery. A user regex with named groups (``object`` required; ``job``, ``ts``, ``part``
optional) replaces the default when Intacct or a bucket policy names files differently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

JobType = Literal["all", "change", "delete", "upsert"]

DEFAULT_PATTERN = re.compile(
    r"^(?P<object>[A-Za-z][A-Za-z0-9_]*?)[._](?P<job>all|change|changes|delete|deleted|deletes)[._]"
    r"(?P<ts>\d{4}-?\d{2}-?\d{2}(?:[T _]?\d{2}[-:]?\d{2}(?:[-:]?\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?)"
    r"(?:[._](?P<part>\d{1,6}))?\.csv(?P<gz>\.gz)?$",
    re.IGNORECASE,
)
BARE_PATTERN = re.compile(r"^(?P<object>[A-Za-z][A-Za-z0-9_]*)\.csv(?P<gz>\.gz)?$", re.IGNORECASE)

JOB_ALIASES = {
    "all": "all",
    "change": "change",
    "changes": "change",
    "delete": "delete",
    "deleted": "delete",
    "deletes": "delete",
}


class FileNameError(ValueError):
    """A DDS file name that a user pattern matched but whose parts make no sense."""


@dataclass(frozen=True)
class DdsFileName:
    """What a DDS file's key says about its contents."""

    key: str
    object: str
    job: JobType
    delivered_at: datetime | None
    part: int | None
    compressed: bool
    filtered: bool = False  # the object's DDS job carries a query filter: an `all` delivery is not every record

    @property
    def delivery(self) -> str:
        """Name of the delivery (job run) this file belongs to: its key without part and extension."""
        if self.delivered_at is None:
            return self.key
        folder = self.key.rsplit("/", 1)[0] + "/" if "/" in self.key else ""
        return f"{folder}{self.object}.{self.job}.{self.delivered_at:%Y-%m-%dT%H-%M-%SZ}"

    @property
    def is_snapshot(self) -> bool:
        """An ``all`` delivery holds every live record, so absent records were deleted — unless the job filters
        its records (INTACCT_DDS_FILTERED_OBJECTS)."""
        return self.job == "all" and self.delivered_at is not None and not self.filtered


_OFFSET = re.compile(r"(?:Z|(?P<sign>[+-])(?P<hours>\d{2}):?(?P<minutes>\d{2}))$", re.IGNORECASE)


def parse_timestamp(text: str) -> datetime:
    """Delivery timestamps come in many spellings; their digits are always Y M D h m s, in UTC unless the
    timestamp ends with an offset (``+02:00``), which is applied."""
    offset = timedelta(0)
    has_time = "T" in text.upper() or " " in text
    if has_time and (zone := _OFFSET.search(text)):
        text = text[: zone.start()]
        if zone["sign"]:
            offset = timedelta(hours=int(zone["hours"]), minutes=int(zone["minutes"]))
            offset = -offset if zone["sign"] == "-" else offset
    digits = re.sub(r"\D", "", text.split(".")[0] if has_time else text)
    if len(digits) < 8:
        raise FileNameError(f"timestamp {text!r} has fewer than 8 digits")
    digits = digits[:14].ljust(14, "0")
    try:
        return datetime.strptime(digits, "%Y%m%d%H%M%S").replace(tzinfo=UTC) - offset
    except ValueError as error:
        raise FileNameError(f"timestamp {text!r} is not a valid date/time") from error


@dataclass(frozen=True)
class FileNameParser:
    """Parses keys relative to the DDS prefix with the default or a user-supplied pattern."""

    pattern: re.Pattern[str] | None = None

    @classmethod
    def from_setting(cls, regex: str | None) -> FileNameParser:
        if not regex:
            return cls()
        try:
            compiled = re.compile(regex)
        except re.error as error:
            raise FileNameError(f"INTACCT_DDS_FILE_PATTERN is not a valid regex: {error}") from error
        if "object" not in compiled.groupindex:
            raise FileNameError("INTACCT_DDS_FILE_PATTERN needs a named group (?P<object>...)")
        return cls(compiled)

    def parse(self, key: str) -> DdsFileName | None:
        """The file's meaning, or None when the name is not a DDS data file."""
        name = key.rsplit("/", 1)[-1]
        patterns = [self.pattern] if self.pattern else [DEFAULT_PATTERN, BARE_PATTERN]
        for pattern in patterns:
            match = pattern.search(name)
            if match:
                return self._from_match(key, name, match)
        return None

    @staticmethod
    def _from_match(key: str, name: str, match: re.Match[str]) -> DdsFileName:
        groups = {k: v for k, v in match.groupdict().items() if v}
        job = JOB_ALIASES.get(groups.get("job", "").lower(), "upsert")
        if "job" in groups and groups["job"].lower() not in JOB_ALIASES:
            raise FileNameError(f"{key}: job type {groups['job']!r} is not all/change/delete")
        delivered_at = parse_timestamp(groups["ts"]) if "ts" in groups else None
        return DdsFileName(
            key=key,
            object=groups["object"].upper(),
            job=job,  # type: ignore[arg-type]
            delivered_at=delivered_at,
            part=int(groups["part"]) if "part" in groups else None,
            compressed=name.lower().endswith(".gz"),
        )
