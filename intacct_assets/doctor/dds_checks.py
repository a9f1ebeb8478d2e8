"""Checks of the DDS bucket: it can be listed, its file names are recognized, headerless objects have their
DDL, and the newest file of each object reads in a dialect whose columns fit the object.

Only the first 256 KiB of one file per object is downloaded.
"""

from __future__ import annotations

import csv
import io
import re
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from intacct_assets.catalog import CatalogObject
from intacct_assets.dds.ddl import DdlError, DdsTableDdl
from intacct_assets.dds.ddl_loader import DdlLoader, delete_file_layout
from intacct_assets.dds.dialect import (
    CHANGE_TYPE,
    READ_TIME,
    SAMPLE_BYTES,
    UTF8_BOM,
    Dialect,
    DialectError,
    detect_dialect,
)
from intacct_assets.dds.filenames import DdsFileName, FileNameError
from intacct_assets.dds.ingest import reader_types
from intacct_assets.dds.reader import FileRejectedError
from intacct_assets.dds.s3 import S3Object, read_head
from intacct_assets.doctor.context import DoctorContext
from intacct_assets.doctor.dds_fixes import folders_hint, human_size, listed, pattern_fix, s3_fix
from intacct_assets.doctor.results import CheckResult, failed, passed, skipped, warned

READ_ERRORS = (BotoCoreError, ClientError, zlib.error)  # a file that cannot be downloaded or decompressed
DDL_ERRORS = (DdlError, FileRejectedError, BotoCoreError, ClientError)  # a DDL that cannot be read or used
HEADERS_FIX = "or turn on includeHeaders in the DDS job"


@dataclass(frozen=True)
class Delivered:
    """The newest file of a catalog object, with what its name says."""

    obj: CatalogObject
    file: S3Object
    name: DdsFileName


def dds_bucket(ctx: DoctorContext) -> CheckResult:
    """The prefix can be listed; what it holds."""
    settings = ctx.require_bucket()
    location = f"s3://{settings.bucket}/{settings.prefix}"
    try:
        files = ctx.listing()
    except (BotoCoreError, ClientError) as error:
        ctx.broken["bucket"] = str(error)
        return failed(f"cannot list {location}: {error}", s3_fix(error))
    data = _data_files(ctx, files)
    if not data:
        return warned(
            f"{location} holds no DDS files yet{folders_hint(ctx)}",
            "point INTACCT_DDS_PREFIX at the folder the DDS job writes to, or run the DDS job once",
        )
    newest = max(data, key=lambda f: f.last_modified)
    ddl_files = sum(settings.is_ddl_key(f.key) for f in files)
    return passed(
        f"{location}: {len(data):,} data files ({human_size(sum(f.size for f in data))}), {ddl_files} DDL "
        f"files; newest {settings.relative_key(newest.key)} ({newest.last_modified:%Y-%m-%d %H:%M} UTC)"
    )


def dds_file_names(ctx: DoctorContext) -> list[CheckResult]:
    """Which files the file-name pattern recognizes as catalog objects, and a pattern for those it does not."""
    settings = ctx.require_bucket()
    data = _data_files(ctx, ctx.listing())
    if not data:
        return [skipped("no DDS files to look at", "see dds_bucket")]
    parser = settings.file_name_parser()
    recognized: Counter[str] = Counter()
    foreign: Counter[str] = Counter()
    unmatched: list[str] = []
    unreadable: list[str] = []
    for file in data:
        relative = settings.relative_key(file.key)
        try:
            name = parser.parse(relative)
        except FileNameError as error:
            unreadable.append(str(error))
            continue
        if name is None:
            unmatched.append(relative.rsplit("/", 1)[-1])
        elif (obj := ctx.catalog.get(name.object)) is None or not obj.dds:
            foreign[name.object] += 1
        else:
            recognized[name.object] += 1
    which = "INTACCT_DDS_FILE_PATTERN" if settings.file_pattern else "the default file-name pattern"
    results = []
    if recognized:
        results.append(
            passed(
                f"{sum(recognized.values()):,} files of {len(recognized)} catalog objects match "
                f"{which} ({listed(sorted(recognized))})"
            )
        )
    if unmatched:
        results.append(
            warned(
                f"{len(unmatched):,} files do not match {which} and are never loaded: {listed(unmatched, 3)}",
                pattern_fix(ctx, unmatched),
                subject="unmatched",
            )
        )
    if unreadable:
        results.append(
            warned(
                f"{len(unreadable):,} file names match but cannot be read: {unreadable[0]}",
                "correct INTACCT_DDS_FILE_PATTERN: ts must hold a date and time, job all/change/delete",
                subject="unreadable",
            )
        )
    if foreign:
        counted = ", ".join(f"{name} ({count})" for name, count in sorted(foreign.items()))
        results.append(
            warned(
                f"files of objects the catalog does not have: {counted}",
                "declare them in INTACCT_CATALOG_PATH (README: your own objects)",
                subject="not in catalog",
            )
        )
    return results


