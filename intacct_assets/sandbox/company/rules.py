"""Business rules no face may bypass: valid enumerations and references, unique IDs, journal balance,
document totals, payment application.

Called by the store inside its write transaction; ``prepare`` fills derived values, ``validate`` refuses
bad documents (SandboxError), ``after_write`` updates dependent records (paid totals of invoices/bills).
The rules see the store only through ``Records``, so they never import it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from intacct_assets.sandbox.errors import SandboxError
from intacct_assets.sandbox.objects import ObjectDef, Registry

ZERO = Decimal("0")
CENT = Decimal("0.01")
PAYMENTS = {"ARPYMT": "ARPYMTDETAIL", "APPYMT": "APPYMTDETAIL"}
PAYMENT_DATE = {"ARPYMT": "RECEIPTDATE", "APPYMT": "PAYMENTDATE"}  # XML names of the payment's own date
PAYABLE = {"ARINVOICE", "APBILL"}
RECORD_PREFIX = {
    "arinvoice": "INV-",
    "apbill": "BILL-",
    "aradjustment": "ADJ-",
    "arpayment": "PMT-",
    "appayment": "APP-",
}


class Records(Protocol):
    """What the rules read and write of the store that calls them."""

    registry: Registry

    def get(self, obj: str, key: int) -> dict | None: ...

    def find(self, obj: str, ident: object) -> dict | None: ...

    def snapshot(self, obj: str) -> list[dict]: ...

    def write_dependent(self, defn: ObjectDef, record: dict) -> None: ...


def duplicate_error(defn: ObjectDef, ident: object, wording: str) -> SandboxError:
    """A create whose ID is taken. Real answers carry two errors: ``BL34000061`` saying which value, then
    ``BL01001973`` "Could not create … record!" (intacct-sdk-php 2016 test fixture; PsIntacct). The first
    one's text differs between sources: production code today matches "Another record with the value"
    (fylein/fyle-intacct-api, XML and REST); older fixtures say "Another Class with the given value(s) …"."""
    first = (
        f"Another record with the value {ident} already exists."
        if wording == "record"
        else f"Another {defn.name.title()} with the given value(s) {ident} already exists"
    )
    return SandboxError(
        "duplicate",
        first,
        field=defn.id_field,
        errorno="BL34000061",
        correction="Use a unique value instead.",
        then=("BL01001973", f"Could not create {defn.name.lower()} record!"),
    )


def money(value: Decimal) -> str:
    return f"{value.quantize(CENT):f}"


def dec(value: object) -> Decimal:
    return Decimal(value) if value not in (None, "") else ZERO


def prepare(store: Records, defn: ObjectDef, record: dict, lines: list[dict]) -> None:
    if defn.name == "GLBATCH":
        record["BATCHNO"] = record.get("BATCHNO") or str(record["RECORDNO"])
        for line in lines:
            _normalize_gl_line(line, record)
    elif defn.record_type:
        _prepare_document(defn, record, lines, record["WHENMODIFIED"][:10])


def _normalize_gl_line(line: dict, header: dict) -> None:
    """Accept AMOUNT for TRX_AMOUNT (doc examples) and signed amounts (PHP SDK): store absolute values."""
    if line.get("TRX_AMOUNT") is None and line.get("AMOUNT") is not None:
        line["TRX_AMOUNT"] = line["AMOUNT"]
    if line.get("TRX_AMOUNT") is None:
        raise SandboxError("invalid_request", "Required field TRX_AMOUNT is missing", field="TRX_AMOUNT")
    amount = dec(line["TRX_AMOUNT"])
    if amount < 0:
        line["TR_TYPE"] = -int(line["TR_TYPE"])
        amount = -amount
    line["TRX_AMOUNT"] = money(amount)
    line["AMOUNT"] = money(amount * dec(line.get("EXCHANGE_RATE") or "1"))
    line["ENTRY_DATE"] = line.get("ENTRY_DATE") or header.get("BATCH_DATE")


def _prepare_document(defn: ObjectDef, record: dict, lines: list[dict], today: str) -> None:
    """WHENCREATED is the document date (its lines carry it too); the GL posting date follows it unless given."""
    record["RECORDTYPE"] = defn.record_type
    if not record.get("RECORDID"):
        record["RECORDID"] = f"{RECORD_PREFIX[defn.record_type]}{record['RECORDNO']:06d}"
    if defn.name in PAYMENTS:
        record["WHENCREATED"] = record["WHENPOSTED"] = record.get(PAYMENT_DATE[defn.name]) or today
        total = sum((dec(line.get("TRX_PAYMENTAMOUNT")) for line in lines), ZERO)
        paid, state = total, "Posted"
    else:
        record["WHENCREATED"] = record.get("WHENCREATED") or record.get("WHENPOSTED") or today
        record["WHENPOSTED"] = record.get("WHENPOSTED") or record["WHENCREATED"]
        for line in lines:
            line["WHENCREATED"] = record["WHENCREATED"]
            line["AMOUNT"] = line.get("TRX_AMOUNT")
            line["ENTRY_DATE"] = line.get("ENTRY_DATE") or record["WHENPOSTED"]
        total = sum((dec(line.get("TRX_AMOUNT")) for line in lines), ZERO)
        paid = dec(record.get("TRX_TOTALPAID"))
        state = "Paid" if total and paid == total else "Partially Paid" if paid else "Posted"
    if not record.get("WHENDUE") and defn.name in PAYABLE:
        record["WHENDUE"] = (date.fromisoformat(record["WHENPOSTED"]) + timedelta(days=30)).isoformat()
    record.update(
        TRX_TOTALENTERED=money(total),
        TOTALENTERED=money(total),
        TRX_TOTALPAID=money(paid),
        TOTALPAID=money(paid),
        TRX_TOTALDUE=money(total - paid),
        TOTALDUE=money(total - paid),
        STATE=state,
    )


def validate(store: Records, defn: ObjectDef, record: dict, lines: list[dict], old_lines: list[dict]) -> None:
    if defn.name == "GLBATCH":
        _validate_balance(lines)
    elif defn.record_type:
        party = defn.refs[1]
        if not record.get(party.field):
            raise SandboxError("invalid_request", f"Required field {party.field} is missing", field=party.field)
        if defn.name in PAYMENTS:
            _validate_applications(store, defn, record, lines, old_lines)


def _validate_balance(lines: list[dict]) -> None:
    debit = credit = ZERO
    for line in lines:
        amount = dec(line.get("AMOUNT"))
        if line.get("TR_TYPE") == 1:
            debit += amount
        elif line.get("TR_TYPE") == -1:
            credit += amount
        else:
            raise SandboxError("invalid_value", "TR_TYPE must be 1 (debit) or -1 (credit)", field="TR_TYPE")
    if debit != credit:
        raise SandboxError(
            "business",
            f"Debits and credits do not balance: debits {money(debit)}, credits {money(credit)}.",
            description="Journal entry is out of balance",
            correction="Make the total of debit lines equal the total of credit lines.",
        )


def _validate_applications(
    store: Records, defn: ObjectDef, record: dict, lines: list[dict], old_lines: list[dict]
) -> None:
    target_name = store.registry[PAYMENTS[defn.name]].refs[1].target
    party = defn.refs[1].field
    previously = {}
    for line in old_lines:
        previously[line["RECORDKEY"]] = previously.get(line["RECORDKEY"], ZERO) + dec(line["TRX_PAYMENTAMOUNT"])
    for line in lines:
        amount = dec(line.get("TRX_PAYMENTAMOUNT"))
        target = store.find(target_name, line["RECORDKEY"])
        if amount <= 0:
            raise SandboxError("business", "Payment amount must be greater than zero.", field="TRX_PAYMENTAMOUNT")
        if target[party] != record[party]:
            raise SandboxError(
                "business", f"{target_name} {line['RECORDKEY']} does not belong to {record[party]}.", field="RECORDKEY"
            )
        available = dec(target["TRX_TOTALDUE"]) + previously.get(line["RECORDKEY"], ZERO)
        if amount > available:
            raise SandboxError(
                "business",
                f"Payment amount {money(amount)} exceeds the amount due "
                f"{money(available)} on {target_name} {line['RECORDKEY']}.",
                field="TRX_PAYMENTAMOUNT",
            )
        previously[line["RECORDKEY"]] = available - amount


def check_values(store: Records, defn: ObjectDef, record: dict, changed: dict) -> None:
    """Changed enumerations hold one of their values; changed references name a record that exists (their
    local key copy follows, and an empty reference is emptied)."""
    for name in changed:
        f = defn.by_name[name]
        value = record.get(name)
        if f.enum and value is not None and value not in store.registry.enums[f.enum]:
            allowed = ", ".join(str(v) for v in store.registry.enums[f.enum])
            raise SandboxError("invalid_value", f"Invalid value '{value}' for {name}; allowed: {allowed}", field=name)
    for ref in defn.refs:
        if ref.field not in changed:
            continue
        value = record.get(ref.field)
        if value in (None, ""):
            record[ref.field] = None
            if ref.key_field:
                record[ref.key_field] = None
            continue
        target = store.find(ref.target, value)
        if target is None:
            label = store.registry[ref.target].name.title()
            raise SandboxError(
                "business", f"Invalid {label} '{value}' specified.", field=ref.field, description=f"Invalid {label}"
            )
        if ref.key_field:
            record[ref.key_field] = str(target["RECORDNO"])


def before_delete(store: Records, defn: ObjectDef, record: dict) -> None:
    if defn.name in PAYABLE and dec(record.get("TRX_TOTALPAID")):
        raise SandboxError(
            "business",
            f"Cannot delete {defn.name} {record['RECORDNO']}: payments are applied to it. Delete the payments first.",
        )


def after_write(
    store: Records, defn: ObjectDef, record: dict | None, old_lines: list[dict], new_lines: list[dict], stamp: str
) -> None:
    """Re-total invoices/bills whose payment applications changed."""
    if defn.name not in PAYMENTS:
        return
    detail = store.registry[PAYMENTS[defn.name]]
    target_def = store.registry[detail.refs[1].target]
    touched = {line["RECORDKEY"] for line in old_lines} | {line["RECORDKEY"] for line in new_lines}
    paid = dict.fromkeys(touched, ZERO)
    for line in store.snapshot(detail.name):
        if line["RECORDKEY"] in paid:
            paid[line["RECORDKEY"]] += dec(line["TRX_PAYMENTAMOUNT"])
    for target_key, amount in paid.items():
        target = store.get(target_def.name, int(target_key))
        if target is None:
            continue
        total = dec(target["TRX_TOTALENTERED"])
        state = "Paid" if total and amount == total else "Partially Paid" if amount else "Posted"
        when_paid = (record or {}).get(PAYMENT_DATE[defn.name]) if state == "Paid" else None
        store.write_dependent(
            target_def,
            {
                **target,
                "TRX_TOTALPAID": money(amount),
                "TOTALPAID": money(amount),
                "TRX_TOTALDUE": money(total - amount),
                "TOTALDUE": money(total - amount),
                "STATE": state,
                "WHENPAID": when_paid or (target["WHENPAID"] if state == "Paid" else None),
                "WHENMODIFIED": stamp,
            },
        )
