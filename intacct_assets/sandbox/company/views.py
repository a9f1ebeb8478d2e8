"""Derived objects (GLDETAIL, APRECORD, ARRECORD, APDETAIL, ARDETAIL, GLACCOUNTBALANCE) computed from the
base tables, cached until a source table changes. Rows carry ``_seq``/``_cseq`` like base rows so DDS
change jobs treat views and tables alike."""

from __future__ import annotations

import calendar
from decimal import Decimal
from typing import TYPE_CHECKING

from intacct_assets.sandbox.company.rules import ZERO, money
from intacct_assets.sandbox.objects import ObjectDef

if TYPE_CHECKING:
    from intacct_assets.sandbox.company.store import Deletion, Store


def rows(store: Store, defn: ObjectDef) -> list[dict]:
    """All rows of an object, base or derived."""
    if not defn.is_view:
        return store.snapshot(defn.name)
    with store.lock:
        versions = tuple(store.tables[s].version for s in defn.view_of)
        cached = store.views_cache.get(defn.name)
        if cached and cached[0] == versions:
            return cached[1]
        sources = {s: list(store.tables[s].rows.values()) for s in defn.view_of}
        deleted = [d for d in store.deletions if d.object == "GLENTRY"] if defn.name == "GLACCOUNTBALANCE" else []
    built = _BUILDERS[defn.name](sources, deleted)
    store.views_cache[defn.name] = (versions, built)
    return built


def deletions(store: Store, defn: ObjectDef, since_seq: int) -> list[Deletion]:
    """Deleted records of an object since a sequence number (views map source deletions by RECORDNO;
    GLACCOUNTBALANCE rows are never deleted, they drop to zero activity)."""
    if defn.name == "GLACCOUNTBALANCE":
        return []
    return store.deletions_since(defn.view_of or (defn.name,), since_seq)


def _union(sources: dict[str, list[dict]], _deleted: list) -> list[dict]:
    merged = [row for source in sources.values() for row in source]
    merged.sort(key=lambda r: r["RECORDNO"])
    return merged


def _gldetail(sources: dict[str, list[dict]], _deleted: list) -> list[dict]:
    batches = {b["RECORDNO"]: b for b in sources["GLBATCH"]}
    out = []
    for entry in sources["GLENTRY"]:
        batch = batches.get(int(entry["BATCHNO"]), {})
        debit = entry["TR_TYPE"] == 1
        zero = "0.00"
        out.append(
            {
                **entry,
                "DEBITAMOUNT": entry["AMOUNT"] if debit else zero,
                "CREDITAMOUNT": zero if debit else entry["AMOUNT"],
                "TRX_DEBITAMOUNT": entry["TRX_AMOUNT"] if debit else zero,
                "TRX_CREDITAMOUNT": zero if debit else entry["TRX_AMOUNT"],
                "BATCHKEY": entry["BATCHNO"],
                "JOURNAL": batch.get("JOURNAL"),
                "BATCH_TITLE": batch.get("BATCH_TITLE"),
                "_seq": max(entry["_seq"], batch.get("_seq", 0)),
            }
        )
    return out


def _period(day: str) -> tuple[str, str, str]:
    year, month = int(day[:4]), int(day[5:7])
    last = calendar.monthrange(year, month)[1]
    return (
        f"Month Ended {calendar.month_name[month]} {year}",
        f"{year:04d}-{month:02d}-01",
        f"{year:04d}-{month:02d}-{last:02d}",
    )


def _balances(sources: dict[str, list[dict]], deleted: list[Deletion]) -> list[dict]:
    """Per account/period/location/department/currency totals of posted entries, with running balances."""
    groups: dict[tuple, list] = {}

    def group(entry: dict) -> list:
        period = _period(entry["ENTRY_DATE"] or entry["BATCH_DATE"])
        key = (
            entry["ACCOUNTNO"],
            period[1],
            entry.get("LOCATIONID"),
            entry.get("DEPARTMENTID"),
            entry.get("CURRENCY") or "USD",
        )
        if key not in groups:
            groups[key] = [period, ZERO, ZERO, "", 0]
        return groups[key]

    for entry in sources["GLENTRY"]:
        if entry.get("STATE") not in (None, "Posted"):
            continue
        slot = group(entry)
        slot[1 if entry["TR_TYPE"] == 1 else 2] += Decimal(entry["AMOUNT"])
        slot[3] = max(slot[3], entry["WHENMODIFIED"])
        slot[4] = max(slot[4], entry["_seq"])
    for gone in deleted:  # a vanished entry still changes its group's totals
        slot = group(gone.record)
        slot[3] = max(slot[3], gone.when)
        slot[4] = max(slot[4], gone.seq)
    out = []
    running: dict[tuple, tuple[Decimal, str, int]] = {}
    for key in sorted(groups, key=lambda k: (k[0], k[2] or "", k[3] or "", k[4], k[1])):
        (name, start, end), debit, credit, modified, seq = groups[key]
        series = (key[0], key[2], key[3], key[4])
        opening, prev_modified, prev_seq = running.get(series, (ZERO, "", 0))
        closing = opening + debit - credit
        modified, seq = max(modified, prev_modified), max(seq, prev_seq)  # later balances move with earlier ones
        running[series] = (closing, modified, seq)
        out.append(
            {
                "ACCOUNTNO": key[0],
                "PERIODNAME": name,
                "LOCATIONID": key[2],
                "DEPARTMENTID": key[3],
                "CURRENCY": key[4],
                "PERIODSTARTDATE": start,
                "PERIODENDDATE": end,
                "OPENBAL": money(opening),
                "TOTDEBIT": money(debit),
                "TOTCREDIT": money(credit),
                "TOTADJDEBIT": "0.00",
                "TOTADJCREDIT": "0.00",
                "FORBAL": money(closing),
                "ENDBAL": money(closing),
                "WHENMODIFIED": modified or None,
                "_seq": seq,
                "_cseq": seq,
            }
        )
    return out


_BUILDERS = {
    "GLDETAIL": _gldetail,
    "APRECORD": _union,
    "ARRECORD": _union,
    "APDETAIL": _union,
    "ARDETAIL": _union,
    "GLACCOUNTBALANCE": _balances,
}