def dds_ddl(ctx: DoctorContext) -> CheckResult:
    """Objects whose files have no header row have their ``getDdsDdl`` output (bucket or local folder)."""
    settings = ctx.require_bucket()
    newest = _newest_files(ctx)
    if not newest:
        return skipped("no files of catalog objects to look at", "see dds_file_names")
    headerless, missing, unusable = [], [], []
    for delivered in newest:
        try:
            dialect = _sample_dialect(ctx, delivered)
        except (DialectError, *READ_ERRORS):
            continue  # dds_dialect reports it
        if dialect is None or dialect.has_header:
            continue
        headerless.append(delivered.obj.name)
        try:
            if _ddl(ctx, delivered.obj) is None:
                missing.append(delivered.obj.name)
        except DDL_ERRORS as error:
            unusable.append(f"{delivered.obj.name}: {error}")
    where = f"{settings.prefix}{settings.ddl_prefix}<OBJECT>.sql in the bucket (or <OBJECT>.sql in INTACCT_DDS_DDL_DIR)"
    if missing or unusable:
        return failed(
            "; ".join(([f"no DDL for the headerless files of {listed(missing)}"] if missing else []) + unusable)
            + ": those files are rejected",
            f"save each object's getDdsDdl output as {where}, {HEADERS_FIX}",
        )
    if not headerless:
        return passed(f"the newest files of all {len(newest)} objects have a header row: no DDL needed")
    return passed(
        f"DDL found for the {len(headerless)} objects whose files have no header row"
        + (f"; {len(newest) - len(headerless)} have header rows" if len(newest) > len(headerless) else "")
    )


def dds_dialect(ctx: DoctorContext) -> list[CheckResult]:
    """Per object, the dialect of its newest file, and whether its columns fit the object (key, DDL, change type)."""
    ctx.require_bucket()
    newest = _newest_files(ctx)
    if not newest:
        return [skipped("no files of catalog objects to look at", "see dds_file_names")]
    return [_delete_layout(ctx, delivered, _dialect_result(ctx, delivered)) for delivered in newest]


def _delete_layout(ctx: DoctorContext, delivered: Delivered, result: CheckResult) -> CheckResult:
    """The object's newest delete file too, when it has no header row: Intacct documents no column order for
    delete files, so the reader assumes one (``delete_file_layout``)."""
    deletes = next((d for d in _newest_files(ctx, job="delete") if d.obj.name == delivered.obj.name), None)
    if result.status != "pass" or deletes is None:
        return result
    checked = result if deletes.file.key == delivered.file.key else _dialect_result(ctx, deletes)
    dialect = _sample_dialect(ctx, deletes) if checked.status == "pass" else None
    if checked.status != "pass" or dialect is None or dialect.has_header:
        return checked if checked.status != "pass" else result
    layout = ", ".join(name for name, _ in delete_file_layout(_ddl(ctx, deletes.obj)))
    key = ctx.dds_settings.relative_key(deletes.file.key)
    return warned(
        f"{result.found}; its delete files have no header row ({key}): they are read as {layout}, an "
        "assumed column order (Intacct documents none)",
        "turn on includeHeaders in the DDS job: every column is then read by its name",
        result.subject,
    )


