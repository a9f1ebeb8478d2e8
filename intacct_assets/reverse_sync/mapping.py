"""Source rows → Intacct payloads: dot paths become nested JSON; NULL leaves a field alone.

A NULL source value omits the field (Intacct keeps its value) unless the sync says ``nulls: clear``;
an empty string clears the field (sent as null) unless the sync says ``empty_strings: leave``.
The payload hash covers exactly what would be sent, so unmapped columns never cause writes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from intacct_assets.reverse_sync.objects import WriteObject
from intacct_assets.reverse_sync.spec import SyncSpec

_OMIT = object()


def wire_value(value: Any) -> Any:
    """JSON for Intacct: amounts as strings (exact), dates ISO, timestamps ISO UTC."""
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, datetime):
        if value.tzinfo is not None:  # TIMESTAMPTZ arrives in the session's time zone: send the UTC instant
            value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return value


def _field_value(value: Any, spec: SyncSpec) -> Any:
    if value is None:
        return None if spec.nulls == "clear" else _OMIT
    if isinstance(value, str) and value == "":
        return None if spec.empty_strings == "clear" else _OMIT
    return wire_value(value)


def set_path(target: dict, path: str, value: Any) -> None:
    """``contacts.default.email1`` → ``{"contacts": {"default": {"email1": value}}}``."""
    *parents, leaf = path.split(".")
    node = target
    for part in parents:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ValueError(f"mapping puts both a value and fields under {part!r}")
    node[leaf] = value


def map_fields(row: dict[str, Any], mapping: dict[str, str], spec: SyncSpec) -> dict:
    payload: dict = {}
    for field, column in mapping.items():
        value = _field_value(row.get(column), spec)
        if value is not _OMIT:
            set_path(payload, field, value)
    return payload


def payload_hash(payload: dict) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class SourceRecord:
    """One Intacct record to be: its match value, payload, hash, or why it cannot be sent."""

    match_value: str
    payload: dict
    hash: str
    error: str | None = None


def _signed_line(line: dict) -> dict:
    amount = Decimal(str(line.pop("amount")))
    line["txnType"] = "debit" if amount >= 0 else "credit"
    line["txnAmount"] = wire_value(abs(amount))
    return line


def _balance_error(lines: list[dict]) -> str | None:
    debits = sum((Decimal(line["txnAmount"]) for line in lines if line["txnType"] == "debit"), Decimal(0))
    credits = sum((Decimal(line["txnAmount"]) for line in lines if line["txnType"] == "credit"), Decimal(0))
    if len(lines) < 2:
        return "a journal entry needs at least two lines (one debit, one credit)"
    if debits != credits:
        return f"debits {debits} do not equal credits {credits} (difference {debits - credits})"
    return None


def build_records(rows: list[dict[str, Any]], spec: SyncSpec, target: WriteObject) -> list[SourceRecord]:
    """Map source rows to records; rows of one document are grouped, invalid ones explained."""
    groups: dict[str, list[dict]] = {}
    for row in rows:
        value = row.get(spec.document_column)
        key = "" if value is None else str(wire_value(value))
        groups.setdefault(key, []).append(row)
    records = []
    for match_value, members in groups.items():
        records.append(_record(match_value, members, spec, target))
    return records


def _record(match_value: str, members: list[dict], spec: SyncSpec, target: WriteObject) -> SourceRecord:
    def rejected(reason: str) -> SourceRecord:
        return SourceRecord(match_value, {}, "", reason)

    if match_value == "":
        return rejected(f"match column {spec.document_column!r} is empty ({len(members)} row(s))")
    if not target.has_lines and len(members) > 1:
        return rejected(f"{len(members)} source rows share {spec.document_column} = {match_value!r}")
    try:
        payload = map_fields(members[0], spec.mapping, spec)
        if spec.lines:
            lines = [map_fields(row, spec.lines, spec) for row in members]
            if target.signed_lines:
                if any("amount" not in line for line in lines):
                    return rejected("every journal entry line needs an amount")
                lines = [_signed_line(line) for line in lines]
                error = _balance_error(lines)
                if error:
                    return rejected(error)
            payload[target.lines_field or "lines"] = lines
    except (ValueError, ArithmeticError) as error:
        return rejected(str(error))
    return SourceRecord(match_value, payload, payload_hash(payload))
