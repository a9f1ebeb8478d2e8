"""The single in-memory company every face reads and writes.

Records are plain dicts keyed by XML field names, replaced (never mutated) on update so readers holding
an old version stay consistent. Every mutation gets a global sequence number (``_seq``; ``_cseq`` at
creation): query caches key on it and DDS change jobs select on it, so back-dated WHENMODIFIED values
never hide a change from DDS. Writes are serialized under one lock and are atomic (undo log).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from intacct_assets.sandbox.clock import Clock, iso
from intacct_assets.sandbox.company import audit, rules
from intacct_assets.sandbox.errors import SandboxError
from intacct_assets.sandbox.objects import ObjectDef, Registry
from intacct_assets.sandbox.settings import Knobs


@dataclass(frozen=True)
class Actor:
    """Who writes: user id and the face used (rest, xml, ui for background users, seed)."""

    user: str
    source: str


@dataclass(frozen=True)
class Deletion:
    seq: int
    object: str
    record: dict
    when: str  # deletion time, canonical timestamp


@dataclass(frozen=True)
class LineOp:
    """A change to one owned line: op is create | update | delete."""

    op: str
    values: dict
    key: int | None = None


_BOOKKEEPING = frozenset({"WHENMODIFIED", "MODIFIEDBY", "_seq", "_cseq"})


class Table:
    def __init__(self, defn: ObjectDef) -> None:
        self.defn = defn
        self.rows: dict[int, dict] = {}
        self.by_id: dict[str, int] = {}
        self.children: dict[int, list[int]] = {}  # line tables: parent key -> line keys
        self.version = 0


class Store:
    def __init__(self, registry: Registry, clock: Clock, knobs: Knobs, seed: int = 1) -> None:
        self.registry = registry
        self.clock = clock
        self.knobs = knobs
        self.lock = threading.RLock()
        self.tables = {o.name: Table(o) for o in registry.base_objects()}
        self.seq = 0
        self.deletions: list[Deletion] = []
        self._counters: dict[str, int] = {}
        self._undo: list[tuple] | None = None
        self._rng = random.Random(f"backdate-{seed}")
        self.views_cache: dict[str, tuple[tuple, list[dict]]] = {}

    # ---------------------------------------------------------------- reads
    def table(self, obj: str) -> Table:
        try:
            return self.tables[obj]
        except KeyError:
            raise SandboxError("invalid_request", f"Unknown object {obj}", errorno="DL02000001") from None

    def get(self, obj: str, key: int) -> dict | None:
        return self.table(obj).rows.get(key)

    def find(self, obj: str, ident: object) -> dict | None:
        """Record by user-facing ID (or by RECORDNO for objects without an ID field)."""
        table = self.table(obj)
        if table.defn.id_field is None:
            try:
                return table.rows.get(int(str(ident)))
            except ValueError:
                return None
        key = table.by_id.get(str(ident))
        return None if key is None else table.rows.get(key)

    def lines_of(self, owner: ObjectDef, key: int) -> list[dict]:
        if owner.lines is None:
            return []
        table = self.tables[owner.lines.object]
        return [table.rows[k] for k in table.children.get(key, ())]

    def snapshot(self, obj: str) -> list[dict]:
        with self.lock:
            return list(self.table(obj).rows.values())

    def version(self, obj: str) -> int:
        defn = self.registry[obj]
        if defn.is_view:
            return max(self.tables[s].version for s in defn.view_of)
        return self.tables[obj].version

    def deletions_since(self, objects: tuple[str, ...], seq: int) -> list[Deletion]:
        with self.lock:
            return [d for d in self.deletions if d.seq > seq and d.object in objects]

    # ---------------------------------------------------------------- writes
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all (nested calls join the outer one)."""
        with self.lock:
            if self._undo is not None:
                yield
                return
            self._undo = []
            deletions_len = len(self.deletions)
            try:
                yield
            except BaseException:
                for table, key, old in reversed(self._undo):
                    self._store_row(table, key, old)
                del self.deletions[deletions_len:]
                raise
            finally:
                self._undo = None

    def stamp(self) -> str:
        """Modified time for a write now (back-dated by the knob at the configured rate)."""
        now = self.clock.now()
        if self.knobs.backdate_rate and self._rng.random() < self.knobs.backdate_rate:
            now -= timedelta(seconds=self.knobs.backdate_seconds)
        return iso(now)

    def next_key(self, defn: ObjectDef) -> int:
        space = defn.key_space or defn.name
        self._counters[space] = self._counters.get(space, 0) + 1
        return self._counters[space]

    def create(self, obj: str, values: dict, lines: list[dict] | None = None, *, actor: Actor) -> dict:
        defn = self._writable(obj)
        with self.transaction():
            stamp = self.stamp()
            record = self._new_record(defn, values, stamp, actor)
            if self.knobs.null_modified_rate and self._rng.random() < self.knobs.null_modified_rate:
                record["WHENMODIFIED"] = None  # REST audit.modifiedDateTime is nullable; XML WHENMODIFIED is seen empty
            line_defn = self.registry[defn.lines.object] if defn.lines else None
            new_lines = [self._new_record(line_defn, lv, stamp, actor, header=record) for lv in (lines or [])]
            self._finish(defn, record, new_lines, None)
            self._audit(defn, record, "C", actor, stamp)
            return record

    def update(
        self,
        obj: str,
        key: int,
        values: dict,
        line_ops: list[LineOp] | None = None,
        *,
        replace_lines: bool = False,
        actor: Actor,
        stamp: str | None = None,
    ) -> dict:
        defn = self._writable(obj)
        with self.transaction():
            old = self.get(obj, key)
            if old is None:
                raise SandboxError("not_found", f"Cannot update non-existing {defn.name} with key '{key}'.")
            stamp = stamp or self.stamp()
            changes = {k: v for k, v in values.items() if not defn.by_name[k].readonly}
            record = {**old, **changes, "WHENMODIFIED": stamp, "MODIFIEDBY": actor.user}
            rules.check_values(self, defn, record, changes)
            current = self.lines_of(defn, key)
            if defn.lines and (line_ops or replace_lines or current):
                lines = self._apply_line_ops(defn, record, current, line_ops or [], replace_lines, stamp, actor)
            else:
                lines = []
            self._finish(defn, record, lines, old, current)
            self._audit(defn, record, "M", actor, stamp)
            return record

    def delete(self, obj: str, key: int, *, actor: Actor) -> dict:
        defn = self._writable(obj)
        with self.transaction():
            old = self.get(obj, key)
            if old is None:
                raise SandboxError("not_found", f"Cannot find {defn.name.lower()} with key '{key}' to delete.")
            rules.before_delete(self, defn, old)
            stamp = self.stamp()
            if defn.owner:  # deleting one line edits its document
                self._delete_line(defn, old, actor, stamp)
                return old
            old_lines = self.lines_of(defn, key)
            for line in old_lines:
                self._remove(self.registry[defn.lines.object], line, stamp)
            self._remove(defn, old, stamp)
            rules.after_write(self, defn, None, old_lines, [], stamp)
            self._audit(defn, old, "D", actor, stamp)
            return old

    def insert_system(self, obj: str, values: dict) -> dict:
        """Rows the system itself writes (DDSJOB); no validation, no audit."""
        defn = self.registry[obj]
        with self.transaction():
            record = {**values, "RECORDNO": self.next_key(defn)}
            self._put(defn, record, created=True)
            return record

    def write_dependent(self, defn: ObjectDef, record: dict) -> None:
        """Replace a record the rules maintain (an invoice's paid totals), inside the current write."""
        self._put(defn, record, created=False)

    def bulk_load(self, obj: str, records: list[dict]) -> None:
        """Seeding fast path: records are complete and valid; keys are taken from a shared counter."""
        defn = self.registry[obj]
        table = self.tables[obj]
        with self.lock:
            self.seq += 1
            for record in records:
                record["_seq"] = record["_cseq"] = self.seq
                table.rows[record["RECORDNO"]] = record
            if defn.id_field:
                table.by_id.update((r[defn.id_field], r["RECORDNO"]) for r in records)
            if defn.owner:
                parent_field = self.registry[defn.owner].lines.parent_field
                for r in records:
                    table.children.setdefault(int(r[parent_field]), []).append(r["RECORDNO"])
            space = defn.key_space or defn.name
            if records:
                self._counters[space] = max(self._counters.get(space, 0), max(r["RECORDNO"] for r in records))
            table.version = self.seq

    # ---------------------------------------------------------------- internals
    def _writable(self, obj: str) -> ObjectDef:
        defn = self.registry.get(obj)
        if defn is None or defn.is_view or not defn.writable:
            raise SandboxError("invalid_request", f"Object {obj} cannot be written", errorno="BL01001973")
        return defn

    def _new_record(self, defn: ObjectDef, values: dict, stamp: str, actor: Actor, header: dict | None = None) -> dict:
        record = {f.name: f.default for f in defn.fields if f.default is not None}
        record.update({k: v for k, v in values.items() if not defn.by_name[k].readonly or header is not None})
        if header is not None:
            owner = self.registry[defn.owner]
            record[owner.lines.parent_field] = str(header["RECORDNO"])
            for source, target in owner.lines.inherit:
                record[target] = header.get(source)
        record.update(
            {
                "RECORDNO": self.next_key(defn),
                defn.audit_created: stamp,
                "WHENMODIFIED": stamp,
                "CREATEDBY": actor.user,
                "MODIFIEDBY": actor.user,
            }
        )
        if defn.id_field and not record.get(defn.id_field) and defn.auto_id:
            record[defn.id_field] = f"{defn.auto_id}{record['RECORDNO']:06d}"
        for f in defn.fields:
            if f.required and record.get(f.name) in (None, ""):
                raise SandboxError(
                    "invalid_request",
                    f"Required field {f.name} is missing",
                    field=f.name,
                    errorno="BL01001973",
                    description="Missing required field",
                )
        if defn.id_field:
            ident = record[defn.id_field]
            if ident in self.tables[defn.name].by_id:
                raise rules.duplicate_error(defn, ident, self.knobs.duplicate_wording)
        rules.check_values(self, defn, record, record)
        return record

    def _apply_line_ops(
        self,
        defn: ObjectDef,
        header: dict,
        current: list[dict],
        ops: list[LineOp],
        replace: bool,
        stamp: str,
        actor: Actor,
    ) -> list[dict]:
        line_defn = self.registry[defn.lines.object]
        by_key = {line["RECORDNO"]: line for line in current}
        result: dict[int, dict | None] = {} if replace else dict(by_key)
        added: list[dict] = []
        for op in ops:
            if op.op == "create":
                added.append(self._new_record(line_defn, op.values, stamp, actor, header=header))
                continue
            if op.key not in by_key:
                raise SandboxError("not_found", f"Line {op.key} does not belong to {defn.name} {header['RECORDNO']}")
            if op.op == "delete":
                result[op.key] = None
            else:
                line = {**by_key[op.key], **op.values, "WHENMODIFIED": stamp, "MODIFIEDBY": actor.user}
                rules.check_values(self, line_defn, line, op.values)
                result[op.key] = line
        kept = [line for line in result.values() if line is not None] + added
        for source, target in defn.lines.inherit:
            kept = [
                line if line.get(target) == header.get(source) else {**line, target: header.get(source)}
                for line in kept
            ]
        return kept

    def _finish(
        self, defn: ObjectDef, record: dict, lines: list[dict], old: dict | None, old_lines: list[dict] = ()
    ) -> None:
        """Validate the whole document, then write header, changed lines and dependent records."""
        line_defn = self.registry[defn.lines.object] if defn.lines else None
        lines = [dict(line, LINE_NO=number) for number, line in enumerate(lines, start=1)]
        rules.prepare(self, defn, record, lines)
        if defn.lines and len(lines) < defn.lines.min_lines:
            raise SandboxError(
                "business",
                f"{defn.name} requires at least {defn.lines.min_lines} {line_defn.name} line(s).",
                description="Not enough lines",
            )
        rules.validate(self, defn, record, lines, old_lines)
        self._put(defn, record, created=old is None)
        if line_defn:
            keep = {line["RECORDNO"] for line in lines}
            for line in old_lines:
                if line["RECORDNO"] not in keep:
                    self._remove(line_defn, line, record["WHENMODIFIED"])
            previous = {line["RECORDNO"]: line for line in old_lines}
            for line in lines:
                before = previous.get(line["RECORDNO"])
                if before is None:
                    self._put(line_defn, line, created=True)
                elif any(line.get(k) != before.get(k) for k in line if k not in _BOOKKEEPING):
                    line.update(WHENMODIFIED=record["WHENMODIFIED"], MODIFIEDBY=record["MODIFIEDBY"])
                    self._put(line_defn, line, created=False)
        rules.after_write(self, defn, record, old_lines, lines, record["WHENMODIFIED"])

    def _delete_line(self, line_defn: ObjectDef, line: dict, actor: Actor, stamp: str) -> None:
        owner = self.registry[line_defn.owner]
        header = self.get(owner.name, int(line[owner.lines.parent_field]))
        ops = [LineOp("delete", {}, line["RECORDNO"])]
        self.update(owner.name, header["RECORDNO"], {}, ops, actor=actor, stamp=stamp)

    def _put(self, defn: ObjectDef, record: dict, *, created: bool) -> None:
        self.seq += 1
        record["_seq"] = self.seq
        if created:
            record["_cseq"] = self.seq
        table = self.tables[defn.name]
        old = table.rows.get(record["RECORDNO"])
        if self._undo is not None:
            self._undo.append((table, record["RECORDNO"], old))
        self._store_row(table, record["RECORDNO"], record)

    def _remove(self, defn: ObjectDef, record: dict, stamp: str) -> None:
        self.seq += 1
        table = self.tables[defn.name]
        if self._undo is not None:
            self._undo.append((table, record["RECORDNO"], record))
        self._store_row(table, record["RECORDNO"], None)
        self.deletions.append(Deletion(self.seq, defn.name, record, stamp))

    def _store_row(self, table: Table, key: int, record: dict | None) -> None:
        """Set or clear one row keeping the ID and parent indexes in step (also used by rollback)."""
        defn = table.defn
        old = table.rows.pop(key, None)
        if old is not None:
            if defn.id_field and table.by_id.get(old.get(defn.id_field)) == key:
                del table.by_id[old[defn.id_field]]
            if defn.owner:
                siblings = table.children.get(int(old[self.registry[defn.owner].lines.parent_field]), [])
                if key in siblings:
                    siblings.remove(key)
        if record is not None:
            table.rows[key] = record
            if defn.id_field and record.get(defn.id_field) is not None:
                table.by_id[record[defn.id_field]] = key
            if defn.owner:
                siblings = table.children.setdefault(int(record[self.registry[defn.owner].lines.parent_field]), [])
                siblings.append(key)
                siblings.sort()
        table.version = self.seq

    def _audit(self, defn: ObjectDef, record: dict, mode: str, actor: Actor, stamp: str) -> None:
        if defn.audit and not defn.owner:
            history = self.registry["AUDITHISTORY"]
            number = self.next_key(history)
            row = audit.event(defn, record, mode, actor.user, actor.source, stamp, number, self.knobs.audit_object_key)
            self._put(history, row, created=True)
