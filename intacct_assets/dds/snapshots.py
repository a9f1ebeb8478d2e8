"""Complete ``all`` deliveries: when every part of one is loaded, the records it lacks are flagged deleted
(absence tombstones), and the delivery is recorded in ``intacct_meta.dds_snapshots`` so later files respect it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from intacct_assets.catalog import CatalogObject
from intacct_assets.dds.filenames import DdsFileName
from intacct_assets.warehouse import ledger
from intacct_assets.warehouse.merge import TargetTable, Tombstone, tombstone_absent

log = logging.getLogger(__name__)

# DDS's smallest records-per-file when splitting is on (intacct-sdk-php DdsJobCreate: MIN_SPLIT_SIZE 10000).
MIN_SPLIT_SIZE = 10_000


def utc_naive(moment: datetime) -> datetime:
    """Warehouse timestamps are UTC without a zone (DuckDB TIMESTAMP)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def snapshot_id(name: DdsFileName) -> str:
    """Sortable id of an ``all`` delivery: its timestamp first, then its name."""
    return f"{name.delivered_at:%Y%m%dT%H%M%S}|{name.delivery}"


def delivery_complete(parts: list[tuple[int | None, int]], split_size: int) -> bool:
    """Whether every file of an ``all`` delivery has been loaded.

    An unsplit file is complete by itself. Split parts must be contiguous from 0 or 1, and the
    last one must be short: DDS fills every part to the split size except the last, so a part
    with fewer records than the largest (or than the configured split size) ends the delivery.
    A part with fewer records than DDS's smallest split size is the last one by construction, so a
    lone numbered part below it is complete too (whether DDS numbers a lone part is undocumented).
    """
    if any(part is None for part, _ in parts):
        return True
    if not parts:
        return False
    numbers = sorted(part for part, _ in parts)
    if numbers[0] not in (0, 1) or numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        return False
    records = dict(parts)
    last = records[numbers[-1]]
    if split_size:
        return last < split_size
    return last < MIN_SPLIT_SIZE or (len(numbers) > 1 and last < max(records.values()))


def complete_snapshot(
    connection, obj: CatalogObject, target: TargetTable, name: DdsFileName, now: datetime, split_size: int
) -> tuple[int, str]:
    """Tombstone records absent from an ``all`` delivery once all of its parts are loaded.

    Returns how many were tombstoned and, when the delivery is held back, why. A delivery with
    rejected records is held: a record whose row was malformed is absent from what loaded but not
    from Intacct. Re-delivering the corrected part (a new ETag) completes it. A delivery with no
    records at all is never a snapshot: an empty full export is far likelier a failed export than an
    emptied object, and change and delete files still report real deletions.
    """
    if ledger.snapshot_recorded(connection, obj.name, name.delivery):
        return 0, ""
    parts = ledger.delivery_parts(connection, obj.name, name.delivery)
    if not delivery_complete([(part, records) for part, records, _ in parts], split_size):
        return 0, ""
    rejected = sum(rejected for _, _, rejected in parts)
    message = ""
    if rejected:
        message = (
            f"delivery {name.delivery} is complete but has {rejected} rejected record(s): records "
            "absent from it are not flagged deleted until a corrected copy is delivered"
        )
    elif not sum(records for _, records, _ in parts):
        message = (
            f"delivery {name.delivery} holds no records: treated as a failed export, not as a full "
            "one, so nothing is flagged deleted (change and delete files still apply)"
        )
    if message:
        log.warning("%s: %s", obj.name, message)
        return 0, message
    tombstone = Tombstone(moment=utc_naive(name.delivered_at), source=name.delivery)
    deleted = tombstone_absent(connection, target, snapshot_id(name), tombstone, now)
    ledger.record_snapshot(
        connection, obj.name, name.delivery, snapshot_id(name), tombstone.moment, len(parts), deleted, now
    )
    log.info(
        "%s: delivery %s complete (%d parts); %d absent records tombstoned",
        obj.name,
        name.delivery,
        len(parts),
        deleted,
    )
    return deleted, ""
