"""An object's audit trail: the events Intacct logs when a record is created or deleted.

REST objects read it from the REST object ``company-config/audit-history`` (developer.sage.com's OpenAPI:
``changeDetails.objectName`` is the REST object, ``changeDetails.objectId`` the record's ``id``,
``changeSource.accessDateTime`` / ``actionPerformed`` when and what); XML objects from the XML object
``AUDITHISTORY`` (developer.intacct.com/api/company-console/audit-trails: ``OBJECTTYPE`` is the lower-case
object name, ``ACCESSMODE`` ``C``/``D`` in a ``query``, ``OBJECTKEY`` the object's unique name field, and the
object has no RECORDNO: it is read in ``ID`` order, as estuary/connectors source-sage-intacct and
hotgluexyz/tap-intacct do). Either way the events come out as text columns ``OBJECTKEY``, ``ACCESSTIME``,
``ACCESSMODE`` (``C`` or ``D``), read in (time, key) order by the pager.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

from intacct_assets.api_ingest.sources import RestSource, XmlSource
from intacct_assets.api_ingest.targets import SyncTarget
from intacct_assets.intacct import IntacctClient
from intacct_assets.intacct.filters import Compare, Filter, all_of

EVENT_COLUMNS = ("OBJECTKEY", "ACCESSTIME", "ACCESSMODE")
XML_FIELDS = (*EVENT_COLUMNS, "ID")  # what is read of AUDITHISTORY: the events, then its own key
REST_AUDIT = "company-config/audit-history"
REST_FIELDS = ("changeDetails.objectId", "changeSource.accessDateTime", "changeSource.actionPerformed", "key")
_REST_ACTIONS = {"C": "create", "D": "delete"}


@dataclass(frozen=True)
class AuditTrail:
    """Where one object's events are read, and how they are named on that face."""

    source: RestSource | XmlSource
    fields: tuple[str, ...]  # the wire names of EVENT_COLUMNS, then the trail's own unique key
    base: Filter

    @classmethod
    def of(
        cls, client: IntacctClient, target: SyncTarget, entity: str | None, page_size: int, modes: tuple[str, ...]
    ) -> AuditTrail:
        """``modes``: the events wanted, ``C`` (created) and/or ``D`` (deleted)."""
        if target.rest:
            source = RestSource(client, REST_AUDIT, entity, page_size)
            actions = [_REST_ACTIONS[m] for m in modes]
            return cls(
                source,
                REST_FIELDS,
                all_of(
                    Compare("eq", "changeDetails.objectName", target.rest),
                    Compare("in", "changeSource.actionPerformed", actions),
                ),
            )
        source = XmlSource(
            client,
            "AUDITHISTORY",
            entity,
            page_size,
            key=("ID",),
            modified="ACCESSTIME",
            declared={"ACCESSTIME": "timestamp"},
        )
        return cls(
            source,
            XML_FIELDS,
            all_of(Compare("eq", "OBJECTTYPE", target.object.lower()), Compare("in", "ACCESSMODE", list(modes))),
        )

    @property
    def order(self) -> tuple[str, str]:
        return self.fields[1], self.fields[3]

    def window(self, since: datetime) -> Filter:
        return all_of(self.base, Compare("gte", self.fields[1], self.source.timestamp_text(since)))

    def events(self, frames: list[pl.DataFrame]) -> pl.DataFrame:
        """The pages read, as ``OBJECTKEY``, ``ACCESSTIME``, ``ACCESSMODE`` (``C``/``D``) text columns."""
        empty = pl.DataFrame(schema={name: pl.String for name in self.fields})
        frame = pl.concat(frames) if frames else empty
        wires = zip(self.fields[:3], EVENT_COLUMNS, strict=True)
        renamed = frame.select(pl.col(wire).alias(name) for wire, name in wires)
        if isinstance(self.source, RestSource):
            codes = {action: mode for mode, action in _REST_ACTIONS.items()}
            renamed = renamed.with_columns(pl.col("ACCESSMODE").replace_strict(codes, default=None))
        return renamed
