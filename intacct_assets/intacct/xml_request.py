"""XML gateway requests, built with lxml (values are escaped, element names validated by lxml).

A request holds one ``<control>`` block, one ``<operation>`` (optionally ``transaction="true"``)
and any number of ``<function controlid="…">`` elements. A stable ``controlid`` together with
``uniqueid=true`` lets the gateway refuse to run a function twice, which makes writes safe to
resend.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lxml import etree

from intacct_assets.intacct.filters import Filter, to_xml

DTD_VERSION = "3.0"
READ_ONLY_FUNCTIONS = frozenset(
    {
        "query",
        "readByQuery",
        "readMore",
        "read",
        "readByName",
        "readRelated",
        "lookup",
        "getAPISession",
        "getDdsObjects",
        "getDdsDdl",
        "readUserFormatting",
    }
)
BILLED_READS = frozenset({"query", "readByQuery", "readMore", "read", "readByName", "readRelated"})
MAX_QUERY_PAGE = 2000
MAX_READ_BY_QUERY_PAGE = 1000


@dataclass(frozen=True)
class Login:
    user_id: str
    company_id: str
    password: str
    location_id: str = ""


@dataclass(frozen=True)
class Session:
    session_id: str
    endpoint: str


def envelope(
    *,
    sender_id: str,
    sender_password: str,
    auth: Login | Session,
    functions: Sequence[etree._Element],
    transaction: bool = False,
    uniqueid: bool = False,
) -> bytes:
    root = etree.Element("request")
    control = etree.SubElement(root, "control")
    for tag, text in (
        ("senderid", sender_id),
        ("password", sender_password),
        ("controlid", str(uuid.uuid4())),
        ("uniqueid", str(uniqueid).lower()),
        ("dtdversion", DTD_VERSION),
        ("includewhitespace", "false"),
    ):
        etree.SubElement(control, tag).text = text
    operation = etree.SubElement(root, "operation", transaction=str(transaction).lower())
    authentication = etree.SubElement(operation, "authentication")
    if isinstance(auth, Session):
        etree.SubElement(authentication, "sessionid").text = auth.session_id
    else:
        login = etree.SubElement(authentication, "login")
        for tag, text in (("userid", auth.user_id), ("companyid", auth.company_id), ("password", auth.password)):
            etree.SubElement(login, tag).text = text
        if auth.location_id:
            etree.SubElement(login, "locationid").text = auth.location_id
    content = etree.SubElement(operation, "content")
    content.extend(functions)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def function(body: etree._Element, controlid: str | None = None) -> etree._Element:
    """Wrap an operation element; the ``controlid`` defaults to a fresh UUID."""
    wrapper = etree.Element("function", controlid=controlid or str(uuid.uuid4()))
    wrapper.append(body)
    return wrapper


def _element(tag: str, text: object = None, **children: object) -> etree._Element:
    element = etree.Element(tag)
    if text is not None:
        element.text = str(text)
    for name, value in children.items():
        if value is not None:
            etree.SubElement(element, name).text = str(value)
    return element


def query(
    object_name: str,
    fields: Sequence[str],
    *,
    filter: Filter | None = None,
    order_by: Sequence[tuple[str, str]] = (),
    pagesize: int = MAX_QUERY_PAGE,
    offset: int = 0,
    case_insensitive: bool = False,
    show_private: bool = False,
) -> etree._Element:
    if not 1 <= pagesize <= MAX_QUERY_PAGE:
        raise ValueError(f"query pagesize must be between 1 and {MAX_QUERY_PAGE}")
    body = _element("query", object=object_name)
    select = etree.SubElement(body, "select")
    for name in fields:
        etree.SubElement(select, "field").text = name
    if filter is not None:
        etree.SubElement(body, "filter").append(to_xml(filter))
    if order_by:
        orderby = etree.SubElement(body, "orderby")
        for name, direction in order_by:
            order = etree.SubElement(orderby, "order")
            etree.SubElement(order, "field").text = name
            etree.SubElement(order, "descending" if direction == "desc" else "ascending")
    options = etree.SubElement(body, "options")
    etree.SubElement(options, "caseinsensitive").text = str(case_insensitive).lower()
    etree.SubElement(options, "showprivate").text = str(show_private).lower()
    etree.SubElement(body, "pagesize").text = str(pagesize)
    etree.SubElement(body, "offset").text = str(offset)
    return body


def read_by_query(
    object_name: str, *, fields: str = "*", where: str = "", pagesize: int = MAX_READ_BY_QUERY_PAGE
) -> etree._Element:
    """``where`` is Intacct's SQL-like condition text; lxml escapes ``<`` and ``&`` in it."""
    if not 1 <= pagesize <= MAX_READ_BY_QUERY_PAGE:
        raise ValueError(f"readByQuery pagesize must be between 1 and {MAX_READ_BY_QUERY_PAGE}")
    return _element(
        "readByQuery", object=object_name, fields=fields, query=where, pagesize=pagesize, returnFormat="xml"
    )


