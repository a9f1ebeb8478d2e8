"""DDS deliveries: `all` and `change` jobs written as CSV files into an S3 bucket, plus DDSJOB records.

File names follow the project contract ``<prefix><OBJECT>.<all|change|delete>.<YYYY-MM-DDTHH-MM-SSZ>[.<NNN>].csv[.gz]``.
Change detection uses the store's commit sequence, not WHENMODIFIED, so back-dated edits still ship.
CSV quoting follows PHP ``fputcsv``: a value is enclosed when it holds the delimiter, the enclosure, a
space, a tab or a line break; enclosure characters inside are doubled. With ``bracket_pair`` a ``[`` enclosure
closes with ``]`` (whether DDS does is undocumented), and ``]`` is doubled inside.
"""

from __future__ import annotations

import gzip
import re
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from intacct_assets.sandbox.clock import iso
from intacct_assets.sandbox.company import views
from intacct_assets.sandbox.company.store import Store
from intacct_assets.sandbox.ddl import ddl, dds_columns
from intacct_assets.sandbox.objects import ObjectDef
from intacct_assets.sandbox.settings import LINE_ENDINGS, DdsFormat
from intacct_assets.sandbox.values import dds_text


class CsvDialect:
    """Encodes rows the way DDS writes them for one file configuration."""

    def __init__(self, fmt: DdsFormat) -> None:
        self.fmt = fmt
        self.delimiter, self.enclosure = fmt.delimiter, fmt.enclosure
        self.closer = "]" if fmt.enclosure == "[" and fmt.bracket_pair else fmt.enclosure
        self.eol = LINE_ENDINGS[fmt.line_ending]
        self._needs = re.compile("[" + re.escape(fmt.delimiter + fmt.enclosure + self.closer) + " \t\r\n]").search
        self._doubled = self.closer * 2

    def quote(self, text: str) -> str:
        if self._needs(text):
            return self.enclosure + text.replace(self.closer, self._doubled) + self.closer
        return text

    def line(self, cells: list[str]) -> str:
        quote = self.quote
        return self.delimiter.join([quote(cell) for cell in cells]) + self.eol

    def encode(self, lines: list[str]) -> bytes:
        text = ("\ufeff" if self.fmt.bom else "") + "".join(lines)
        data = text.encode("utf-8")
        return gzip.compress(data, mtime=0) if self.fmt.compress else data


@dataclass
class ObjectState:
    """Where the last delivery of an object stopped (commit sequence and job time)."""

    seq: int = 0
    job_time: Any = None


