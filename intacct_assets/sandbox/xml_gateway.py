"""The XML gateway (``/ia/xml/xmlgw.phtml``): control / authentication / function status levels,
sessions, transactions, uniqueid, generic and legacy functions, and the documented error catalogue.

Requests are parsed with defusedxml (DTDs and entities refused, never expanded); responses are built
with lxml, never by string concatenation.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from xml.etree.ElementTree import Element as InElement
from xml.etree.ElementTree import ParseError, tostring

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from lxml import etree
from lxml.etree import SubElement

from intacct_assets.sandbox import values
from intacct_assets.sandbox.ddl import ddl
from intacct_assets.sandbox.errors import SandboxError
from intacct_assets.sandbox.httpd import Request, Response
from intacct_assets.sandbox.legacy_schema import schema_error
from intacct_assets.sandbox.objects import ENUMS, ObjectDef
from intacct_assets.sandbox.query import Accessor, BoolOp, Cond, QueryEngine, Resolver
from intacct_assets.sandbox.sessions import Sessions
from intacct_assets.sandbox.settings import SandboxSettings
from intacct_assets.sandbox.sqlish import QueryParser
from intacct_assets.sandbox.stats import Call
from intacct_assets.sandbox.store import Actor, LineOp, Store

# as recorded from a real gateway (hotgluexyz/tap-intacct VCR cassette); without the charset, clients that decode
# text/* by HTTP's default (ISO-8859-1, e.g. requests' .text) garble every non-ASCII character
CONTENT_TYPE = 'text/xml; encoding="UTF-8";charset=UTF-8'
ABORTED = ("XL03000009", "", "The entire transaction in this operation has been rolled back due to an error.", "")
MAX_READ_KEYS = 100
READ_FUNCTIONS = {"readByQuery", "readMore", "query", "read", "readByName"}
METADATA_FUNCTIONS = {"lookup", "readUserFormatting"}  # free unless the knob bill_metadata says otherwise
QUERY_OPERATORS = {
    "equalto": "eq",
    "notequalto": "ne",
    "lessthan": "lt",
    "lessthanorequalto": "lte",
    "greaterthan": "gt",
    "greaterthanorequalto": "gte",
    "between": "between",
    "in": "in",
    "notin": "notin",
    "like": "like",
    "notlike": "notlike",
    "isnull": "isnull",
    "isnotnull": "isnotnull",
}
LEGACY_DELETE = {
    "delete_invoice": "ARINVOICE",
    "delete_aradjustment": "ARADJUSTMENT",
    "delete_arpayment": "ARPYMT",
    "delete_gltransaction": "GLBATCH",
    "delete_bill": "APBILL",
    "delete_customer": "CUSTOMER",
    "delete_vendor": "VENDOR",
}


class FunctionFailure(Exception):
    """A function-level failure carrying one or more (errorno, description, description2, correction)."""

    def __init__(self, *errors: tuple[str, str, str, str]) -> None:
        super().__init__(errors[0][2])
        self.errors = list(errors)

    @classmethod
    def from_error(cls, error: SandboxError) -> FunctionFailure:
        first = (error.errorno, error.description, f"{error.message} [Support ID: {secrets.token_hex(6)}]",
                 error.correction)
        return cls(first, (error.then[0], "", error.then[1], "")) if error.then else cls(first)


def bad(message: str, errorno: str = "BL01001973") -> FunctionFailure:
    return FunctionFailure((errorno, "", message, ""))


def errormessage(parent: etree._Element, errors: list[tuple[str, str, str, str]]) -> None:
    holder = SubElement(parent, "errormessage")
    for errorno, description, description2, correction in errors:
        error = SubElement(holder, "error")
        for tag, text in (
            ("errorno", errorno),
            ("description", description),
            ("description2", description2),
            ("correction", correction),
        ):
            SubElement(error, tag).text = text


def render(root: etree._Element, status: int = 200) -> Response:
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return Response(status, body, [("Content-Type", CONTENT_TYPE)])


def control_failure(
    errorno: str, description: str, status: int = 200, *, description2: str = "", control: dict | None = None
) -> Response:
    """Level 1 failure: ``<control><status>failure`` and nothing executed."""
    root = etree.Element("response")
    block = SubElement(root, "control")
    SubElement(block, "status").text = "failure"
    for tag in ("senderid", "controlid", "uniqueid", "dtdversion"):
        SubElement(block, tag).text = (control or {}).get(tag, "")
    errormessage(root, [(errorno, description, description2, "")])
    return render(root, status)


@dataclass
class ResultSet:
    """A readByQuery cursor served page by page through readMore."""

    defn: ObjectDef
    accessors: list[Accessor]
    rows: list[dict]
    position: int
    page_size: int
    created: float


@dataclass
class XmlContext:
    user: str
    company: str
    entity: str | None
    call: Call
    sender: str

    @property
    def actor(self) -> Actor:
        return Actor(self.user, "xml")


def _text(node: InElement | None, default: str = "") -> str:
    return (node.text or "").strip() if node is not None and node.text is not None else default


def _child(node: InElement, name: str) -> InElement | None:
    """Child by tag, case-insensitive (the gateway is lenient about `returnFormat` vs `returnformat`)."""
    lowered = name.lower()
    return next((c for c in node if c.tag.lower() == lowered), None)


def _date_object(node: InElement | None, name: str) -> str | None:
    """Legacy ``<datecreated><year/><month/><day/></datecreated>`` -> canonical date."""
    if node is None:
        return None
    try:
        return (
            datetime(
                int(_text(_child(node, "year"))), int(_text(_child(node, "month"))), int(_text(_child(node, "day")))
            )
            .date()
            .isoformat()
        )
    except ValueError:
        raise bad(f"Invalid {name}: use <year>, <month> and <day>") from None


class XmlGateway:
    def __init__(
        self,
        store: Store,
        engine: QueryEngine,
        sessions: Sessions,
        settings: SandboxSettings,
        endpoint: Callable[[], str],
        dds: Callable[..., list[dict]] | None = None,
    ) -> None:
        self.store, self.engine, self.sessions, self.settings = store, engine, sessions, settings
        self.endpoint = endpoint
        self.run_dds_job = dds
        self._results: OrderedDict[str, ResultSet] = OrderedDict()
        self._completed: set[tuple[str, str, str]] = set()
        self._lock = threading.Lock()
        self.functions: dict[str, Callable[[InElement, XmlContext, etree._Element], None]] = {
            "readByQuery": self._read_by_query,
            "readMore": self._read_more,
            "query": self._query,
            "read": self._read,
            "readByName": self._read_by_name,
            "lookup": self._lookup,
            "create": self._create,
            "update": self._update,
            "delete": self._delete,
            "create_invoice": self._create_invoice,
            "create_aradjustment": self._create_aradjustment,
            "create_arpayment": self._create_arpayment,
            "create_gltransaction": self._create_gltransaction,
            "readUserFormatting": self._read_user_formatting,
            "getDdsDdl": self._get_dds_ddl,
            "getDdsObjects": self._get_dds_objects,
            "runDdsJob": self._run_dds_job,
            **{name: self._legacy_delete for name in LEGACY_DELETE},
        }

    # ------------------------------------------------------------------ request level
    def handle(self, request: Request, call: Call) -> Response:
        if request.method != "POST":
            return control_failure("GW-0011", "Invalid Request", 405, description2="Use POST")
        try:
            root = SafeET.fromstring(request.body, forbid_dtd=True)
        except (ParseError, DefusedXmlException, ValueError) as error:
            return control_failure(
                "XL03000003",
                "XML Parse schema error",
                description2=f"{type(error).__name__}: {error}. Entities and DTDs are not accepted.",
            )
        control = _child(root, "control") if root.tag == "request" else None
        if control is None:
            return control_failure("GW-0011", "Invalid Request", description2="Missing <request>/<control> block")
        fields = {
            tag: _text(_child(control, tag)) for tag in ("senderid", "password", "controlid", "uniqueid", "dtdversion")
        }
        echo = {**fields, "uniqueid": fields["uniqueid"] or "false", "dtdversion": fields["dtdversion"] or "3.0"}
        if not fields["senderid"]:
            return control_failure("GW-0011", "Invalid Request", description2="senderid is required", control=echo)
        if fields["senderid"] != self.settings.sender_id or fields["password"] != self.settings.sender_password:
            return control_failure("XL03000006", "Incorrect Intacct XML Partner ID or password.", control=echo)
        operation = _child(root, "operation")
        if operation is None:
            return control_failure(
                "XL03000003", "XML Parse schema error", description2="Missing <operation>", control=echo
            )
        try:
            auth = self._authenticate(_child(operation, "authentication"))
        except _AuthFailure as failure:
            return self._auth_failure(echo, failure.error)
        if isinstance(auth, Response):
            return auth
        user, company, entity = auth
        response = etree.Element("response")
        block = SubElement(response, "control")
        SubElement(block, "status").text = "success"
        for tag in ("senderid", "controlid", "uniqueid", "dtdversion"):
            SubElement(block, tag).text = echo[tag]
        op = SubElement(response, "operation")
        self._auth_block(op, user, company, entity, "success")
        content = _child(operation, "content")
        functions = [f for f in content if f.tag == "function"] if content is not None else []
        if len(functions) > self.settings.xml_max_functions:
            return control_failure(
                "XL03000003",
                "XML Parse schema error",
                control=echo,
                description2=f"At most {self.settings.xml_max_functions} functions per request",
            )
        invalid = next(filter(None, (schema_error(body) for f in functions for body in f)), None)
        if invalid:  # the gateway validates the whole request against Intacct's schema before running any of it
            return control_failure("XL03000003", "XML Parse schema error", control=echo, description2=invalid)
        ctx = XmlContext(user, company, entity, call, fields["senderid"])
        transaction = operation.get("transaction", "false").lower() == "true"
        unique = echo["uniqueid"].lower() == "true"
        results = self._run(functions, ctx, transaction, unique)
        op.extend(results)
        return render(response)

    def _authenticate(self, auth: InElement | None) -> tuple[str, str, str | None] | Response:
        """(user, company, entity); a Response for a dead session; raises _AuthFailure otherwise."""
        if auth is None:
            raise _AuthFailure(("XL03000006", "", "Missing authentication block", ""))
        session_node = _child(auth, "sessionid")
        if session_node is not None:
            session = self.sessions.touch(_text(session_node))
            if session is None and self.store.knobs.xml_session_expiry == "control":  # fylein's SDK handles this
                return control_failure(
                    "invalidRequest", "Invalid Request", 400, description2="Invalid or expired session"
                )
            if session is None:  # as recorded from a real gateway (jfcote87/intacct testfiles/sessionInvalid.xml)
                raise _AuthFailure(("XL03000006", "", "Invalid session", ""))
            return session.user, session.company, session.entity
        login = _child(auth, "login")
        if login is None:
            raise _AuthFailure(("XL03000006", "", "Provide <login> or <sessionid>", ""))
        user, company, password = (_text(_child(login, t)) for t in ("userid", "companyid", "password"))
        company, _, entity = company.partition("|")
        entity = _text(_child(login, "locationid")) or entity or None
        s = self.settings
        if (user, company, password) != (s.user_id, s.company_id, s.user_password):
            raise _AuthFailure(
                (
                    "XL03000006",
                    "Sign-in information is incorrect",
                    "Sign-in information is incorrect. Please check your request.",
                    "",
                )
            )
        if entity and self.store.find("LOCATIONENTITY", entity) is None:
            raise _AuthFailure(("XL03000006", "", f"Invalid location/entity '{entity}'", ""))
        return user, company, entity

    def _auth_block(self, parent: etree._Element, user: str, company: str, entity: str | None, status: str) -> None:
        block = SubElement(parent, "authentication")
        SubElement(block, "status").text = status
        SubElement(block, "userid").text = user
        SubElement(block, "companyid").text = company
        SubElement(block, "locationid").text = entity or ""
        now = self.store.clock.now()
        SubElement(block, "sessiontimestamp").text = now.isoformat()
        SubElement(block, "sessiontimeout").text = (now + timedelta(seconds=self.sessions.ttl)).isoformat()

    def _auth_failure(self, echo: dict, error: tuple) -> Response:
        root = etree.Element("response")
        block = SubElement(root, "control")
        SubElement(block, "status").text = "success"
        for tag in ("senderid", "controlid", "uniqueid", "dtdversion"):
            SubElement(block, tag).text = echo[tag]
        op = SubElement(root, "operation")
        auth = SubElement(op, "authentication")
        SubElement(auth, "status").text = "failure"
        for tag in ("userid", "companyid", "locationid"):
            SubElement(auth, tag).text = ""
        errormessage(op, [error])
        return render(root)

    # ------------------------------------------------------------------ function level
    def _run(self, functions: list[InElement], ctx: XmlContext, transaction: bool, unique: bool) -> list:
        results: list[etree._Element] = []
        pending_ids: list[tuple[str, str, str]] = []
        if not transaction:
            for function in functions:
                result, done = self._one(function, ctx, unique, len(functions))
                results.append(result)
                if done:
                    self._mark_done(done)
            return results
        failed_at = None
        try:
            with self.store.transaction():
                for index, function in enumerate(functions):
                    result, done = self._one(function, ctx, unique, len(functions))
                    results.append(result)
                    if done:
                        pending_ids.append(done)
                    if result.findtext("status") == "failure":
                        failed_at = index
                        raise _Rollback
        except _Rollback:
            failure = results[failed_at]
            errormessage_node = failure.find("errormessage")
            error = SubElement(errormessage_node, "error")
            for tag, text in zip(("errorno", "description", "description2", "correction"), ABORTED, strict=True):
                SubElement(error, tag).text = text
            ctx.call.transactions -= ctx.call.writes  # rolled-back writes are not billed
            ctx.call.writes = 0
            aborted = []
            for index, function in enumerate(functions):
                if index == failed_at:
                    aborted.append(failure)
                    continue
                result = self._result_head(function, "aborted")
                errormessage(result, [ABORTED])
                aborted.append(result)
            return aborted
        for done in pending_ids:
            self._mark_done(done)
        return results

    def _mark_done(self, done: tuple[str, str, str]) -> None:
        with self._lock:
            self._completed.add(done)

    def _result_head(self, function: InElement, status: str) -> etree._Element:
        result = etree.Element("result")
        SubElement(result, "status").text = status
        SubElement(result, "function").text = function[0].tag if len(function) else ""
        SubElement(result, "controlid").text = function.get("controlid", "")
        return result

    def _one(
        self, function: InElement, ctx: XmlContext, unique: bool, count: int
    ) -> tuple[etree._Element, tuple | None]:
        """Run one <function>; returns its <result> and the controlid key to remember on success."""
        if len(function) != 1:
            result = self._result_head(function, "failure")
            errormessage(
                result,
                [("XL03000003", "XML Parse schema error", "A <function> holds exactly one operation element", "")],
            )
            return result, None
        body = function[0]
        name = body.tag
        ctx.call.operations.append(name)
        controlid = function.get("controlid", "")
        done_key = (ctx.sender, ctx.company, controlid)
        result = self._result_head(function, "success")
        try:
            if unique and controlid:
                with self._lock:
                    if done_key in self._completed:
                        knobs = self.settings.knobs
                        text = knobs.duplicate_controlid_text.replace("{controlid}", controlid)
                        raise bad(text, knobs.duplicate_controlid_errorno)
            if name == "getAPISession":
                if count != 1:
                    raise bad("getAPISession must be the only function in its request", "XL03000003")
                self._get_api_session(body, ctx, result)
            elif name in self.functions:
                writes_before = ctx.call.writes
                with self.store.transaction():
                    self.functions[name](body, ctx, result)
                billed = name in READ_FUNCTIONS or (name in METADATA_FUNCTIONS and self.store.knobs.bill_metadata)
                ctx.call.transactions += billed + (ctx.call.writes - writes_before)
            else:
                raise bad(f"Unknown or unsupported function '{name}'", "XL03000003")
        except SandboxError as error:
            result = self._failure(function, FunctionFailure.from_error(error), name)
            return result, None
        except FunctionFailure as failure:
            return self._failure(function, failure, name), None
        return result, done_key if controlid else None

    def _failure(self, function: InElement, failure: FunctionFailure, name: str) -> etree._Element:
        result = self._result_head(function, "failure")
        if name in ("create", "update"):
            SubElement(result, "data", listtype="objects", count="0")
        errormessage(result, failure.errors)
        return result

    # ------------------------------------------------------------------ helpers
    def _object(self, body: InElement, *, writable: bool = False) -> ObjectDef:
        name = _text(_child(body, "object")).upper()
        defn = self.store.registry.get(name) if name else None
        if defn is None or defn.owner and writable:
            raise bad(f"Invalid object '{name}'", "DL02000001")
        if name == "AUDITHISTORY" and not self.store.knobs.audit_history_readable:
            raise bad("You do not have permission for API operation READ on objects of type audithistory", "BL01001973")
        return defn

    def _accessors(self, defn: ObjectDef, fields_text: str, resolver: Resolver) -> list[Accessor]:
        names = [f.strip().upper() for f in fields_text.split(",") if f.strip()]
        if not names or names == ["*"]:
            names = [f.name for f in defn.fields if f.xml]
        return [resolver.accessor(n) for n in names]

    def _page_size(self, body: InElement, maximum: int) -> int:
        raw = _text(_child(body, "pagesize"), "100")
        if not raw.isdigit() or not 1 <= int(raw) <= maximum:
            raise bad(f"pagesize must be between 1 and {maximum}", "DL02000001")
        return int(raw)

    @staticmethod
    def _check_format(body: InElement) -> None:
        fmt = _text(_child(body, "returnFormat")) or _text(
            _child(_child(body, "options") or InElement("x"), "returnformat")
        )
        if fmt and fmt.lower() != "xml":
            raise bad(f"returnFormat '{fmt}' is not supported by the sandbox (xml only)", "DL02000001")

    @staticmethod
    def _records(data: etree._Element, tag: str, accessors: list[Accessor], rows: list[dict]) -> None:
        for row in rows:
            element = SubElement(data, tag)
            for accessor in accessors:
                SubElement(element, accessor.name).text = accessor.xml(row)

    # ------------------------------------------------------------------ reads
    def _read_by_query(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        defn = self._object(body)
        self._check_format(body)
        resolver = Resolver(self.store, defn, "xml", self.store.knobs.xml_style())
        accessors = self._accessors(defn, _text(_child(body, "fields"), "*"), resolver)
        query_text = _text(_child(body, "query"))
        where = QueryParser(query_text, resolver).parse()
        page_size = self._page_size(body, 1000)
        rows = self.engine.run(defn, where, [], entity=ctx.entity, case_sensitive=True, cache_key="rbq:" + query_text)
        cursor = ResultSet(defn, accessors, rows, 0, page_size, time.monotonic())
        self._page(cursor, secrets.token_hex(16), result)

    def _page(self, cursor: ResultSet, result_id: str, result: etree._Element) -> None:
        page = cursor.rows[cursor.position : cursor.position + cursor.page_size]
        cursor.position += len(page)
        remaining = len(cursor.rows) - cursor.position
        tag = cursor.defn.name.lower()
        with self._lock:
            if remaining:
                self._results[result_id] = cursor
                while len(self._results) > 200:
                    self._results.popitem(last=False)
            else:
                self._results.pop(result_id, None)
        data = SubElement(
            result,
            "data",
            listtype=tag,
            count=str(len(page)),
            totalcount=str(len(cursor.rows)),
            numremaining=str(remaining),
            resultId=result_id if remaining else "",
        )
        self._records(data, tag, cursor.accessors, page)

    def _read_more(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        result_id = _text(_child(body, "resultId"))
        with self._lock:
            cursor = self._results.get(result_id)
            if cursor is None and not result_id:  # <object>X</object>: the newest cursor of that object
                wanted = _text(_child(body, "object")).upper()
                cursor_id = next((k for k, c in reversed(self._results.items()) if c.defn.name == wanted), None)
                cursor, result_id = (self._results.get(cursor_id), cursor_id) if cursor_id else (None, "")
        if cursor is None:
            raise bad(
                f"Unknown or exhausted resultId '{result_id}'. Result sets are kept until read to the end "
                "(the 200 newest).",
                "DL02000001",
            )
        self._page(cursor, result_id, result)

    def _query(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        defn = self._object(body)
        self._check_format(body)
        resolver = Resolver(self.store, defn, "xml", self.store.knobs.xml_style())
        select = _child(body, "select")
        if select is None or not len(select):
            raise bad("<select> with at least one <field> is required", "DL02000001")
        accessors = []
        for item in select:
            if item.tag != "field":
                raise bad(f"<{item.tag}> aggregates are not supported by the sandbox", "DL02000001")
            name = _text(item).upper()
            if self.store.knobs.refuses_query(defn.name, name):
                raise bad(f"The field {name} of {defn.name} cannot be used in a query", "DL02000001")
            accessors.append(resolver.accessor(name))
        filter_node = _child(body, "filter")
        where = None
        if filter_node is not None:
            if len(filter_node) != 1:
                raise bad("<filter> takes exactly one top-level operator", "DL02000001")
            where = self._filter(filter_node[0], resolver)
        order = []
        orderby = _child(body, "orderby")
        for item in orderby if orderby is not None else []:
            accessor = resolver.accessor(_text(_child(item, "field")).upper())
            order.append((accessor, _child(item, "descending") is not None))
        options = _child(body, "options")
        case_insensitive = _text(_child(options, "caseinsensitive")) == "true" if options is not None else False
        show_private = _text(_child(options, "showprivate")) == "true" if options is not None else False
        page_size = self._page_size(body, 2000)
        offset_text = _text(_child(body, "offset"), "0")
        if not offset_text.isdigit():
            raise bad("offset must be a non-negative integer", "DL02000001")
        offset = int(offset_text)
        key = (
            "q:"
            + (tostring(filter_node, encoding="unicode") if filter_node is not None else "")
            + str([(a.name, d) for a, d in order])
        )
        rows = self.engine.run(
            defn,
            where,
            order,
            entity=ctx.entity,
            case_sensitive=not case_insensitive,
            cache_key=key,
            include_private=show_private,
        )
        page = rows[offset : offset + page_size]
        data = SubElement(
            result,
            "data",
            listtype=defn.name,
            totalcount=str(len(rows)),
            offset=str(offset),
            count=str(len(page)),
            numremaining=str(max(0, len(rows) - offset - len(page))),
        )
        self._records(data, defn.name, accessors, page)

    def _filter(self, node: InElement, resolver: Resolver) -> Cond | BoolOp:
        if node.tag in ("and", "or"):
            if len(node) < 2:
                raise bad(f"<{node.tag}> needs at least two conditions", "DL02000001")
            return BoolOp(node.tag, tuple(self._filter(child, resolver) for child in node))
        op = QUERY_OPERATORS.get(node.tag)
        if op is None:
            raise bad(f"Unknown filter operator <{node.tag}>", "DL02000001")
        accessor = resolver.accessor(_text(_child(node, "field")).upper())
        given = [_text(v) for v in node if v.tag == "value"]
        if op in ("isnull", "isnotnull"):
            return Cond(accessor, op)
        if op == "between" and len(given) != 2:
            raise bad("<between> takes exactly two <value> elements", "DL02000001")
        if op in ("in", "notin"):
            if not 1 <= len(given) <= 1000:
                raise bad("<in>/<notin> take 1 to 1000 values", "DL02000001")
        elif op != "between" and len(given) != 1:
            raise bad(f"<{node.tag}> takes exactly one <value>", "DL02000001")
        if op in ("like", "notlike"):
            return Cond(accessor, op, given[0])
        coerced = tuple(accessor.coerce(v, xml=True) for v in given)
        return Cond(accessor, op, coerced if op in ("in", "notin", "between") else coerced[0])

    def _read(self, body: InElement, ctx: XmlContext, result: etree._Element, *, by_name: bool = False) -> None:
        defn = self._object(body)
        self._check_format(body)
        keys = [k.strip() for k in _text(_child(body, "keys")).split(",") if k.strip()]
        if len(keys) > MAX_READ_KEYS:
            raise bad(f"read accepts at most {MAX_READ_KEYS} keys", "DL02000001")
        if by_name and not defn.id_field:
            raise bad(f"readByName is not available for {defn.name}", "DL02000001")
        scope = self.engine.visible(defn, ctx.entity)
        if keys:
            found = [
                self.store.find(defn.name, k)
                if by_name
                else (self.store.get(defn.name, int(k)) if k.isdigit() else None)
                for k in keys
            ]
        else:
            found = self.engine.run(defn, None, [], entity=ctx.entity, case_sensitive=True, cache_key="list")[:100]
        rows = [r for r in found if r is not None and (scope is None or scope(r))]
        fields = _text(_child(body, "fields"), "*")
        resolver = Resolver(self.store, defn, "xml", self.store.knobs.xml_style())
        accessors = self._accessors(defn, fields, resolver)
        data = SubElement(result, "data", listtype=defn.name, count=str(len(rows)))
        for row in rows:
            self._nested_record(data, defn, row, accessors)

    def _nested_record(self, parent: etree._Element, defn: ObjectDef, row: dict, accessors: list[Accessor]) -> None:
        """``read`` output: dotted fields become nested groups, owned lines are included."""
        element = SubElement(parent, defn.name)
        groups: dict[str, etree._Element] = {}
        for accessor in accessors:
            *path, leaf = accessor.name.split(".") if accessor.name in defn.by_name else [accessor.name]
            holder = element
            for depth in range(len(path)):
                key = ".".join(path[: depth + 1])
                if key not in groups:
                    groups[key] = SubElement(holder, path[depth])
                holder = groups[key]
            SubElement(holder, leaf).text = accessor.xml(row)
        if defn.lines:
            line_def = self.store.registry[defn.lines.object]
            container = SubElement(element, defn.lines.xml)
            line_resolver = Resolver(self.store, line_def, "xml", self.store.knobs.xml_style())
            line_accessors = [line_resolver.accessor(f.name) for f in line_def.fields if f.xml]
            for line in self.store.lines_of(defn, row["RECORDNO"]):
                item = SubElement(container, defn.lines.xml_item)
                for accessor in line_accessors:
                    SubElement(item, accessor.name).text = accessor.xml(line)

    def _read_by_name(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        self._read(body, ctx, result, by_name=True)

    def _lookup(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        defn = self._object(body)
        data = SubElement(result, "data", listtype="All", count="1")
        type_node = SubElement(data, "Type", Name=defn.name, DocumentType="")
        fields = SubElement(type_node, "Fields")
        for f in (f for f in defn.fields if f.xml):
            field = SubElement(fields, "Field")
            for tag, text in (
                ("ID", f.name),
                ("LABEL", f.name.title()),
                ("DESCRIPTION", ""),
                ("REQUIRED", str(f.required).lower()),
                ("READONLY", str(f.readonly).lower()),
                ("DATATYPE", f.type.upper()),
                ("ISCUSTOM", "false"),
            ):
                SubElement(field, tag).text = text
            if f.enum:
                valid = SubElement(field, "VALIDVALUES")
                for value in ENUMS[f.enum]:
                    SubElement(valid, "VALIDVALUE").text = str(value)
        SubElement(type_node, "Relationships")

    # ------------------------------------------------------------------ writes
    def _fields(self, defn: ObjectDef, node: InElement, *, lines_as_ops: bool) -> tuple[dict, list, bool]:
        """Object element -> (values, lines, lines_given). Nested elements flatten to dotted names."""
        result: dict = {}
        lines: list = []
        lines_given = False

        def walk(element: InElement, prefix: str) -> None:
            nonlocal lines_given
            for child in element:
                name = prefix + child.tag.upper()
                if defn.lines and name == defn.lines.xml:
                    lines_given = True
                    line_def = self.store.registry[defn.lines.object]
                    for item in child:
                        converted, _, _ = self._fields(line_def, item, lines_as_ops=False)
                        lines.append(LineOp("create", converted) if lines_as_ops else converted)
                    continue
                f = defn.by_write_name.get(name)
                if f is not None and f.xml:
                    if not f.readonly or name == "RECORDNO":
                        result[f.name] = values.parse_value(f.type, child.text, name, xml=True)
                elif name in defn.by_name:  # a read name whose write name differs (GLENTRY DEPARTMENTID)
                    write_name = defn.by_name[name].write_as
                    raise bad(f"Unknown field {name} on {defn.name}; it is written as {write_name}", "BL01001973")
                elif len(child):
                    walk(child, name + ".")
                else:
                    raise bad(f"Unknown field {name} on {defn.name}", "BL01001973")

        walk(node, "")
        return result, lines, lines_given

    def _create(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        created = []
        for node in body:
            defn = self._writable(node.tag)
            fields, lines, _ = self._fields(defn, node, lines_as_ops=False)
            fields.pop("RECORDNO", None)
            if ctx.entity and defn.entity_scoped:
                fields["MEGAENTITYID"] = ctx.entity
            record = self.store.create(defn.name, fields, lines, actor=ctx.actor)
            created.append((defn, record))
            ctx.call.writes += 1
        self._write_result(result, created)

    def _writable(self, tag: str) -> ObjectDef:
        defn = self.store.registry.get(tag)
        if defn is None or not defn.writable or defn.is_view or defn.owner:
            raise bad(f"Invalid object '{tag}' for create/update", "BL01001973")
        return defn

    def _write_result(self, result: etree._Element, written: list[tuple[ObjectDef, dict]]) -> None:
        data = SubElement(result, "data", listtype="objects", count=str(len(written)))
        for defn, record in written:
            element = SubElement(data, defn.name.lower())
            SubElement(element, "RECORDNO").text = str(record["RECORDNO"])
            if defn.id_field and "." not in defn.id_field:
                SubElement(element, defn.id_field).text = record[defn.id_field]

    def _update(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        updated = []
        for node in body:
            defn = self._writable(node.tag)
            fields, lines, lines_given = self._fields(defn, node, lines_as_ops=True)
            record = None
            if fields.get("RECORDNO") is not None:
                record = self.store.get(defn.name, fields["RECORDNO"])
                ident = f"RECORDNO={fields['RECORDNO']}"
            elif defn.id_field and fields.get(defn.id_field):
                record = self.store.find(defn.name, fields[defn.id_field])
                ident = f"{defn.id_field}={fields[defn.id_field]}"
            else:
                raise bad(f"Provide RECORDNO{' or ' + defn.id_field if defn.id_field else ''} to update {defn.name}")
            scope = self.engine.visible(defn, ctx.entity)
            if record is None or (scope and not scope(record)):
                raise bad(f"Cannot update non-existing {defn.name} with {ident}.")
            fields.pop("RECORDNO", None)
            record = self.store.update(
                defn.name, record["RECORDNO"], fields, lines, replace_lines=lines_given, actor=ctx.actor
            )
            updated.append((defn, record))
            ctx.call.writes += 1
        self._write_result(result, updated)

    def _delete_keys(self, defn: ObjectDef, keys: list[str], ctx: XmlContext) -> None:
        scope = self.engine.visible(defn, ctx.entity)
        for key in keys:
            record = self.store.get(defn.name, int(key)) if key.isdigit() else None
            if record is None or (scope and not scope(record)):
                raise bad(f"Cannot find {defn.name.lower()} with key '{key}' to delete.")
            self.store.delete(defn.name, record["RECORDNO"], actor=ctx.actor)
            ctx.call.writes += 1

    def _delete(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        defn = self._object(body, writable=True)
        if not defn.writable or defn.is_view:
            raise bad(f"Invalid object '{defn.name}' for delete")
        keys = [k.strip() for k in _text(_child(body, "keys")).split(",") if k.strip()]
        if not keys:
            raise bad("<keys> is required", "DL02000001")
        self._delete_keys(defn, keys, ctx)

    def _legacy_delete(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        defn = self.store.registry[LEGACY_DELETE[body.tag]]
        key = body.get("key") or _text(_child(body, "key"))
        if defn.id_field and not key.isdigit():
            record = self.store.find(defn.name, key)
            key = str(record["RECORDNO"]) if record else key
        self._delete_keys(defn, [key], ctx)

    def _legacy_key(self, result: etree._Element, defn: ObjectDef, fields: dict, lines: list, ctx: XmlContext) -> None:
        if ctx.entity:
            fields["MEGAENTITYID"] = ctx.entity
        record = self.store.create(defn.name, fields, lines, actor=ctx.actor)
        ctx.call.writes += 1
        SubElement(result, "key").text = str(record["RECORDNO"])

    def _legacy_lines(self, container: InElement | None, item_tag: str) -> list[InElement]:
        items = [c for c in container if c.tag == item_tag] if container is not None else []
        if not items:
            raise bad(f"At least one <{item_tag}> is required")
        return items

    def _legacy_line(self, item: InElement) -> dict:
        account = _text(_child(item, "glaccountno")) or _text(_child(item, "accountlabel"))
        line = {
            "ACCOUNTNO": account or None,
            "TRX_AMOUNT": values.parse_value("decimal", _text(_child(item, "amount")), "amount"),
            "ENTRYDESCRIPTION": _text(_child(item, "memo")) or None,
        }
        for tag in ("locationid", "departmentid", "projectid", "customerid", "vendorid", "employeeid", "itemid",
                    "classid"):
            if _text(_child(item, tag)):
                line[tag.upper()] = _text(_child(item, tag))
        return line

    def _create_invoice(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        fields = {
            "CUSTOMERID": _text(_child(body, "customerid")) or None,
            "WHENCREATED": _date_object(_child(body, "datecreated"), "datecreated"),
            "WHENPOSTED": _date_object(_child(body, "dateposted"), "dateposted"),
            "WHENDUE": _date_object(_child(body, "datedue"), "datedue"),
            "RECORDID": _text(_child(body, "invoiceno")) or None,
            "DESCRIPTION": _text(_child(body, "description")) or None,
        }
        lines = [self._legacy_line(i) for i in self._legacy_lines(_child(body, "invoiceitems"), "lineitem")]
        self._legacy_key(result, self.store.registry["ARINVOICE"], fields, lines, ctx)

    def _create_aradjustment(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        fields = {
            "CUSTOMERID": _text(_child(body, "customerid")) or None,
            "WHENCREATED": _date_object(_child(body, "datecreated"), "datecreated"),
            "WHENPOSTED": _date_object(_child(body, "dateposted"), "dateposted"),
            "RECORDID": _text(_child(body, "adjustmentno")) or None,
            "DESCRIPTION": _text(_child(body, "description")) or None,
        }
        lines = [self._legacy_line(i) for i in self._legacy_lines(_child(body, "aradjustmentitems"), "lineitem")]
        self._legacy_key(result, self.store.registry["ARADJUSTMENT"], fields, lines, ctx)

    def _create_arpayment(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        items = [c for c in body if c.tag == "arpaymentitem"]
        if not items:
            raise bad("At least one <arpaymentitem> is required")
        lines = [
            {
                "RECORDKEY": _text(_child(i, "invoicekey")),
                "TRX_PAYMENTAMOUNT": values.parse_value("decimal", _text(_child(i, "amount")), "amount"),
            }
            for i in items
        ]
        total = _text(_child(body, "paymentamount"))
        if total and values.canon_decimal(total) != values.canon_decimal(
            sum(float(line["TRX_PAYMENTAMOUNT"]) for line in lines)
        ):
            raise bad("paymentamount must equal the sum of the arpaymentitem amounts")
        fields = {
            "CUSTOMERID": _text(_child(body, "customerid")) or None,
            "RECEIPTDATE": _date_object(_child(body, "datereceived"), "datereceived"),
            "PAYMENTMETHOD": _text(_child(body, "paymentmethod")) or None,
            "RECORDID": _text(_child(body, "refid")) or None,
        }
        self._legacy_key(result, self.store.registry["ARPYMT"], fields, lines, ctx)

    def _create_gltransaction(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        lines = []
        for entry in self._legacy_lines(_child(body, "gltransactionentries"), "glentry"):
            tr_type = _text(_child(entry, "trtype")).lower()
            if tr_type not in ("debit", "credit"):
                raise bad("glentry trtype must be debit or credit")
            line = {
                "TR_TYPE": 1 if tr_type == "debit" else -1,
                "ACCOUNTNO": _text(_child(entry, "glaccountno")) or None,
                "TRX_AMOUNT": values.parse_value("decimal", _text(_child(entry, "amount")), "amount"),
                "DESCRIPTION": _text(_child(entry, "memo")) or None,
            }
            for tag in ("locationid", "departmentid", "customerid", "vendorid", "employeeid", "projectid", "classid"):
                if _text(_child(entry, tag)):
                    line[tag.upper()] = _text(_child(entry, tag))
            lines.append(line)
        fields = {
            "JOURNAL": _text(_child(body, "journalid")) or None,
            "BATCH_DATE": _date_object(_child(body, "datecreated"), "datecreated"),
            "BATCH_TITLE": _text(_child(body, "description")) or None,
        }
        self._legacy_key(result, self.store.registry["GLBATCH"], fields, lines, ctx)

    # ------------------------------------------------------------------ sessions and DDS
    def _get_api_session(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        entity = _text(_child(body, "locationid")) or ctx.entity
        if entity and self.store.find("LOCATIONENTITY", entity) is None:
            raise bad(f"Invalid location/entity '{entity}'")
        session = self.sessions.open(ctx.user, ctx.company, entity or None)
        api = SubElement(SubElement(result, "data"), "api")
        SubElement(api, "sessionid").text = session.id
        SubElement(api, "endpoint").text = self.endpoint()
        SubElement(api, "locationid").text = entity or ""

    def _read_user_formatting(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        """developer.intacct.com/api/company-console/users: the user by ``key`` (RECORDNO) or ``userId``
        (LOGINID); every user of the sandbox has the preferences of the knobs."""
        key, login = _text(_child(body, "key")), _text(_child(body, "userId"))
        if key:
            user = self.store.get("USERINFO", int(key)) if key.isdigit() else None
        else:
            user = self.store.find("USERINFO", login) if login else None
        if user is None:
            raise bad(f"Cannot find user '{key or login}'", "DL02000001")
        knobs = self.store.knobs
        formatting = SubElement(SubElement(result, "data"), "userformatting")
        for tag, text in (
            ("recordno", str(user["RECORDNO"])),
            ("locale", knobs.xml_locale),
            ("dateformat", knobs.xml_date_format),
            ("gmtoffset", knobs.xml_gmt_offset),
            ("clock", knobs.xml_clock),
        ):
            SubElement(formatting, tag).text = text

    def _get_dds_ddl(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        defn = self._object(body)
        if not defn.dds:
            raise bad(f"{defn.name} is not a DDS object", "DL02000001")
        data = SubElement(result, "data", listtype="ddl", count="1")
        SubElement(data, "ddl", object=defn.name).text = ddl(self.store.registry, defn)

    def _get_dds_objects(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        names = self.store.registry.dds_objects()
        data = SubElement(result, "data", listtype="ddsObjects", count=str(len(names)))
        holder = SubElement(data, "ddsObjects")
        for name in names:
            SubElement(holder, "object").text = name

    def _run_dds_job(self, body: InElement, ctx: XmlContext, result: etree._Element) -> None:
        """Runs synchronously (real Intacct queues it); answers with the DDSJOB record(s) written."""
        if self.run_dds_job is None:
            raise bad("DDS deliveries are not configured in this sandbox")
        defn = self._object(body)
        job_type = _text(_child(body, "jobType"), "all").lower()
        if job_type not in ("all", "change"):
            raise bad("jobType must be all or change", "DL02000001")
        config = _child(body, "fileConfiguration")
        options = {}
        if config is not None:
            for tag, key in (("delimiter", "delimiter"), ("enclosure", "enclosure"), ("fileFormat", "line_ending")):
                if _text(_child(config, tag)):
                    options[key] = _text(_child(config, tag))
            for tag, key in (("includeHeaders", "include_headers"), ("compress", "compress")):
                if _text(_child(config, tag)):
                    options[key] = _text(_child(config, tag)).lower() == "true"
            if _text(_child(config, "splitSize")):
                options["split_size"] = int(_text(_child(config, "splitSize")))
        try:
            jobs = self.run_dds_job(objects=[defn.name], job_type=job_type, **options)
        except ValueError as error:
            raise bad(str(error), "DL02000001") from None
        data = SubElement(result, "data", listtype="ddsjob", count=str(len(jobs)))
        accessors = [
            Resolver(self.store, self.store.registry["DDSJOB"], "xml", self.store.knobs.xml_style()).accessor(f.name)
            for f in self.store.registry["DDSJOB"].fields
        ]
        self._records(data, "ddsjob", accessors, jobs)


class _Rollback(Exception):
    """Internal: unwinds the store transaction when a function fails inside transaction="true"."""


class _AuthFailure(Exception):
    """Internal: authentication failed with one (errorno, description, description2, correction)."""

    def __init__(self, error: tuple[str, str, str, str]) -> None:
        super().__init__(error[2])
        self.error = error
