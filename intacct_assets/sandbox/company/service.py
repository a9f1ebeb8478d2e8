"""The one company service every face calls: which records a caller sees, writes stamped with the caller's
entity and billed as Intacct bills them, and the permissions and options that shape reads.

REST and XML only translate their wire formats into these calls (localstack's provider / protocol split):
visibility, entity stamping and write accounting live here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from intacct_assets.sandbox.company.query import Accessor, BoolOp, Cond, QueryEngine, Resolver
from intacct_assets.sandbox.company.store import Actor, LineOp, Store
from intacct_assets.sandbox.objects import ObjectDef
from intacct_assets.sandbox.stats import Call


@dataclass
class Caller:
    """Who asks (``user`` through ``source``: rest, xml, ui), in which entity (None = the top level), and the
    request ``call`` their API transactions are billed to (None for the Python API and background users)."""

    user: str
    source: str
    entity: str | None = None
    call: Call | None = None

    @property
    def actor(self) -> Actor:
        return Actor(self.user, self.source)

    def bill(self, transactions: int = 1, writes: int = 0) -> None:
        if self.call is not None:
            self.call.transactions += transactions
            self.call.writes += writes


class Company:
    def __init__(
        self, store: Store, *, entity_sees_top_level: bool = True, private_entities: tuple[str, ...] = ()
    ) -> None:
        self.store = store
        self.registry = store.registry
        self.knobs = store.knobs
        self.engine = QueryEngine(store, entity_sees_top_level, private_entities=private_entities)

    # ------------------------------------------------------------------ entities and permissions
    def has_entity(self, entity: str) -> bool:
        return self.store.find("LOCATIONENTITY", entity) is not None

    def readable(self, defn: ObjectDef) -> bool:
        """Whether the Web Services user may read the object (AUDITHISTORY needs a permission: knob)."""
        return defn.name != "AUDITHISTORY" or self.knobs.audit_history_readable

    def queryable(self, defn: ObjectDef, name: str) -> bool:
        """Whether a field (XML name) may be selected in a query: writeOnly fields and the knob's are not."""
        declared = defn.by_name.get(name)
        return not (declared is not None and declared.writeonly) and not self.knobs.refuses_query(defn.name, name)

    # ------------------------------------------------------------------ reads (visibility)
    def resolver(self, defn: ObjectDef, face: str) -> Resolver:
        """Field names of one face (``rest`` paths or ``xml`` names) -> accessors; XML values are shown in the
        Web Services user's date format and time zone (knobs)."""
        if face == "xml":
            return Resolver(self.store, defn, face, self.knobs.xml_style())
        return Resolver(self.store, defn, face)

    def record(self, defn: ObjectDef, key: int, caller: Caller) -> dict | None:
        """A record by RECORDNO, if the caller sees it."""
        return self._seen(defn, self.store.get(defn.name, key), caller)

    def find(self, defn: ObjectDef, ident: object, caller: Caller) -> dict | None:
        """A record by its ID (RECORDNO for objects without one), if the caller sees it."""
        return self._seen(defn, self.store.find(defn.name, ident), caller)

    def _seen(self, defn: ObjectDef, record: dict | None, caller: Caller) -> dict | None:
        scope = self.engine.visible(defn, caller.entity)  # the caller's view (None: every record)
        return record if record is not None and (scope is None or scope(record)) else None

    def rows(
        self,
        defn: ObjectDef,
        caller: Caller,
        where: Cond | BoolOp | None = None,
        order: list[tuple[Accessor, bool]] | None = None,
        *,
        case_sensitive: bool = True,
        cache_key: str = "list",
        include_private: bool = True,
    ) -> list[dict]:
        """The records the caller sees that match ``where``, in ``order`` (key order without one).
        ``include_private=False``: the top level leaves out private entities' records (REST ``includePrivate``,
        XML ``showprivate``, both off by default)."""
        return self.engine.run(
            defn,
            where,
            order or [],
            entity=caller.entity,
            case_sensitive=case_sensitive,
            cache_key=cache_key,
            include_private=include_private,
        )

    # ------------------------------------------------------------------ writes (entities, accounting)
    @contextmanager
    def transaction(self, caller: Caller) -> Iterator[None]:
        """Writes inside commit together or not at all; rolled-back writes are not billed."""
        call = caller.call
        writes = call.writes if call else 0
        try:
            with self.store.transaction():
                yield
        except BaseException:
            if call is not None:
                call.transactions -= call.writes - writes
                call.writes = writes
            raise

    def create(self, defn: ObjectDef, values: dict, lines: list[dict] | None, caller: Caller) -> dict:
        """A record created in the caller's entity (its lines inherit it)."""
        if caller.entity and defn.entity_scoped:
            values = {**values, "MEGAENTITYID": caller.entity}
        record = self.store.create(defn.name, values, lines, actor=caller.actor)
        caller.bill(1, writes=1)
        return record

    def update(
        self,
        defn: ObjectDef,
        key: int,
        values: dict,
        caller: Caller,
        line_ops: list[LineOp] | None = None,
        *,
        replace_lines: bool = False,
    ) -> dict:
        record = self.store.update(defn.name, key, values, line_ops, replace_lines=replace_lines, actor=caller.actor)
        caller.bill(1, writes=1)
        return record

    def delete(self, defn: ObjectDef, key: int, caller: Caller) -> dict:
        record = self.store.delete(defn.name, key, actor=caller.actor)
        caller.bill(1, writes=1)
        return record
