"""Bodies of the XML gateway's legacy creates (``create_invoice``, ``create_aradjustment``, ``create_arpayment``).

The gateway validates every request against Intacct's published schema before it runs any of it
(github.com/intacct/intacct_dtd, README; dtdversion 3.0 requests against ``v3.0/api.xsd``), and the
schema's content models are sequences: one element out of order fails the whole request. So the
elements are written in the schema's order, whatever order a sync's mapping lists them in; an element
the schema does not know fails the row before anything is sent.
"""

from __future__ import annotations

from datetime import date

from lxml import etree

from intacct_assets.intacct.xml_request import record
from intacct_assets.reverse_sync.objects import LegacyCreate

_CURRENCY = ("basecurr", "currency", "exchratedate", "exchratetype", "exchrate")
# Children of each element in the order of v3.0/api.xsd (alternatives of a choice side by side).
SCHEMA_ORDER: dict[str, tuple[str, ...]] = {
    "create_invoice": (
        "customerid",
        "datecreated",
        "dateposted",
        "datedue",
        "termname",
        "batchkey",
        "action",
        "invoiceno",
        "ponumber",
        "description",
        "externalid",
        "billto",
        "shipto",
        *_CURRENCY,
        "nogl",
        "supdocid",
        "customfields",
        "taxsolutionid",
        "invoiceitems",
    ),
    "create_aradjustment": (
        "customerid",
        "datecreated",
        "dateposted",
        "batchkey",
        "adjustmentno",
        "action",
        "invoiceno",
        "description",
        "externalid",
        *_CURRENCY,
        "nogl",
        "taxsolutionid",
        "aradjustmentitems",
    ),
    "create_arpayment": (
        "customerid",
        "paymentamount",
        "translatedamount",
        "batchkey",
        "bankaccountid",
        "undepfundsacct",
        "refid",
        "overpaylocid",
        "overpaydeptid",
        "datereceived",
        "paymentmethod",
        *_CURRENCY,
        "cctype",
        "authcode",
        "arpaymentitem",
        "onlinecardpayment",
        "onlineachpayment",
    ),
    "lineitem": (
        "accountlabel",
        "glaccountno",
        "offsetglaccountno",
        "amount",
        "allocationid",
        "memo",
        "locationid",
        "departmentid",
        "item1099",
        "form1099type",
        "form1099box",
        "key",
        "totalpaid",
        "totaldue",
        "customfields",
        "revrectemplate",
        "defrevaccount",
        "revrecstartdate",
        "revrecenddate",
        "projectid",
        "taskid",
        "costtypeid",
        "customerid",
        "vendorid",
        "employeeid",
        "itemid",
        "classid",
        "contractid",
        "warehouseid",
        "billable",
        "totaltrxamount",
        "partialexempt",
        "paymenttaxcapture",
        "taxentries",
    ),
    "arpaymentitem": ("invoicekey", "amount"),
}


class LegacyElementError(ValueError):
    """A mapping names an element the legacy function's schema does not have."""


def legacy_body(legacy: LegacyCreate, payload: dict) -> etree._Element:
    """``<create_invoice>`` & co.: header fields, legacy date objects and line items, in schema order."""
    header = {name: _legacy_value(name, value, legacy) for name, value in payload.items() if name != "lines"}
    items = [record(legacy.line_item, in_schema_order(legacy.line_item, line)) for line in payload.get("lines", [])]
    body = record(legacy.function, in_schema_order(legacy.function, header))
    slot = legacy.lines_container or legacy.line_item
    rank = SCHEMA_ORDER[legacy.function].index(slot)
    at = sum(1 for child in body if SCHEMA_ORDER[legacy.function].index(child.tag) < rank)
    if legacy.lines_container:
        container = etree.Element(legacy.lines_container)
        container.extend(items)
        items = [container]
    for offset, item in enumerate(items):
        body.insert(at + offset, item)
    return body


def in_schema_order(tag: str, values: dict) -> dict:
    """``values`` reordered as the schema orders ``tag``'s children."""
    order = SCHEMA_ORDER[tag]
    unknown = sorted(name for name in values if name not in order)
    if unknown:
        raise LegacyElementError(
            f"<{tag}> has no element {', '.join(f'<{name}>' for name in unknown)} in "
            f"Intacct's XML schema; its elements are: {', '.join(order)}"
        )
    return dict(sorted(values.items(), key=lambda item: order.index(item[0])))


def _legacy_value(name: str, value: object, legacy: LegacyCreate) -> object:
    if name in legacy.date_fields and isinstance(value, str):
        day = date.fromisoformat(value[:10])
        return {"year": day.year, "month": day.month, "day": day.day}
    return value
