"""XML legacy (2.1-style) functions: create_invoice, create_aradjustment, create_arpayment,
create_gltransaction and the delete_* family. Their requests are validated against Intacct's schema before
anything runs (``schema``); here they become writes of the generic objects."""

from __future__ import annotations

from xml.etree.ElementTree import Element as InElement

from lxml import etree
from lxml.etree import SubElement

from intacct_assets.sandbox import values
from intacct_assets.sandbox.company.service import Company
from intacct_assets.sandbox.objects import ObjectDef
from intacct_assets.sandbox.xml_gateway.envelope import XmlContext, bad, child, child_text, date_object
from intacct_assets.sandbox.xml_gateway.writes import Writes

DELETES = {
    "delete_invoice": "ARINVOICE",
    "delete_aradjustment": "ARADJUSTMENT",
    "delete_arpayment": "ARPYMT",
    "delete_gltransaction": "GLBATCH",
    "delete_bill": "APBILL",
    "delete_customer": "CUSTOMER",
    "delete_vendor": "VENDOR",
}
LINE_DIMENSIONS = (
    "locationid",
    "departmentid",
    "projectid",
    "customerid",
    "vendorid",
    "employeeid",
    "itemid",
    "classid",
)
GL_DIMENSIONS = ("locationid", "departmentid", "customerid", "vendorid", "employeeid", "projectid", "classid")


class Legacy:
    def __init__(self, company: Company, writes: Writes) -> None:
        self.company, self.writes = company, writes
        self.functions = {
            "create_invoice": self.create_invoice,
            "create_aradjustment": self.create_aradjustment,
            "create_arpayment": self.create_arpayment,
            "create_gltransaction": self.create_gltransaction,
            **dict.fromkeys(DELETES, self.delete),
        }

    def delete(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        defn = self.company.registry[DELETES[body.tag]]
        key = body.get("key") or child_text(body, "key")
        if defn.id_field and not key.isdigit():
            record = self.company.store.find(defn.name, key)
            key = str(record["RECORDNO"]) if record else key
        self.writes.delete_keys(defn, [key], ctx.caller)

    def create_invoice(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        fields = {
            "CUSTOMERID": child_text(body, "customerid") or None,
            "WHENCREATED": date_object(child(body, "datecreated"), "datecreated"),
            "WHENPOSTED": date_object(child(body, "dateposted"), "dateposted"),
            "WHENDUE": date_object(child(body, "datedue"), "datedue"),
            "RECORDID": child_text(body, "invoiceno") or None,
            "DESCRIPTION": child_text(body, "description") or None,
        }
        lines = [_line(i) for i in _items(child(body, "invoiceitems"), "lineitem")]
        self._create(result, self.company.registry["ARINVOICE"], fields, lines, ctx)

    def create_aradjustment(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        fields = {
            "CUSTOMERID": child_text(body, "customerid") or None,
            "WHENCREATED": date_object(child(body, "datecreated"), "datecreated"),
            "WHENPOSTED": date_object(child(body, "dateposted"), "dateposted"),
            "RECORDID": child_text(body, "adjustmentno") or None,
            "DESCRIPTION": child_text(body, "description") or None,
        }
        lines = [_line(i) for i in _items(child(body, "aradjustmentitems"), "lineitem")]
        self._create(result, self.company.registry["ARADJUSTMENT"], fields, lines, ctx)

    def create_arpayment(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        items = [c for c in body if c.tag == "arpaymentitem"]
        if not items:
            raise bad("At least one <arpaymentitem> is required")
        lines = [
            {
                "RECORDKEY": child_text(i, "invoicekey"),
                "TRX_PAYMENTAMOUNT": values.parse_value("decimal", child_text(i, "amount"), "amount"),
            }
            for i in items
        ]
        total = child_text(body, "paymentamount")
        if total and values.canon_decimal(total) != values.canon_decimal(
            sum(float(line["TRX_PAYMENTAMOUNT"]) for line in lines)
        ):
            raise bad("paymentamount must equal the sum of the arpaymentitem amounts")
        fields = {
            "CUSTOMERID": child_text(body, "customerid") or None,
            "RECEIPTDATE": date_object(child(body, "datereceived"), "datereceived"),
            "PAYMENTMETHOD": child_text(body, "paymentmethod") or None,
            "RECORDID": child_text(body, "refid") or None,
        }
        self._create(result, self.company.registry["ARPYMT"], fields, lines, ctx)

    def create_gltransaction(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        lines = []
        for entry in _items(child(body, "gltransactionentries"), "glentry"):
            tr_type = child_text(entry, "trtype").lower()
            if tr_type not in ("debit", "credit"):
                raise bad("glentry trtype must be debit or credit")
            line = {
                "TR_TYPE": 1 if tr_type == "debit" else -1,
                "ACCOUNTNO": child_text(entry, "glaccountno") or None,
                "TRX_AMOUNT": values.parse_value("decimal", child_text(entry, "amount"), "amount"),
                "DESCRIPTION": child_text(entry, "memo") or None,
            }
            lines.append({**line, **_dimensions(entry, GL_DIMENSIONS)})
        fields = {
            "JOURNAL": child_text(body, "journalid") or None,
            "BATCH_DATE": date_object(child(body, "datecreated"), "datecreated"),
            "BATCH_TITLE": child_text(body, "description") or None,
        }
        self._create(result, self.company.registry["GLBATCH"], fields, lines, ctx)

    def _create(self, result: etree._Element, defn: ObjectDef, fields: dict, lines: list, ctx: XmlContext) -> None:
        record = self.company.create(defn, fields, lines, ctx.caller)
        SubElement(result, "key").text = str(record["RECORDNO"])


def _items(container: InElement | None, item_tag: str) -> list[InElement]:
    items = [c for c in container if c.tag == item_tag] if container is not None else []
    if not items:
        raise bad(f"At least one <{item_tag}> is required")
    return items


def _dimensions(item: InElement, tags: tuple[str, ...]) -> dict:
    """The dimension elements a line gives, as the XML names of its fields."""
    return {tag.upper(): child_text(item, tag) for tag in tags if child_text(item, tag)}


def _line(item: InElement) -> dict:
    account = child_text(item, "glaccountno") or child_text(item, "accountlabel")
    line = {
        "ACCOUNTNO": account or None,
        "TRX_AMOUNT": values.parse_value("decimal", child_text(item, "amount"), "amount"),
        "ENTRYDESCRIPTION": child_text(item, "memo") or None,
    }
    return {**line, **_dimensions(item, LINE_DIMENSIONS)}
