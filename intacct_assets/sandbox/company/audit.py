"""The audit trail's events (AUDITHISTORY rows): one per header record created, modified or deleted.

Fields and codes: developer.intacct.com/api/company-console/audit-trails; the REST view
(``changeDetails``/``changeSource``) reads OBJECTNAME and OBJECTID.
"""

from __future__ import annotations

from intacct_assets.sandbox.objects import ObjectDef


def event(
    defn: ObjectDef, record: dict, mode: str, user: str, source: str, stamp: str, number: int, key_form: str
) -> dict:
    """The AUDITHISTORY row of one write: ``mode`` C, M or D; ``key_form`` the knob ``audit_object_key``."""
    ident = str(defn.ident(record))
    label = record.get("NAME") or record.get("TITLE") or ""
    return {
        "RECORDNO": number,
        "ID": str(number),  # text: sorts as text ("10" < "9"), as a client must expect of an ID
        "OBJECTTYPE": defn.name.lower(),
        "OBJECTKEY": object_key(key_form, ident, record["RECORDNO"]),
        "OBJECTDESC": f"{ident}--{label}" if label else ident,
        "USERID": user,
        "ACCESSMODE": mode,
        "ACCESSTIME": stamp,
        "SOURCE": source,
        "WHENMODIFIED": stamp,
        "OBJECTNAME": defn.rest,
        "OBJECTID": ident,
    }


def object_key(form: str, ident: str, recordno: int) -> str:
    """AUDITHISTORY.OBJECTKEY: the object's unique name field (documented; RECORDNO where it has none), or a
    record number, bare or as ``<RECORDNO>--REC`` (what estuary/connectors source-sage-intacct parses)."""
    return {"name": ident, "recordno": str(recordno), "recordno--REC": f"{recordno}--REC"}[form]