class DdsDelivery:
    def __init__(self, store: Store, s3_client: Any, bucket: str, prefix: str, default_format: DdsFormat) -> None:
        self.store = store
        self.s3 = s3_client
        self.bucket, self.prefix = bucket, prefix
        self.default_format = default_format
        self._state: dict[str, ObjectState] = {}
        self._lock = threading.Lock()

    def deliver(self, objects: list[str] | None = None, job_type: str = "all", **format_changes: Any) -> list[dict]:
        """Run one job per object; returns the DDSJOB records written (STATUS Completed or Failed)."""
        if job_type not in ("all", "change"):
            raise ValueError("job_type must be 'all' or 'change'")
        fmt = self.default_format.with_changes(**format_changes)
        registry = self.store.registry
        names = [o.upper() for o in objects] if objects else registry.dds_objects()
        for name in names:
            if registry.get(name) is None or not registry[name].dds:
                raise ValueError(f"{name} is not a DDS object; choose from {', '.join(registry.dds_objects())}")
        with self._lock:  # one delivery at a time keeps job times and sequences monotonic
            return [self._job(registry[name], job_type, fmt) for name in names]

    def delivered_objects(self) -> set[str]:
        return set(self._state)

    def changed_since_delivery(self, name: str) -> bool:
        """Whether a change job for ``name`` would hold anything (a record written or deleted since its last job)."""
        defn = self.store.registry[name]
        since = self._state[name].seq if name in self._state else -1
        with self.store.lock:
            rows = views.rows(self.store, defn)
        return any(row["_seq"] > since for row in rows) or bool(views.deletions(self.store, defn, since))

    def _job(self, defn: ObjectDef, job_type: str, fmt: DdsFormat) -> dict:
        state = self._state.setdefault(defn.name, ObjectState())
        job_time = self.store.clock.now()
        if state.job_time is not None and job_time <= state.job_time:
            job_time = state.job_time + timedelta(seconds=1)  # unique, increasing file names per object
        with self.store.lock:
            seq_now = self.store.seq
            rows = views.rows(self.store, defn)
        since = state.seq if job_type == "change" else -1
        read_time = iso(job_time)
        stamp = job_time.strftime("%Y-%m-%dT%H-%M-%SZ")
        columns = dds_columns(defn)[:-1]
        dialect = CsvDialect(fmt)
        created = updated = 0
        body: list[list[str]] = []
        for row in rows:
            seq = row["_seq"]
            if seq <= since or seq > seq_now:
                continue
            cells = [dds_text(kind, row.get(name)) for name, kind in columns]
            cells.append(read_time)
            if job_type == "change":
                is_new = row.get("_cseq", 0) > since
                created += is_new
                updated += not is_new
                cells.append("create" if is_new else "update")
            else:
                created += 1
            body.append(cells)
        deleted = (
            [d for d in views.deletions(self.store, defn, since) if d.seq <= seq_now] if job_type == "change" else []
        )
        key_columns = list(dict.fromkeys([*defn.key, *defn.dds_pk]))
        files: list[str] = []
        header = [name for name, _ in columns] + ["ddsReadTime"] + (["ddsChangeType"] if job_type == "change" else [])
        if fmt.deletes_inline and deleted:
            for gone in deleted:
                cells = ["" for _ in header]
                for column in key_columns + ["WHENMODIFIED"]:
                    cells[header.index(column)] = (
                        gone.when if column == "WHENMODIFIED" else dds_text("string", gone.record.get(column))
                    )
                cells[-2:] = [read_time, "delete"]
                body.append(cells)
        try:
            files += self._write(defn.name, job_type, stamp, header, body, dialect, fmt)
            if deleted and not fmt.deletes_inline:
                delete_header = key_columns + ["WHENMODIFIED", "ddsReadTime", "ddsChangeType"]
                delete_rows = [
                    [dds_text("string", d.record.get(c)) for c in key_columns] + [d.when, read_time, "delete"]
                    for d in deleted
                ]
                files += self._write(defn.name, "delete", stamp, delete_header, delete_rows, dialect, fmt)
            if not fmt.include_headers:
                self.s3.put_object(
                    Bucket=self.bucket,
                    Key=f"{self.prefix}_ddl/{defn.name}.sql",
                    Body=ddl(self.store.registry, defn).encode(),
                )
            status, error = "Completed", None
            state.seq, state.job_time = seq_now, job_time
        except Exception as failure:  # noqa: BLE001 - any storage failure becomes a Failed DDSJOB
            status, error = "Failed", f"{type(failure).__name__}: {failure}"
        return self.store.insert_system(
            "DDSJOB",
            {
                "OBJECT": defn.name,
                "JOBTYPE": job_type,
                "JOBNAME": f"{defn.name};{job_type};{job_time.isoformat()}",
                "STATUS": status,
                "TIMESTAMP": read_time,
                "RECORDSCREATED": created,
                "RECORDSUPDATED": updated,
                "RECORDSDELETED": len(deleted),
                "FILELIST": ",".join(files),
                "ERROR": error,
                "WHENCREATED": read_time,
                "WHENMODIFIED": read_time,
            },
        )

    def _write(
        self,
        obj: str,
        kind: str,
        stamp: str,
        header: list[str],
        rows: list[list[str]],
        dialect: CsvDialect,
        fmt: DdsFormat,
    ) -> list[str]:
        size = fmt.split_size or max(1, len(rows))
        chunks = [rows[i : i + size] for i in range(0, len(rows), size)] or [[]]
        suffix = ".csv.gz" if fmt.compress else ".csv"
        keys = []
        for number, chunk in enumerate(chunks, start=1):
            part = f".{number:03d}" if fmt.split_size else ""
            key = f"{self.prefix}{obj}.{kind}.{stamp}{part}{suffix}"
            lines = ([dialect.line(header)] if fmt.include_headers else []) + [dialect.line(r) for r in chunk]
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=dialect.encode(lines))
            keys.append(key)
        return keys


class DdsScheduler:
    """Automatic delivery: every ``knobs.dds_interval_seconds`` a change job per object that changed (an `all`
    job for objects never delivered before, since a change file without a baseline is useless). Objects
    nobody touched get no file, so a demo does not queue a run per object per interval for nothing; an
    empty change file can still be asked for (``deliver``)."""

    def __init__(self, delivery: DdsDelivery, knobs: Any) -> None:
        self.delivery, self.knobs = delivery, knobs
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="intacct-sandbox-dds", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def run_once(self) -> list[dict]:
        done = self.delivery.delivered_objects()
        objects = self.delivery.store.registry.dds_objects()
        fresh = [o for o in objects if o not in done]
        jobs = self.delivery.deliver(fresh, "all") if fresh else []
        changed = [o for o in objects if o in done and self.delivery.changed_since_delivery(o)]
        return jobs + (self.delivery.deliver(changed, "change") if changed else [])

    def _loop(self) -> None:
        while not self._stop.is_set():
            interval = self.knobs.dds_interval_seconds
            if not interval:
                self._stop.wait(0.5)
                continue
            if self._stop.wait(interval):
                return
            if self.knobs.dds_interval_seconds:
                self.run_once()
