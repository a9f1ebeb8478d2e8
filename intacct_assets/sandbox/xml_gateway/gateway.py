"""The XML gateway (``/ia/xml/xmlgw.phtml``): the control, authentication and function status levels,
sessions, ``transaction`` and ``uniqueid``, and each function handed to its family (reads, writes, legacy,
platform). Requests are parsed with defusedxml (DTDs and entities refused, never expanded)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from xml.etree.ElementTree import Element as InElement
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from lxml import etree
from lxml.etree import SubElement

from intacct_assets.sandbox.company.service import Caller, Company
from intacct_assets.sandbox.errors import SandboxError
from intacct_assets.sandbox.httpd import Request, Response
from intacct_assets.sandbox.sessions import Sessions
from intacct_assets.sandbox.settings import SandboxSettings
from intacct_assets.sandbox.stats import Call
from intacct_assets.sandbox.xml_gateway.envelope import (
    FunctionFailure,
    XmlContext,
    add_error,
    bad,
    child,
    control_block,
    control_failure,
    errormessage,
    render,
    text,
)
from intacct_assets.sandbox.xml_gateway.legacy import Legacy
from intacct_assets.sandbox.xml_gateway.platform import Platform
from intacct_assets.sandbox.xml_gateway.reads import Reads
from intacct_assets.sandbox.xml_gateway.schema import schema_error
from intacct_assets.sandbox.xml_gateway.writes import Writes

ABORTED = ("XL03000009", "", "The entire transaction in this operation has been rolled back due to an error.", "")
METADATA_FUNCTIONS = frozenset({"lookup", "readUserFormatting"})  # free unless the knob bill_metadata says otherwise
Function = Callable[[InElement, XmlContext, etree._Element], None]


class XmlGateway:
    def __init__(
        self,
        company: Company,
        sessions: Sessions,
        settings: SandboxSettings,
        endpoint: Callable[[], str],
        dds: Callable[..., list[dict]] | None = None,
    ) -> None:
        self.company, self.sessions, self.settings = company, sessions, settings
        self._completed: set[tuple[str, str, str]] = set()
        self._lock = threading.Lock()
        reads, writes = Reads(company), Writes(company)
        self.platform = Platform(company, sessions, endpoint, dds)
        self.billed = reads.BILLED
        self.functions: dict[str, Function] = {
            **reads.functions,
            **writes.functions,
            **Legacy(company, writes).functions,
            **self.platform.functions,
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
        control = child(root, "control") if root.tag == "request" else None
        if control is None:
            return control_failure("GW-0011", "Invalid Request", description2="Missing <request>/<control> block")
        fields = {
            tag: text(child(control, tag)) for tag in ("senderid", "password", "controlid", "uniqueid", "dtdversion")
        }
        echo = {**fields, "uniqueid": fields["uniqueid"] or "false", "dtdversion": fields["dtdversion"] or "3.0"}
        if not fields["senderid"]:
            return control_failure("GW-0011", "Invalid Request", description2="senderid is required", control=echo)
        if fields["senderid"] != self.settings.sender_id or fields["password"] != self.settings.sender_password:
            return control_failure("XL03000006", "Incorrect Intacct XML Partner ID or password.", control=echo)
        operation = child(root, "operation")
        if operation is None:
            return control_failure(
                "XL03000003", "XML Parse schema error", description2="Missing <operation>", control=echo
            )
        try:
            auth = self._authenticate(child(operation, "authentication"))
        except _AuthFailure as failure:
            return self._auth_failure(echo, failure.error)
        if isinstance(auth, Response):
            return auth
        user, company, entity = auth
        response = etree.Element("response")
        control_block(response, "success", echo)
        op = SubElement(response, "operation")
        self._auth_block(op, user, company, entity, "success")
        content = child(operation, "content")
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
        ctx = XmlContext(Caller(user, "xml", entity, call), company, fields["senderid"])
        transaction = operation.get("transaction", "false").lower() == "true"
        op.extend(self._run(functions, ctx, transaction, echo["uniqueid"].lower() == "true"))
        return render(response)

    def _authenticate(self, auth: InElement | None) -> tuple[str, str, str | None] | Response:
        """(user, company, entity); a Response for a dead session; raises _AuthFailure otherwise."""
        if auth is None:
            raise _AuthFailure(("XL03000006", "", "Missing authentication block", ""))
        session_node = child(auth, "sessionid")
        if session_node is not None:
            session = self.sessions.touch(text(session_node))
            if session is None and self.company.knobs.xml_session_expiry == "control":  # fylein's SDK handles it
                return control_failure(
                    "invalidRequest", "Invalid Request", 400, description2="Invalid or expired session"
                )
            if session is None:  # as recorded from a real gateway (jfcote87/intacct testfiles/sessionInvalid.xml)
                raise _AuthFailure(("XL03000006", "", "Invalid session", ""))
            return session.user, session.company, session.entity
        login = child(auth, "login")
        if login is None:
            raise _AuthFailure(("XL03000006", "", "Provide <login> or <sessionid>", ""))
        user, company, password = (text(child(login, t)) for t in ("userid", "companyid", "password"))
        company, _, entity = company.partition("|")
        entity = text(child(login, "locationid")) or entity or None
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
        if entity and not self.company.has_entity(entity):
            raise _AuthFailure(("XL03000006", "", f"Invalid location/entity '{entity}'", ""))
        return user, company, entity

    def _auth_block(self, parent: etree._Element, user: str, company: str, entity: str | None, status: str) -> None:
        block = SubElement(parent, "authentication")
        SubElement(block, "status").text = status
        SubElement(block, "userid").text = user
        SubElement(block, "companyid").text = company
        SubElement(block, "locationid").text = entity or ""
        now = self.company.store.clock.now()
        SubElement(block, "sessiontimestamp").text = now.isoformat()
        SubElement(block, "sessiontimeout").text = (now + timedelta(seconds=self.sessions.ttl)).isoformat()

    def _auth_failure(self, echo: dict, error: tuple) -> Response:
        root = etree.Element("response")
        control_block(root, "success", echo)
        op = SubElement(root, "operation")
        auth = SubElement(op, "authentication")
        SubElement(auth, "status").text = "failure"
        for tag in ("userid", "companyid", "locationid"):
            SubElement(auth, tag).text = ""
        errormessage(op, [error])
        return render(root)

    # ------------------------------------------------------------------ function level
    def _run(self, functions: list[InElement], ctx: XmlContext, transaction: bool, unique: bool) -> list:
        """Every function's <result>. With transaction="true" they commit together: the first failure rolls
        back all (its writes unbilled) and the others answer "aborted"."""
        if not transaction:
            results = []
            for function in functions:
                result, done = self._one(function, ctx, unique, len(functions))
                results.append(result)
                self._mark_done(done)
            return results
        results, pending_ids, failed_at = [], [], None
        try:
            with self.company.transaction(ctx.caller):
                for index, function in enumerate(functions):
                    result, done = self._one(function, ctx, unique, len(functions))
                    results.append(result)
                    pending_ids.append(done)
                    if result.findtext("status") == "failure":
                        failed_at = index
                        raise _Rollback
        except _Rollback:
            failure = results[failed_at]
            add_error(failure.find("errormessage"), ABORTED)
            aborted = []
            for index, function in enumerate(functions):
                if index == failed_at:
                    aborted.append(failure)
                    continue
                result = _result_head(function, "aborted")
                errormessage(result, [ABORTED])
                aborted.append(result)
            return aborted
        for done in pending_ids:
            self._mark_done(done)
        return results

    def _mark_done(self, done: tuple[str, str, str] | None) -> None:
        if done:
            with self._lock:
                self._completed.add(done)

    def _one(
        self, function: InElement, ctx: XmlContext, unique: bool, count: int
    ) -> tuple[etree._Element, tuple | None]:
        """Run one <function>; returns its <result> and the controlid key to remember on success."""
        if len(function) != 1:
            result = _result_head(function, "failure")
            errormessage(
                result,
                [("XL03000003", "XML Parse schema error", "A <function> holds exactly one operation element", "")],
            )
            return result, None
        body = function[0]
        name = body.tag
        ctx.caller.call.operations.append(name)
        controlid = function.get("controlid", "")
        done_key = (ctx.sender, ctx.company, controlid)
        result = _result_head(function, "success")
        try:
            if unique and controlid:
                with self._lock:
                    if done_key in self._completed:
                        knobs = self.company.knobs
                        message = knobs.duplicate_controlid_text.replace("{controlid}", controlid)
                        raise bad(message, knobs.duplicate_controlid_errorno)
            if name == "getAPISession":
                if count != 1:
                    raise bad("getAPISession must be the only function in its request", "XL03000003")
                self.platform.get_api_session(body, ctx, result)
            elif name in self.functions:
                with self.company.transaction(ctx.caller):  # a function's writes commit together
                    self.functions[name](body, ctx, result)
                if name in self.billed or (name in METADATA_FUNCTIONS and self.company.knobs.bill_metadata):
                    ctx.caller.bill()
            else:
                raise bad(f"Unknown or unsupported function '{name}'", "XL03000003")
        except SandboxError as error:
            return _failure(function, FunctionFailure.from_error(error), name), None
        except FunctionFailure as failure:
            return _failure(function, failure, name), None
        return result, done_key if controlid else None


def _result_head(function: InElement, status: str) -> etree._Element:
    result = etree.Element("result")
    SubElement(result, "status").text = status
    SubElement(result, "function").text = function[0].tag if len(function) else ""
    SubElement(result, "controlid").text = function.get("controlid", "")
    return result


def _failure(function: InElement, failure: FunctionFailure, name: str) -> etree._Element:
    result = _result_head(function, "failure")
    if name in ("create", "update"):
        SubElement(result, "data", listtype="objects", count="0")
    errormessage(result, failure.errors)
    return result


class _Rollback(Exception):
    """Internal: unwinds the company transaction when a function fails inside transaction="true"."""


class _AuthFailure(Exception):
    """Internal: authentication failed with one (errorno, description, description2, correction)."""

    def __init__(self, error: tuple[str, str, str, str]) -> None:
        super().__init__(error[2])
        self.error = error
