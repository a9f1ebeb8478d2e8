"""What each Intacct object accepts as a reverse-sync target, keyed by the catalog's API name.

REST paths come from the catalog; this table adds what only writes need: which objects are
insert-only documents, where their lines go, and which are created through the XML gateway's legacy
functions (invoice, AR adjustment, AR payment) with per-record ``uniqueid`` idempotency.
"""

from __future__ import annotations

from dataclasses import dataclass

from intacct_assets.catalog import Catalog, load_catalog


@dataclass(frozen=True)
class LegacyCreate:
    """An XML legacy create function: header fields, then line items inside a container."""

    function: str
    lines_container: str | None  # None: line items sit directly in the function element
    line_item: str
    date_fields: frozenset[str]


@dataclass(frozen=True)
class WriteObject:
    name: str
    rest: str
    insert_only: bool = False
    lines_field: str | None = None
    signed_lines: bool = False  # lines take a signed `amount`: its sign picks debit or credit
    legacy_create: LegacyCreate | None = None

    @property
    def has_lines(self) -> bool:
        return self.lines_field is not None or self.legacy_create is not None


_LEGACY_DATES = frozenset({"datecreated", "datedue", "datereceived", "dateposted"})
_WRITE_TRAITS: dict[str, dict] = {
    "customer": {}, "vendor": {}, "contact": {}, "project": {}, "employee": {}, "gl_account": {},
    "department": {}, "location": {}, "class": {},
    "bill": {"lines_field": "lines"},
    "journal_entry": {"insert_only": True, "lines_field": "lines", "signed_lines": True},
    "invoice": {"legacy_create": LegacyCreate("create_invoice", "invoiceitems", "lineitem", _LEGACY_DATES)},
    "ar_adjustment": {"insert_only": True,
                      "legacy_create": LegacyCreate("create_aradjustment", "aradjustmentitems", "lineitem",
                                                    _LEGACY_DATES)},
    "ar_payment": {"insert_only": True,
                   "legacy_create": LegacyCreate("create_arpayment", None, "arpaymentitem", _LEGACY_DATES)},
}


class UnknownWriteObject(ValueError):
    pass


def write_object(name: str, catalog: Catalog | None = None) -> WriteObject:
    catalog = catalog or load_catalog()
    entry = catalog.by_api_name(name)
    if name not in _WRITE_TRAITS or entry is None or entry.api.rest is None:
        raise UnknownWriteObject(f"object {name!r} cannot be a reverse-sync target; use one of: "
                                 f"{', '.join(sorted(_WRITE_TRAITS))}")
    return WriteObject(name=name, rest=entry.api.rest, **_WRITE_TRAITS[name])


def writable_objects() -> list[str]:
    return sorted(_WRITE_TRAITS)
