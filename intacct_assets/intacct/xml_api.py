"""The XML gateway client: sessions per entity, function calls, queries and generic writes.

A session is opened with ``getAPISession`` (login with sender + user credentials, ``locationid``
for an entity) or, without a user password, through the REST session bridge. Every answer says when
the session dies if left unused (``<sessiontimeout>``, ``expiresIn`` for the bridge): a session is
renewed a minute before that, and one refused as dead anyway (``XL03000006`` at the authentication
level, or HTTP 400 ``invalidRequest``) is renewed once and the request sent again. Reads are resent
freely; writes only when sent with ``uniqueid=True`` and stable ``controlid``s, in which case the
gateway refuses to run a function twice (a refusal that says so in words is
:attr:`IntacctXmlError.already_executed`; its error number is not documented).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from lxml import etree

from intacct_assets.intacct import xml_request
from intacct_assets.intacct.errors import (
    IntacctConfigError,
    IntacctXmlError,
    UnexpectedAnswerError,
)
from intacct_assets.intacct.filters import Filter
from intacct_assets.intacct.redaction import Redactor
from intacct_assets.intacct.rest import RestClient
from intacct_assets.intacct.retry import Replay
from intacct_assets.intacct.settings import IntacctSettings
from intacct_assets.intacct.transport import Exchange, Transport
from intacct_assets.intacct.xml_dates import UserDates, UserFormatting
from intacct_assets.intacct.xml_request import READ_ONLY_FUNCTIONS, Login, Session, billed_transactions, operation_label
from intacct_assets.intacct.xml_response import FunctionResult, ResponseReader

SESSION_RENEW_MARGIN = 60.0  # seconds before its announced death a session is replaced


@dataclass(frozen=True)
class XmlPage:
    """One page of ``query`` / ``readByQuery`` / ``readMore`` records (flat dicts, text values)."""

    records: list[dict[str, object]]
    total: int
    remaining: int
    result_id: str = ""


class XmlClient:
    def __init__(
        self,
        settings: IntacctSettings,
        transport: Transport,
        redactor: Redactor,
        rest: RestClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``clock``: seconds (monotonic), against which session lifetimes are measured."""
        settings.require_xml()
        self.settings, self._transport, self._redactor, self._rest = settings, transport, redactor, rest
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._renew_at: dict[str, float] = {}  # context -> clock time to open a new session before
        self._lock = threading.Lock()
        self._dates: UserDates | None = None
        self._dates_lock = threading.Lock()

    # ------------------------------------------------------------------ calls
    def call(
        self,
        functions: Sequence[etree._Element],
        *,
        entity: str | None = None,
        transaction: bool = False,
        uniqueid: bool = False,
    ) -> list[FunctionResult]:
        """Run ``<function>`` elements (see :func:`xml_request.function`) in one request; one result each."""
        context = self.settings.entity_id if entity is None else entity
        names = [f[0].tag for f in functions]
        keyed = uniqueid and all(f.get("controlid") for f in functions)
        replay = Replay(safe=all(n in READ_ONLY_FUNCTIONS for n in names) or keyed, keyed=keyed)
        billed = {f.get("controlid"): billed_transactions(f[0]) for f in functions}
        for attempt in (1, 2):
            session = self._session(context)
            reader = ResponseReader(self._redactor, billed)
            payload = xml_request.envelope(
                sender_id=self.settings.sender_id,
                sender_password=self.settings.sender_password.reveal(),
                auth=session,
                functions=functions,
                transaction=transaction,
                uniqueid=uniqueid,
            )
            sent = self._clock()
            try:
                self._transport.send(
                    Exchange(
                        face="xml",
                        method="POST",
                        url=session.endpoint,
                        operation=operation_label(functions),
                        replay=replay,
                        judge=reader.judge,
                        transactions=reader.transactions,
                        failures=reader.failures,
                        entity=context,
                        headers={"Content-Type": "application/xml"},
                        content=payload,
                    )
                )
            except IntacctXmlError as error:
                if error.session_expired and attempt == 1:
                    self._forget(context, session)
                    continue
                raise
            self._lives(context, session, sent, reader.parsed.session_seconds_left())
            return reader.parsed.results
        raise AssertionError("unreachable")

    def one(
        self, body: etree._Element, *, entity: str | None = None, controlid: str | None = None, uniqueid: bool = False
    ) -> FunctionResult:
        """Run a single function and raise its error if it failed."""
        return self.call([xml_request.function(body, controlid)], entity=entity, uniqueid=uniqueid)[
            0
        ].raise_for_status()

    # ------------------------------------------------------------------ reads
    def query(
        self,
        object_name: str,
        fields: Sequence[str],
        *,
        filter: Filter | None = None,
        order_by: Sequence[tuple[str, str]] = (),
        offset: int = 0,
        pagesize: int = xml_request.MAX_QUERY_PAGE,
        entity: str | None = None,
        case_insensitive: bool = False,
        show_private: bool = False,
    ) -> XmlPage:
        result = self.one(
            xml_request.query(
                object_name,
                fields,
                filter=filter,
                order_by=order_by,
                offset=offset,
                pagesize=pagesize,
                case_insensitive=case_insensitive,
                show_private=show_private,
            ),
            entity=entity,
        )
        return _page(result)

    def read_by_query(
        self,
        object_name: str,
        *,
        fields: str = "*",
        where: str = "",
        pagesize: int = xml_request.MAX_READ_BY_QUERY_PAGE,
        entity: str | None = None,
    ) -> Iterator[XmlPage]:
        """Every page of a ``readByQuery`` result set, following ``readMore`` (a server-side cursor)."""
        page = _page(
            self.one(
                xml_request.read_by_query(object_name, fields=fields, where=where, pagesize=pagesize), entity=entity
            )
        )
        yield page
        while page.remaining > 0 and page.result_id:
            previous, page = page, _page(self.one(xml_request.read_more(page.result_id), entity=entity))
            if page.remaining >= previous.remaining:
                raise UnexpectedAnswerError(
                    f"readMore of {object_name} made no progress ({page.remaining} records still remaining)"
                )
            yield page

    def read(
        self, object_name: str, keys: Sequence[str], *, fields: str = "*", entity: str | None = None
    ) -> list[dict[str, object]]:
        return self.one(xml_request.read(object_name, keys, fields), entity=entity).records()

    def lookup(self, object_name: str, *, entity: str | None = None) -> list[dict[str, object]]:
        """Field definitions (``ID``, ``DATATYPE``, ``READONLY``…) of an object (free)."""
        result = self.one(xml_request.lookup(object_name), entity=entity)
        fields = result.data.find("Type/Fields") if result.data is not None else None
        return [{child.tag: child.text for child in item} for item in (fields if fields is not None else [])]

    def user_dates(self) -> UserDates:
        """The Web Services user's date format and time zone: INTACCT_XML_DATE_FORMAT / INTACCT_XML_TIMEZONE,
        and what ``readUserFormatting`` reports for what they leave out (asked once per client, free)."""
        with self._dates_lock:
            if self._dates is None:
                self._dates = self._learn_dates()
            return self._dates

    def _learn_dates(self) -> UserDates:
        settings = self.settings
        if settings.xml_date_format and settings.xml_timezone:
            return UserDates.of(settings.xml_date_format, settings.xml_timezone, source="settings")
        try:
            formatting = self.user_formatting()
        except IntacctXmlError as error:
            raise IntacctConfigError(
                f"the XML user's date format and time zone could not be read ({error}); set INTACCT_XML_DATE_FORMAT "
                "and INTACCT_XML_TIMEZONE (see the user's preferences in Intacct)"
            ) from error
        return formatting.dates(settings.xml_date_format, settings.xml_timezone)

    def user_formatting(self) -> UserFormatting:
        """What ``readUserFormatting`` reports of the Web Services user (free): locale, date format, GMT offset,
        clock."""
        settings = self.settings
        user = settings.user_id or settings.oauth_username.partition("@")[0]
        found = self.one(xml_request.read_user_formatting(user)).data
        preferences = found.find("userformatting") if found is not None else None
        if preferences is None:
            raise UnexpectedAnswerError("a readUserFormatting answer without <userformatting>")
        return UserFormatting(
            user, *((preferences.findtext(tag) or "").strip() for tag in ("locale", "dateformat", "gmtoffset", "clock"))
        )

    # ------------------------------------------------------------------ writes
    def create(
        self,
        records: Sequence[tuple[str, Mapping[str, object]]],
        *,
        entity: str | None = None,
        controlid: str | None = None,
        uniqueid: bool = False,
    ) -> FunctionResult:
        """Generic create of ``(object, fields)`` pairs; returns the function result (check ``ok``)."""
        return self._write(xml_request.create(records), entity, controlid, uniqueid)

    def update(
        self,
        records: Sequence[tuple[str, Mapping[str, object]]],
        *,
        entity: str | None = None,
        controlid: str | None = None,
        uniqueid: bool = False,
    ) -> FunctionResult:
        return self._write(xml_request.update(records), entity, controlid, uniqueid)

    def delete(
        self,
        object_name: str,
        keys: Sequence[str],
        *,
        entity: str | None = None,
        controlid: str | None = None,
        uniqueid: bool = False,
    ) -> FunctionResult:
        return self._write(xml_request.delete(object_name, keys), entity, controlid, uniqueid)

    def _write(self, body: etree._Element, entity: str | None, controlid: str | None, uniqueid: bool) -> FunctionResult:
        if uniqueid and not controlid:
            raise ValueError("uniqueid=True needs a stable controlid (derive it from the record)")
        return self.call([xml_request.function(body, controlid)], entity=entity, uniqueid=uniqueid)[0]

    # ------------------------------------------------------------------ sessions
    def _session(self, context: str) -> Session:
        with self._lock:
            session = self._sessions.get(context)
            if session is not None and self._clock() >= self._renew_at.get(context, float("inf")):
                session = None  # about to die: a new one rather than a refused request
            if session is None:
                opened = self._clock()
                session, lifetime = self._open(context)
                self._sessions[context] = session
                self._renew_at.pop(context, None)
                if lifetime is not None:
                    self._renew_at[context] = opened + lifetime - SESSION_RENEW_MARGIN
            return session

    def _lives(self, context: str, session: Session, since: float, seconds: float | None) -> None:
        """The session was said at ``since`` to live ``seconds`` more (the timeout slides with every use)."""
        if seconds is None:
            return
        with self._lock:
            if self._sessions.get(context) == session:
                self._renew_at[context] = since + seconds - SESSION_RENEW_MARGIN

    def _forget(self, context: str, session: Session) -> None:
        with self._lock:
            if self._sessions.get(context) == session:
                del self._sessions[context]
                self._renew_at.pop(context, None)

    def _open(self, context: str) -> tuple[Session, float | None]:
        """A new session and the seconds it lives unused, when the answer says."""
        settings = self.settings
        if not settings.has_xml_login:
            session_id, endpoint, lifetime = self._rest.xml_session(entity=context)
            return Session(session_id, endpoint), lifetime
        login = Login(settings.user_id, settings.company_id, settings.user_password.reveal(), context)
        reader = ResponseReader(self._redactor, {})
        payload = xml_request.envelope(
            sender_id=settings.sender_id,
            sender_password=settings.sender_password.reveal(),
            auth=login,
            functions=[xml_request.function(xml_request.get_api_session())],
        )
        self._transport.send(
            Exchange(
                face="xml",
                method="POST",
                url=settings.xml_url,
                operation="getAPISession",
                replay=Replay(safe=True),
                judge=reader.judge,
                failures=reader.failures,
                entity=context,
                headers={"Content-Type": "application/xml"},
                content=payload,
            )
        )
        result = reader.parsed.results[0].raise_for_status()
        session_id = result.data.findtext("api/sessionid") if result.data is not None else None
        if not session_id:
            raise IntacctXmlError("function", [], function="getAPISession")
        self._redactor.add(session_id)
        return (
            Session(session_id, result.data.findtext("api/endpoint") or settings.xml_url),
            reader.parsed.session_seconds_left(),
        )


def _page(result: FunctionResult) -> XmlPage:
    """A page of records; its counts must be there (a missing total read as 0 would end the reading early)."""
    counts = [result.attribute(name) for name in ("totalcount", "numremaining")]
    if result.data is None or not all(count.strip().isdigit() for count in counts):
        raise UnexpectedAnswerError(
            f"a {result.function} answer without <data> and its totalcount and numremaining counts (got {counts})"
        )
    return XmlPage(
        records=result.records(), total=int(counts[0]), remaining=int(counts[1]), result_id=result.attribute("resultId")
    )
