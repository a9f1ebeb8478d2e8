"""What each Intacct object accepts as a reverse-sync target, keyed by the catalog's API name.

REST paths come from the catalog; this table adds what only writes need: which objects are
insert-only documents, where their lines go, which are created through the XML gateway's legacy
functions (invoice, AR adjustment, AR payment) with per-record ``uniqueid`` idempotency, and which fields
a create must carry. Required fields, as the sources give them: REST bill ``vendor``, ``createdDate``
(developer.sage.com "Create a bill"); XML required fields of developer.intacct.com's object pages (GLBATCH
JOURNAL/BATCH_DATE/BATCH_TITLE, GLACCOUNT ACCOUNTNO/TITLE/NORMALBALANCE/CLOSINGTYPE, CONTACT
CONTACTNAME/PRINTAS…) under their REST names; the legacy functions' elements intacct-sdk-php always writes
(``InvoiceCreate``, ``ArAdjustmentCreate``, ``ArPaymentCreate`` and their lines).
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


Required = tuple[str | tuple[str, ...], ...]  # field paths; a tuple lists alternatives (one of them suffices)


@dataclass(frozen=True)
class WriteObject:
    name: str
    rest: str
    insert_only: bool = False
    lines_field: str | None = None
    signed_lines: bool = False  # lines take a signed `amount`: its sign picks debit or credit
    legacy_create: LegacyCreate | None = None
    required: Required = ()  # fields a create must carry
    required_lines: Required = ()  # fields each line of a create must carry

    @property
    def has_lines(self) -> bool:
        return self.lines_field is not None or self.legacy_create is not None

    def unmapped(self, mapping: dict[str, str], lines: dict[str, str] | None) -> tuple[list[str], list[str]]:
        """Required header and line fields that no mapped field fills (``vendor`` is filled by ``vendor.id``)."""
        return _unmapped(self.required, mapping), _unmapped(self.required_lines, lines or {})


def _unmapped(required: Required, mapped: dict[str, str]) -> list[str]:
    def filled(path: str) -> bool:
        return any(field == path or field.startswith(path + ".") for field in mapped)

    options = [(entry,) if isinstance(entry, str) else entry for entry in required]
    return [" or ".join(choices) for choices in options if not any(filled(c) for c in choices)]


_LEGACY_DATES = frozenset({"datecreated", "datedue", "datereceived", "dateposted"})
_ID_AND_NAME = {"required": ("id", "name")}
_LEGACY_LINE = {"required_lines": (("glaccountno", "accountlabel"), "amount")}
_WRITE_TRAITS: dict[str, dict] = {
    "customer": {"required": ("name",)},
    "vendor": {"required": ("name",)},
    "contact": {"required": ("id", "printAs")},
    "project": _ID_AND_NAME,
    "employee": {"required": ("id", ("primaryContact", "name"))},
    "gl_account": {"required": ("id", "name", "normalBalance", "closingType")},
    "department": _ID_AND_NAME,
    "location": _ID_AND_NAME,
    "class": _ID_AND_NAME,
    "bill": {
        "lines_field": "lines",
        "required": ("vendor", "createdDate"),
        "required_lines": ("glAccount", "txnAmount"),
    },
    "journal_entry": {
        "insert_only": True,
        "lines_field": "lines",
        "signed_lines": True,
        "required": ("glJournal", "postingDate", "description"),
        "required_lines": ("glAccount", "amount"),
    },
    "invoice": {
        "legacy_create": LegacyCreate("create_invoice", "invoiceitems", "lineitem", _LEGACY_DATES),
        "required": ("customerid", "datecreated", ("datedue", "termname")),
        **_LEGACY_LINE,
    },
    "ar_adjustment": {
        "insert_only": True,
        "legacy_create": LegacyCreate("create_aradjustment", "aradjustmentitems", "lineitem", _LEGACY_DATES),
        "required": ("customerid", "datecreated"),
        **_LEGACY_LINE,
    },
    "ar_payment": {
        "insert_only": True,
        "legacy_create": LegacyCreate("create_arpayment", None, "arpaymentitem", _LEGACY_DATES),
        "required": ("customerid", "paymentamount", "datereceived", "paymentmethod"),
        "required_lines": ("invoicekey", "amount"),
    },
}


class UnknownWriteObject(ValueError):
    pass


def write_object(name: str, catalog: Catalog | None = None) -> WriteObject:
    catalog = catalog or load_catalog()
    entry = catalog.by_api_name(name)
    if name not in _WRITE_TRAITS or entry is None or entry.api.rest is None:
        raise UnknownWriteObject(
            f"object {name!r} cannot be a reverse-sync target; use one of: {', '.join(sorted(_WRITE_TRAITS))}"
        )
    return WriteObject(name=name, rest=entry.api.rest, **_WRITE_TRAITS[name])
