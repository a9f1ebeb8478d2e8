"""The ``getDdsDdl`` output that names the columns of headerless DDS files: found in a local folder
(``INTACCT_DDS_DDL_DIR``) first, then in the bucket beside the files, and read once per object."""

from __future__ import annotations

from pathlib import Path

from intacct_assets.dds.ddl import DdlError, DdsTableDdl, parse_ddl
from intacct_assets.dds.dialect import CHANGE_TYPE, READ_TIME
from intacct_assets.dds.reader import FileRejectedError
from intacct_assets.dds.settings import DdsSettings


def delete_file_layout(ddl: DdsTableDdl) -> list[tuple[str, str]]:
    """Columns of a headerless delete file: the record number and declared key, then deletion times."""
    keys = [name for name in dict.fromkeys(["RECORDNO", *ddl.primary_key]) if name in ddl.column_names]
    return [(key, "string") for key in keys] + [
        ("WHENMODIFIED", "timestamp"),
        (READ_TIME, "timestamp"),
        (CHANGE_TYPE, "string"),
    ]


class DdlLoader:
    """Finds ``getDdsDdl`` output for headerless files: a local folder first, then the bucket."""

    def __init__(self, settings: DdsSettings, s3_client):
        self._settings = settings
        self._s3 = s3_client
        self._cache: dict[str, DdsTableDdl | None] = {}

    def __call__(self, object_name: str) -> DdsTableDdl | None:
        if object_name not in self._cache:
            self._cache[object_name] = self._load(object_name)
        return self._cache[object_name]

    def _load(self, object_name: str) -> DdsTableDdl | None:
        text = self._local(object_name) or self._from_bucket(object_name)
        if text is None:
            return None
        try:
            return parse_ddl(text)
        except DdlError as error:
            raise FileRejectedError(f"the DDL found for {object_name} cannot be used: {error}") from error

    def _local(self, object_name: str) -> str | None:
        if not self._settings.ddl_dir:
            return None
        for candidate in (f"{object_name}.sql", f"{object_name.lower()}.sql"):
            path = Path(self._settings.ddl_dir) / candidate
            if path.is_file():
                return path.read_text()
        return None

    def _from_bucket(self, object_name: str) -> str | None:
        key = f"{self._settings.prefix}{self._settings.ddl_prefix}{object_name}.sql"
        try:
            return self._s3.get_object(Bucket=self._settings.bucket, Key=key)["Body"].read().decode("utf-8")
        except self._s3.exceptions.NoSuchKey:
            return None
        except Exception as error:  # botocore ClientError for 404 on some servers
            if "NoSuchKey" in str(error) or "404" in str(error):
                return None
            raise