def read_more(result_id: str) -> etree._Element:
    return _element("readMore", resultId=result_id)


def read(object_name: str, keys: Sequence[str], fields: str = "*") -> etree._Element:
    return _element("read", object=object_name, keys=",".join(keys), fields=fields, returnFormat="xml")


def lookup(object_name: str) -> etree._Element:
    return _element("lookup", object=object_name)


def read_user_formatting(user_id: str) -> etree._Element:
    """The user's date format, time zone and clock (developer.intacct.com/api/company-console/users)."""
    return _element("readUserFormatting", userId=user_id)


def get_api_session(location_id: str = "") -> etree._Element:
    body = etree.Element("getAPISession")
    if location_id:
        etree.SubElement(body, "locationid").text = location_id
    return body


def record(tag: str, values: Mapping[str, object]) -> etree._Element:
    """An object element. Nested mappings become nested elements; a list holds one-key mappings
    ``{child tag: fields}`` (e.g. ``{"ENTRIES": [{"GLENTRY": {...}}, {"GLENTRY": {...}}]}``)."""
    element = etree.Element(tag)
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, Mapping):
            element.append(record(name, value))
        elif isinstance(value, list):
            holder = etree.SubElement(element, name)
            for item in value:
                ((child_tag, child_values),) = item.items()
                holder.append(record(child_tag, child_values))
        else:
            etree.SubElement(element, name).text = str(value).lower() if isinstance(value, bool) else str(value)
    return element


def create(records: Sequence[tuple[str, Mapping[str, object]]]) -> etree._Element:
    """Generic ``create`` of one or more objects (``(object name, fields)`` pairs)."""
    body = etree.Element("create")
    body.extend(record(tag, values) for tag, values in records)
    return body


def update(records: Sequence[tuple[str, Mapping[str, object]]]) -> etree._Element:
    body = etree.Element("update")
    body.extend(record(tag, values) for tag, values in records)
    return body


def delete(object_name: str, keys: Sequence[str]) -> etree._Element:
    return _element("delete", object=object_name, keys=",".join(keys))


def billed_transactions(body: etree._Element) -> int:
    """Transactions a successful function costs: reads 1, writes 1 per object, lookups and sessions 0."""
    if body.tag in BILLED_READS:
        return 1
    if body.tag in ("create", "update"):
        return len(body)
    if body.tag == "delete":
        return len([k for k in (body.findtext("keys") or "").split(",") if k.strip()])
    return 0 if body.tag in READ_ONLY_FUNCTIONS else 1


def operation_label(functions: Sequence[etree._Element]) -> str:
    first = functions[0][0]
    target = first.findtext("object") or (first[0].tag if first.tag in ("create", "update") and len(first) else "")
    label = f"{first.tag} {target}".strip()
    return label if len(functions) == 1 else f"{label} (+{len(functions) - 1} functions)"
