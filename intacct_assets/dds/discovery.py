"""Deciding, from a listing of the DDS prefix or from S3 event notifications, which files need loading.

The cursor remembers files, not a timestamp: every handled key with its ETag, for files whose
LastModified lies inside a look-back window. LastModified is only a coarse filter, so files that
share a second, become visible late, or are overwritten in place are all picked up. Entries older
than the window are pruned, so the cursor stays bounded; it is stored compressed.

Files whose names no pattern or catalog object claims are remembered apart, whatever their age, with a
fingerprint of what recognized names (the file pattern, the prefixes, the catalog's DDS objects): when
that changes, they are looked at again.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from intacct_assets.catalog import Catalog
from intacct_assets.dds.filenames import FileNameError, FileNameParser
from intacct_assets.dds.s3 import S3Object
from intacct_assets.dds.settings import DdsSettings

_CURSOR_VERSION = 2  # 1: seen and horizon only (loaded as 2 with nothing unrecognized)


@dataclass
class DiscoveryCursor:
    """Handled files (key → [etag, LastModified epoch]), the horizon below which nothing is new, files no
    one recognized (key → etag) with the fingerprint they were judged under, and when the prefix was last
    listed in full (epoch; event-driven mode)."""

    seen: dict[str, tuple[str, float]] = field(default_factory=dict)
    horizon: float = 0.0
    unrecognized: dict[str, str] = field(default_factory=dict)
    recognizer: str | None = None
    listed_at: float = 0.0

    @classmethod
    def load(cls, text: str | None) -> DiscoveryCursor:
        if not text:
            return cls()
        document = json.loads(zlib.decompress(base64.b64decode(text)))
        if document.get("v") not in (1, _CURSOR_VERSION):
            return cls()
        return cls(
            seen={key: (etag, moment) for key, (etag, moment) in document["seen"].items()},
            horizon=document["horizon"],
            unrecognized=document.get("unrecognized", {}),
            recognizer=document.get("recognizer"),
            listed_at=document.get("listed_at", 0.0),
        )

    def dump(self) -> str:
        document = {
            "v": _CURSOR_VERSION,
            "horizon": self.horizon,
            "recognizer": self.recognizer,
            "listed_at": self.listed_at,
            "unrecognized": dict(sorted(self.unrecognized.items())),
            "seen": {key: [etag, moment] for key, (etag, moment) in sorted(self.seen.items())},
        }
        return base64.b64encode(zlib.compress(json.dumps(document, separators=(",", ":")).encode())).decode()


def recognizer_fingerprint(catalog: Catalog, settings: DdsSettings) -> str:
    """What decides whether a file name is recognized: a change makes unrecognized files worth another look."""
    parts = [
        settings.file_pattern,
        settings.prefix,
        settings.ddl_prefix,
        *sorted(obj.name for obj in catalog.dds_objects()),
    ]
    return hashlib.sha1("\n".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class FileBatch:
    """Files of one catalog object that one run loads."""

    object: str
    files: tuple[S3Object, ...]

    @property
    def run_key(self) -> str:
        digest = hashlib.sha1("\n".join(f"{f.key}@{f.etag}" for f in self.files).encode()).hexdigest()[:20]
        return f"dds:{self.object}:{digest}"


@dataclass
class DiscoveryPlan:
    batches: list[FileBatch]
    unrecognized: list[tuple[S3Object, str]]
    deferred: list[S3Object]  # files for the next tick (INTACCT_DDS_MAX_RUNS_PER_TICK)
    cursor: DiscoveryCursor


def _is_data_candidate(obj: S3Object, settings: DdsSettings) -> bool:
    return not obj.key.endswith("/") and not settings.is_ddl_key(obj.key)


def _chunks(files: list[S3Object], max_files: int, max_bytes: int) -> Iterable[tuple[S3Object, ...]]:
    chunk: list[S3Object] = []
    size = 0
    for file in files:
        if chunk and (len(chunk) >= max_files or size + file.size > max_bytes):
            yield tuple(chunk)
            chunk, size = [], 0
        chunk.append(file)
        size += file.size
    if chunk:
        yield tuple(chunk)


def plan_discovery(
    listing: Iterable[S3Object], cursor: DiscoveryCursor, catalog: Catalog, settings: DdsSettings
) -> DiscoveryPlan:
    """New or re-delivered files grouped into bounded runs, unrecognized files, and the next cursor.

    ``listing`` is the whole prefix or only files that notifications announced: files not in it are left as
    they are.
    """
    parser: FileNameParser = settings.file_name_parser()
    recognizer = recognizer_fingerprint(catalog, settings)
    # unrecognized files get another look when what recognizes names changed (a cursor from before this was
    # remembered judged nothing: it adopts the fingerprint)
    again = cursor.unrecognized if cursor.recognizer not in (None, recognizer) else {}
    unrecognized_before = {} if again else dict(cursor.unrecognized)
    fresh: list[S3Object] = []
    newest = cursor.horizon
    for obj in listing:
        if not _is_data_candidate(obj, settings):
            continue
        moment = obj.last_modified.timestamp()
        newest = max(newest, moment)
        if obj.key in again:
            fresh.append(obj)
            continue
        if moment < cursor.horizon or unrecognized_before.get(obj.key) == obj.etag:
            continue
        seen = cursor.seen.get(obj.key)
        if seen is None or seen[0] != obj.etag:
            fresh.append(obj)
    fresh.sort(key=lambda o: (o.last_modified, o.key))  # oldest first, so the horizon can advance

    by_object: dict[str, list[S3Object]] = defaultdict(list)
    unrecognized: list[tuple[S3Object, str]] = []
    for obj in fresh:
        relative = settings.relative_key(obj.key)
        try:
            name = parser.parse(relative)
        except FileNameError as error:
            unrecognized.append((obj, str(error)))
            continue
        if name is None:
            unrecognized.append((obj, "the file name does not match the DDS file name pattern"))
        elif catalog.get(name.object) is None or not catalog.get(name.object).dds:
            unrecognized.append((obj, f"no catalog object {name.object} (add it to INTACCT_CATALOG_PATH)"))
        else:
            by_object[name.object].append(obj)

    batches: list[FileBatch] = []
    deferred: list[S3Object] = []
    for object_name, files in sorted(by_object.items(), key=lambda item: item[1][0].last_modified):
        for chunk in _chunks(files, settings.max_files_per_run, settings.max_bytes_per_run):
            if len(batches) < settings.max_runs_per_tick:
                batches.append(FileBatch(object_name, chunk))
            else:
                deferred.extend(chunk)

    handled = [f for batch in batches for f in batch.files]
    seen = dict(cursor.seen)
    for obj in handled:
        seen[obj.key] = (obj.etag, obj.last_modified.timestamp())
    for obj, _ in unrecognized:
        unrecognized_before[obj.key] = obj.etag
    for obj in handled:  # recognized now (or re-delivered under a name that is)
        unrecognized_before.pop(obj.key, None)
    horizon = newest - settings.lookback_seconds
    if deferred:
        horizon = min(horizon, min(obj.last_modified.timestamp() for obj in deferred) - 1)
    horizon = max(cursor.horizon, horizon)
    seen = {key: value for key, value in seen.items() if value[1] >= horizon}
    return DiscoveryPlan(
        batches=batches,
        unrecognized=unrecognized,
        deferred=deferred,
        cursor=DiscoveryCursor(
            seen=seen,
            horizon=horizon,
            unrecognized=unrecognized_before,
            recognizer=recognizer,
            listed_at=cursor.listed_at,
        ),
    )