def _dialect_result(ctx: DoctorContext, delivered: Delivered) -> CheckResult:
    obj, key = delivered.obj, ctx.dds_settings.relative_key(delivered.file.key)
    subject = obj.name
    try:
        dialect = _sample_dialect(ctx, delivered)
    except DialectError as error:
        return failed(
            f"{key}: {error}", "pin INTACCT_DDS_DELIMITER and INTACCT_DDS_ENCLOSURE to the DDS job's settings", subject
        )
    except zlib.error as error:
        return failed(
            f"{key} starts like gzip but does not decompress: {error}",
            "re-deliver the file (it is damaged), or remove it from the bucket",
            subject,
        )
    except (BotoCoreError, ClientError) as error:
        return failed(f"cannot read {key}: {error}", s3_fix(error), subject)
    if dialect is None:
        return passed(f"{key} holds no records (nothing to detect)", subject)
    described = (
        f"{dialect.delimiter!r} delimited, {dialect.enclosure!r} enclosed, "
        f"{'a header row' if dialect.has_header else 'no header row'}, {dialect.line_ending} line ends"
        f"{', BOM' if dialect.bom else ''}, {dialect.width} fields ({key})"
    )
    bracketed = _bracketed(ctx, delivered, dialect)
    if bracketed:
        return warned(
            f"{described}: values such as {bracketed[0]!r} are enclosed in [ ]; the reader closes a [ "
            "enclosure with [ (as PHP's fputcsv writes; whether DDS closes it with ] is undocumented), so "
            "such files load wrong (brackets kept, or records run together)",
            "set the DDS job's enclosure (Text qualifier) to \" (double quote)",
            subject,
        )
    if dialect.has_header:
        names = _header(ctx, delivered, dialect)
        absent = [column for column in obj.key if column not in names]
        if absent:
            return failed(
                f"{described}: the header has no key column {', '.join(absent)}, so the file is rejected",
                f"include {', '.join(absent)} in the DDS job's fields, or correct {obj.name}'s key in "
                "INTACCT_CATALOG_PATH",
                subject,
            )
        if delivered.name.job == "change" and CHANGE_TYPE not in names:
            return failed(
                f"{described}: a change file without {CHANGE_TYPE}, so its deletes cannot be told from "
                "updates and it is rejected",
                "let the DDS job write change files with their change type",
                subject,
            )
        return passed(described, subject)
    try:
        ddl = _ddl(ctx, delivered.obj)
    except DDL_ERRORS:
        ddl = None
    if ddl is None:
        return skipped(f"{described}: without a usable DDL its columns are unknown", "see dds_ddl", subject)
    layout = delete_file_layout(ddl) if delivered.name.job == "delete" else list(ddl.columns)
    expected = len(layout)
    wanted = (
        {expected + 1}
        if delivered.name.job == "change" and CHANGE_TYPE not in dict(layout)
        else {expected, expected + 1}
    )
    if dialect.width not in wanted:
        return failed(
            f"{described}: the DDL of {obj.name} lists {expected} columns"
            + (f" (+{CHANGE_TYPE})" if delivered.name.job == "change" else "")
            + ", so records are rejected",
            f"save a fresh getDdsDdl output for {obj.name} (the DDL does not match its files), {HEADERS_FIX}",
            subject,
        )
    return passed(described, subject)


# ---------------------------------------------------------------------------------------------- helpers
def _data_files(ctx: DoctorContext, files: list[S3Object]) -> list[S3Object]:
    settings = ctx.dds_settings
    return [f for f in files if not f.key.endswith("/") and not settings.is_ddl_key(f.key)]


