"""DDS settings, read from the environment variables documented in the README and .env.example."""

from __future__ import annotations

import os
from dataclasses import dataclass

from intacct_assets.dds.dialect import DELIMITERS, ENCLOSURES, DialectHints
from intacct_assets.dds.filenames import FileNameParser

# Text parsed and merged at a time (~275,000 GLENTRY records): bounds memory whatever the file size (a 10M-row
# file peaked at 0.8 GB with 64 MiB, 1.1-1.4 GB with 128 MiB).
DEFAULT_BATCH_BYTES = 64 * 1024**2


class SettingsError(ValueError):
    """A DDS setting has a value we cannot use; the message names the variable."""


def _env_int(name: str, default: int, env: dict[str, str]) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as error:
        raise SettingsError(f"{name}={value!r} is not a whole number") from error


def _env_choice(name: str, allowed: tuple[str, ...], env: dict[str, str]) -> str | None:
    value = env.get(name, "")
    if not value:
        return None
    if value not in allowed:
        raise SettingsError(f"{name}={value!r} must be one of {', '.join(map(repr, allowed))}")
    return value


@dataclass(frozen=True)
class DdsSettings:
    bucket: str = ""
    prefix: str = ""
    file_pattern: str = ""
    ddl_dir: str = ""
    ddl_prefix: str = "_ddl/"
    delimiter: str | None = None
    enclosure: str | None = None
    header: str = "auto"
    split_size: int = 0
    filtered_objects: frozenset[str] = frozenset()  # objects whose DDS job has a query filter: no snapshot deletes
    max_rejected_stored: int = 10_000
    sensor_interval_seconds: int = 30
    lookback_seconds: int = 6 * 3600
    max_files_per_run: int = 200
    max_bytes_per_run: int = 2 * 1024**3
    max_runs_per_tick: int = 20
    max_files_per_lock: int = 50
    batch_bytes: int = DEFAULT_BATCH_BYTES
    sqs_queue_url: str = ""
    full_listing_seconds: int = 3600

    def __post_init__(self) -> None:
        # The prefix names a folder: S3 prefixes are plain strings, so 'acme' would also list 'acme2/...'
        # (another company's deliveries) and put the DDL folder at 'acme_ddl/'.
        if self.prefix and not self.prefix.endswith("/"):
            object.__setattr__(self, "prefix", self.prefix + "/")
        # the full listing finds files whose notification was lost only while they are inside the look-back window
        if self.sqs_queue_url and self.full_listing_seconds >= self.lookback_seconds:
            raise SettingsError(
                f"INTACCT_DDS_FULL_LISTING_SECONDS={self.full_listing_seconds} must be shorter than "
                f"INTACCT_DDS_LOOKBACK_SECONDS={self.lookback_seconds}: a file whose notification was lost is found "
                "by the full listing only while it is inside the look-back window"
            )
        if self.batch_bytes < 1:
            raise SettingsError(f"INTACCT_DDS_BATCH_BYTES={self.batch_bytes} must be at least 1")
        if self.max_files_per_lock < 1:
            raise SettingsError(f"INTACCT_DDS_MAX_FILES_PER_LOCK={self.max_files_per_lock} must be at least 1")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> DdsSettings:
        env = dict(os.environ) if env is None else env
        header = env.get("INTACCT_DDS_HEADER", "auto") or "auto"
        if header not in ("auto", "true", "false"):
            raise SettingsError(f"INTACCT_DDS_HEADER={header!r} must be auto, true or false")
        settings = cls(
            bucket=env.get("INTACCT_DDS_BUCKET", ""),
            prefix=env.get("INTACCT_DDS_PREFIX", ""),
            file_pattern=env.get("INTACCT_DDS_FILE_PATTERN", ""),
            ddl_dir=env.get("INTACCT_DDS_DDL_DIR", ""),
            ddl_prefix=env.get("INTACCT_DDS_DDL_PREFIX", "_ddl/"),
            delimiter=_env_choice("INTACCT_DDS_DELIMITER", DELIMITERS, env),
            enclosure=_env_choice("INTACCT_DDS_ENCLOSURE", ENCLOSURES, env),
            header=header,
            split_size=_env_int("INTACCT_DDS_SPLIT_SIZE", 0, env),
            filtered_objects=frozenset(
                name.strip().upper() for name in env.get("INTACCT_DDS_FILTERED_OBJECTS", "").split(",") if name.strip()
            ),
            sensor_interval_seconds=_env_int("INTACCT_DDS_SENSOR_INTERVAL_SECONDS", 30, env),
            lookback_seconds=_env_int("INTACCT_DDS_LOOKBACK_SECONDS", 6 * 3600, env),
            max_files_per_run=_env_int("INTACCT_DDS_MAX_FILES_PER_RUN", 200, env),
            max_bytes_per_run=_env_int("INTACCT_DDS_MAX_BYTES_PER_RUN", 2 * 1024**3, env),
            max_rejected_stored=_env_int("INTACCT_DDS_MAX_REJECTED_ROWS", 10_000, env),
            max_runs_per_tick=_env_int("INTACCT_DDS_MAX_RUNS_PER_TICK", 20, env),
            max_files_per_lock=_env_int("INTACCT_DDS_MAX_FILES_PER_LOCK", 50, env),
            batch_bytes=_env_int("INTACCT_DDS_BATCH_BYTES", DEFAULT_BATCH_BYTES, env),
            sqs_queue_url=env.get("INTACCT_DDS_SQS_QUEUE_URL", ""),
            full_listing_seconds=_env_int("INTACCT_DDS_FULL_LISTING_SECONDS", 3600, env),
        )
        settings.file_name_parser()  # fail early on a bad regex
        return settings

    def file_name_parser(self) -> FileNameParser:
        return FileNameParser.from_setting(self.file_pattern)

    def dialect_hints(self) -> DialectHints:
        has_header = {"auto": None, "true": True, "false": False}[self.header]
        return DialectHints(delimiter=self.delimiter, enclosure=self.enclosure, has_header=has_header)

    def relative_key(self, key: str) -> str:
        return key[len(self.prefix) :] if self.prefix and key.startswith(self.prefix) else key

    def is_ddl_key(self, key: str) -> bool:
        return self.relative_key(key).startswith(self.ddl_prefix) and key.lower().endswith(".sql")
