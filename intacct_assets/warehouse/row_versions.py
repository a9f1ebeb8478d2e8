"""Record versions in SQL: the struct ``(modified, read, delivered, source)`` each batch row gets, and the data
version (the live flag in front) that decides a row's business columns. See ``merge`` for the rules."""

from __future__ import annotations

from intacct_assets.warehouse.meta_columns import (
    DATA_LIVE,
    DATA_MODIFIED,
    DATA_READ,
    DATA_VERSION,
    DELETED,
    MODIFIED,
    READ,
    VERSION,
)

VERSION_FIELDS = ("modified", "read", "delivered", "source")
_EPOCH = "TIMESTAMP '1970-01-01'"


def with_live(live: str, version: str) -> str:
    """A data version: the live flag in front of a version's fields."""
    fields = ", ".join(f"{name} := struct_extract({version}, '{name}')" for name in VERSION_FIELDS)
    return f"struct_pack(live := {live}, {fields})"


def effective_data_version(alias: str) -> str:
    """A table row's data version (stored NULL means 'the live state itself'); NULL for no row."""
    live_state = with_live("true", f"{alias}.{VERSION}")
    return f"coalesce({alias}.{DATA_VERSION}, CASE WHEN {alias}.{VERSION} IS NOT NULL THEN {live_state} END)"


def stored_data_version(data_version: str, version: str) -> str:
    return f"CASE WHEN {data_version} = {with_live('true', version)} THEN NULL ELSE {data_version} END"


def _version_fields(modified: str, read: str, seen_live: str | None) -> dict[str, str]:
    """SQL for each field of a batch row's version.

    ``seen_live`` (``all`` files): when this is true, the record was there when it was read (``ddsReadTime``;
    else the delivery time), so its version is at least ``(read, read, delivered, source)``. A newer full
    export thus outranks an older one's absence tombstone (an export that missed records cannot delete
    them for good), and changes made before the read. Written field by field: the same maximum as
    ``greatest`` of the two structs (they share delivery and source), several times cheaper.
    """
    fields = {
        "modified": f"coalesce(b.{modified}, {_EPOCH})",
        "read": f"coalesce(b.{read}, {_EPOCH})",
        "delivered": "$delivered::TIMESTAMP",
        "source": "$source::VARCHAR",
    }
    if seen_live is not None:
        at, m, r = f"coalesce(b.{read}, $delivered::TIMESTAMP)", fields["modified"], fields["read"]
        fields["modified"] = f"CASE WHEN {seen_live} THEN greatest({m}, {at}) ELSE {m} END"
        fields["read"] = (
            f"CASE WHEN {seen_live} AND {m} < {at} THEN {at} "
            f"WHEN {seen_live} AND {m} = {at} THEN greatest({r}, {at}) ELSE {r} END"
        )
    return fields


def _pack(fields: dict[str, str]) -> str:
    return f"struct_pack({', '.join(f'{name} := {sql}' for name, sql in fields.items())})"


def batch_versions(columns: list[str], from_snapshot: bool) -> tuple[str, str]:
    """SQL for the batch row's state version and data version."""
    state = _version_fields(MODIFIED, READ, f"NOT b.{DELETED}" if from_snapshot else None)
    if DATA_LIVE in columns:
        live = f"b.{DATA_LIVE}"
        data = _version_fields(DATA_MODIFIED, DATA_READ, live if from_snapshot else None)
    else:
        live, data = f"NOT b.{DELETED}", state
    return _pack(state), _pack({"live": live, **data})