def _newest_files(ctx: DoctorContext, job: str | None = None) -> list[Delivered]:
    """The newest non-empty file (of one ``job`` type, if given) of every catalog object the bucket has files of,
    by object name."""
    settings = ctx.dds_settings
    parser = settings.file_name_parser()
    newest: dict[str, Delivered] = {}
    for file in _data_files(ctx, ctx.listing()):
        try:
            name = parser.parse(settings.relative_key(file.key))
        except FileNameError:
            continue
        obj = ctx.catalog.get(name.object) if name else None
        if name is None or obj is None or not obj.dds or file.size == 0 or job not in (None, name.job):
            continue
        known = newest.get(obj.name)
        if known is None or (file.last_modified, file.key) > (known.file.last_modified, known.file.key):
            newest[obj.name] = Delivered(obj, file, name)
    return [newest[name] for name in sorted(newest)]


def _sample_dialect(ctx: DoctorContext, delivered: Delivered) -> Dialect | None:
    """The dialect of the file's first bytes (with the DDL's width when it has no header); None when it holds
    no records. Remembered: the DDL and dialect checks share it."""

    def detect() -> Dialect | None:
        sample, truncated = _sample(ctx, delivered)
        if not sample.strip(UTF8_BOM + b" \r\n\t"):
            return None
        known = _known_columns(delivered.obj)
        hints = ctx.dds_settings.dialect_hints()
        dialect = detect_dialect(sample, truncated=truncated, known_columns=known, hints=hints)
        if dialect.has_header:
            return dialect
        try:
            ddl = _ddl(ctx, delivered.obj)
        except DDL_ERRORS:
            return dialect
        if ddl is None:
            return dialect
        layout = delete_file_layout(ddl) if delivered.name.job == "delete" else list(ddl.columns)
        return detect_dialect(
            sample,
            truncated=truncated,
            known_columns=[*known, *(n for n, _ in layout)],
            expected_width=len(layout),
            hints=hints,
        )

    return ctx.remember(("dialect", delivered.file.key), detect)


def _sample(ctx: DoctorContext, delivered: Delivered) -> tuple[bytes, bool]:
    return ctx.remember(
        ("sample", delivered.file.key),
        lambda: read_head(ctx.s3, ctx.dds_settings.bucket, delivered.file.key, SAMPLE_BYTES),
    )


def _known_columns(obj: CatalogObject) -> list[str]:
    """Names the object is known to have: a first record holding them is a header (as the reader decides)."""
    return [*obj.key, *reader_types(obj), READ_TIME]


def _header(ctx: DoctorContext, delivered: Delivered, dialect: Dialect) -> list[str]:
    first = next(_records(ctx, delivered, dialect), [])
    return [name.strip() for name in first]


def _bracketed(ctx: DoctorContext, delivered: Delivered, dialect: Dialect) -> list[str]:
    """Whole fields of the file's first bytes written as ``[...]``: a DDS job whose ``[`` enclosure closes with
    ``]``. (A ``[`` enclosure closed by ``[`` never ends a field with ``]``.)"""
    sample, _ = _sample(ctx, delivered)
    delimiter = re.escape(dialect.delimiter)
    field = re.compile(rf"(?:^|(?<={delimiter}))\[[^\[\]\r\n]*\](?={delimiter}|\r|\n|$)", re.MULTILINE)
    return field.findall(sample.decode("utf-8", "replace"))


def _records(ctx: DoctorContext, delivered: Delivered, dialect: Dialect) -> Iterator[list[str]]:
    """The records of the file's first bytes, read in ``dialect``."""
    sample, _ = _sample(ctx, delivered)
    text = sample[len(UTF8_BOM) :] if dialect.bom else sample
    return csv.reader(
        io.StringIO(text.decode("utf-8", "replace"), newline=""),
        delimiter=dialect.delimiter,
        quotechar=dialect.enclosure,
    )


def _ddl(ctx: DoctorContext, obj: CatalogObject) -> DdsTableDdl | None:
    loader = ctx.remember(("ddl loader",), lambda: DdlLoader(ctx.dds_settings, ctx.s3))
    return loader(obj.name)
