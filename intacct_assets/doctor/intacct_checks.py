"""Checks of the Intacct company: credentials, entities, every configured object, the limits its answers
announce, and its clock (the audit trail: ``audit_checks``).

Read-only by construction: tokens, sessions, the model / ``lookup`` (free), and queries of one row.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from intacct_assets.api_ingest.targets import SyncTarget
from intacct_assets.doctor.answers import LIMIT_HEADER
from intacct_assets.doctor.context import DoctorContext
from intacct_assets.doctor.results import CheckResult, CheckSkipped, failed, passed, skipped, warned
from intacct_assets.intacct import xml_request
from intacct_assets.intacct.errors import (
    IntacctApiError,
    IntacctAuthError,
    IntacctError,
    IntacctTransportError,
    IntacctXmlError,
    UnexpectedAnswerError,
)
from intacct_assets.intacct.rest import MAX_QUERY_SIZE, Query

ENTITY_REST = "company-config/entity"  # exists in every company, multi-entity or not
ENTITY_XML = "LOCATIONENTITY"
MAX_CLOCK_SKEW_SECONDS = 60
LEGACY_CONCURRENCY = 2  # what every company allows ("2 concurrent connections per company")
SENDER_FIX = (
    "check INTACCT_SENDER_ID / INTACCT_SENDER_PASSWORD (the sender must be authorized in the company's "
    "Web Services authorizations) and the login INTACCT_COMPANY_ID / INTACCT_USER_ID / INTACCT_USER_PASSWORD"
)


def _network_fix(variable: str) -> str:
    return f"check {variable} and that this machine reaches it (proxy, firewall)"


def oauth_token(ctx: DoctorContext) -> CheckResult:
    """A token is issued for the configured grant and accepted by the REST API (asked for a free model)."""
    client = ctx.require_rest()
    settings = ctx.intacct_settings
    grant = "the refresh token" if settings.refresh_token else f"client credentials of {settings.oauth_username}"
    try:
        client.rest.model(ENTITY_REST)
    except IntacctAuthError as error:
        return _broken(
            ctx,
            "rest",
            failed(
                str(error),  # "Intacct refused the <grant> (HTTP …): <its answer>"
                "check INTACCT_CLIENT_ID, INTACCT_CLIENT_SECRET and INTACCT_USERNAME (or "
                "INTACCT_REFRESH_TOKEN), and that the OAuth client may act for this user",
            ),
        )
    except (IntacctTransportError, UnexpectedAnswerError) as error:
        return _broken(
            ctx, "rest", failed(f"no token from {settings.api_url}: {error}", _network_fix("INTACCT_API_URL"))
        )
    except IntacctApiError as error:
        if error.status in (401, 403):
            return _broken(
                ctx,
                "rest",
                failed(
                    f"the token from {grant} is not accepted: {error}",
                    "give the Web Services user access to the REST API",
                ),
            )
        return passed(f"a token from {grant} was issued (then the REST API answered: {error})")
    context = f", default entity {settings.entity_id}" if settings.entity_id else ""
    return passed(f"a token from {grant} was issued and accepted{context}")


def xml_session(ctx: DoctorContext) -> CheckResult:
    """An XML gateway session opens (login, or the REST session bridge) and answers ``getAPISession``."""
    client = ctx.require_xml()
    settings = ctx.intacct_settings
    how = (
        f"a login as {settings.user_id}@{settings.company_id}"
        if settings.has_xml_login
        else "the REST session bridge (OAuth token)"
    )
    try:
        result = client.xml.one(xml_request.get_api_session())
    except (IntacctTransportError, UnexpectedAnswerError) as error:
        return _broken(
            ctx, "xml", failed(f"no answer from {settings.xml_url}: {error}", _network_fix("INTACCT_XML_URL"))
        )
    except IntacctError as error:
        return _broken(ctx, "xml", failed(f"no session through {how}: {error}", SENDER_FIX))
    data = result.data
    endpoint = data.findtext("api/endpoint") if data is not None else ""
    location = data.findtext("api/locationid") if data is not None else ""
    return passed(
        f"a session opened through {how}"
        + (f"; endpoint {endpoint}" if endpoint else "")
        + (f"; entity {location}" if location else "")
    )


def entity_access(ctx: DoctorContext) -> list[CheckResult]:
    """The company's entities, the configured ones among them, and a one-row query in each configured one."""
    settings, api = ctx.intacct_settings, ctx.api_settings
    from_username = settings.username.partition("|")[2] if "|" in settings.username else ""
    configured = list(dict.fromkeys(e for e in (settings.entity_id, from_username, *api.entities) if e))
    try:
        entities = _entities(ctx)
    except IntacctError as error:
        return [
            failed(
                f"cannot list the company's entities: {error}",
                f"give the Web Services user permission to read entities ({ENTITY_REST}, {ENTITY_XML})",
            )
        ]
    names = ", ".join(entities[:10]) + (f" and {len(entities) - 10} more" if len(entities) > 10 else "")
    if not entities:
        if configured:
            return [
                failed(
                    f"this company has no entities, yet {', '.join(configured)} are configured",
                    "remove them from INTACCT_API_ENTITIES / INTACCT_ENTITY_ID / INTACCT_USERNAME",
                )
            ]
        return [passed("a company without entities: every object is read at the top level")]
    unknown = [e for e in configured if e not in entities]
    known = [e for e in configured if e in entities]
    contexts = (["the top level"] if api.top_level else []) + known
    results = [passed(f"{len(entities)} entities ({names}); read: {' and '.join(contexts) or 'none of them'}")]
    results += [
        failed(
            f"{e} is not an entity of this company ({names})",
            "correct INTACCT_API_ENTITIES / INTACCT_ENTITY_ID / INTACCT_USERNAME",
            subject=e,
        )
        for e in unknown
    ]
    target = next((t for t in ctx.targets if t.entity_scoped and t.custom is None and ctx.usable(t)), None)
    for entity in known:
        if target is None:
            results.append(skipped("no entity-scoped API object to read", subject=entity))
            continue
        try:
            probe = ctx.probe(target, entity)
        except IntacctError as error:
            results.append(
                failed(
                    f"reading {target.name} in {entity}: {error}",
                    f"give the Web Services user access to entity {entity}, or remove it from INTACCT_API_ENTITIES",
                    subject=entity,
                )
            )
        else:
            results.append(passed(f"one row of {target.name} read ({probe.total:,} records visible)", subject=entity))
    return results


def _entities(ctx: DoctorContext) -> list[str]:
    """Entity IDs, listed at the top level (one query: REST where configured, else XML)."""
    try:
        client = ctx.require_rest()
    except CheckSkipped:
        client = ctx.require_xml()
        page = client.xml.query(ENTITY_XML, ["LOCATIONID"], pagesize=xml_request.MAX_QUERY_PAGE, entity="")
        return sorted(str(record.get("LOCATIONID")) for record in page.records)
    page = client.rest.query(Query(ENTITY_REST, ("id",), order_by=(("id", "asc"),), size=MAX_QUERY_SIZE), entity="")
    return [str(row.get("id")) for row in page.rows]


def api_objects(ctx: DoctorContext) -> list[CheckResult]:
    """Every API asset's object answers its model (or ``lookup``) and a one-row query with the sync's fields."""
    targets = ctx.targets
    if not targets:
        return [skipped("no API objects are configured (catalog api bindings, INTACCT_API_QUERIES_PATH)")]
    results: list[CheckResult] = []
    reasons: dict[tuple[str, str], list[str]] = {}
    usable = []
    for target in targets:
        try:
            ctx.require(target)
            usable.append(target)
        except CheckSkipped as skip:
            reasons.setdefault((skip.found, skip.fix), []).append(target.name)
    for (found, fix), names in reasons.items():
        results.append(skipped(f"{', '.join(names)}: {found}", fix))
    results += _in_parallel(ctx, lambda target: _object_result(ctx, target), usable)
    return results


def _object_result(ctx: DoctorContext, target: SyncTarget) -> CheckResult:
    face = f"REST {target.rest}" if target.rest else f"XML {target.object}"
    try:
        probe = ctx.probe(target)
    except IntacctError as error:
        return failed(str(error), _object_fix(target, error), subject=target.name)
    kind = ", custom query" if target.custom else ""
    where = f" in {probe.entity}" if probe.entity else ""
    return passed(f"{probe.total:,} records{where}, {len(probe.fields)} fields ({face}{kind})", subject=target.name)


def _object_fix(target: SyncTarget, error: IntacctError) -> str:
    off = (
        f"fix or remove the query {target.name} in INTACCT_API_QUERIES_PATH"
        if target.custom
        else f"turn the asset off with `{target.object}: {{api: null}}` in INTACCT_CATALOG_PATH"
    )
    if (isinstance(error, IntacctXmlError) and error.permission_denied) or (
        isinstance(error, IntacctApiError) and error.status == 403
    ):
        return f"give the Web Services user permission to read {target.object}, or {off}"
    if isinstance(error, IntacctApiError) and error.status == 404:
        return f"this company has no {target.rest or target.object}: {off}"
    return f"a sync of {target.name} fails the same way: correct its catalog entry, or {off}"


def private_entities(ctx: DoctorContext) -> CheckResult:
    """Records the top level reads compared with what it sees with ``includePrivate`` (XML ``showprivate``)."""
    if not ctx.api_settings.top_level:
        return skipped("the top level is not read (INTACCT_API_TOP_LEVEL=false)")
    targets = [t for t in ctx.targets if t.entity_scoped and t.custom is None and ctx.usable(t)]
    if not targets:
        return skipped("no entity-scoped API object to compare", "see api_objects")
    compared = [c for c in _in_parallel(ctx, lambda target: _private_count(ctx, target), targets) if c is not None]
    refused = [f"{name}: {error}" for name, _, error in compared if error]
    hidden = [(name, count) for name, count, error in compared if not error and count > 0]
    included = ctx.api_settings.include_private  # the top-level sync asks for them (INTACCT_API_INCLUDE_PRIVATE)
    if refused:
        return (failed if included else warned)(
            f"includePrivate was refused, so private records cannot be {'read' if included else 'counted'}: "
            f"{refused[0]}",
            "set INTACCT_API_INCLUDE_PRIVATE=false and add the private entities to INTACCT_API_ENTITIES"
            if included
            else "if the company has private entities, add them to INTACCT_API_ENTITIES",
        )
    if hidden and not included:
        listed = ", ".join(f"{name} {count:,}" for name, count in hidden)
        return warned(
            f"records of private entities are not read at the top level: {listed} (seen only with includePrivate)",
            "set INTACCT_API_INCLUDE_PRIVATE=true, or add the private entities to "
            "INTACCT_API_ENTITIES: each is then read in its own context",
        )
    if hidden:
        listed = ", ".join(f"{name} {count:,}" for name, count in hidden)
        return passed(f"the top level reads the records of private entities too (includePrivate): {listed}")
    return passed(f"the top level reads every record of {len(compared)} objects (compared with includePrivate)")


def _private_count(ctx: DoctorContext, target: SyncTarget) -> tuple[str, int, str] | None:
    """(name, records seen only with includePrivate, error) — None when the object cannot be read at all."""
    try:
        synced = ctx.probe(target).total
    except IntacctError:
        return None  # api_objects reports it
    client = ctx.client
    try:
        if target.rest:
            total = client.rest.query(Query(target.rest, target.key, size=1, include_private=True)).total
        else:
            result = client.xml.one(xml_request.query(target.object, target.key, pagesize=1, show_private=True))
            counted = result.attribute("totalcount")
            if not counted.isdigit():
                raise UnexpectedAnswerError(f"a query of {target.object} answered without its totalcount")
            total = int(counted)
    except IntacctError as error:
        return target.name, 0, str(error)
    return target.name, total - synced, ""


def concurrency(ctx: DoctorContext) -> CheckResult:
    """The limits Intacct's answers announce (``X-IA-Throttle-Limit``…) and throttled answers, against
    INTACCT_API_CONCURRENCY."""
    answers = ctx.answers.answers
    if not answers:
        raise CheckSkipped("no answer from Intacct to read limits from", "see the checks above")
    configured = ctx.intacct_settings.concurrency_limit
    throttled = sum(answer.status == 429 for answer in answers)
    limits = [
        int(a.limits[LIMIT_HEADER])
        for a in answers  # a limit of 0 says nothing usable
        if a.limits.get(LIMIT_HEADER, "").strip().isdigit() and int(a.limits[LIMIT_HEADER]) > 0
    ]
    latest = {name: value for answer in answers for name, value in answer.limits.items()}
    headers = "; ".join(f"{name}: {value}" for name, value in sorted(latest.items()))
    seen = f" ({headers})" if headers else ""
    throttled_note = f"; {throttled} of {len(answers)} answers were throttled (HTTP 429)" if throttled else ""
    if limits:
        limit = min(limits)
        if configured > limit:
            return failed(
                f"Intacct allows {limit} concurrent requests, INTACCT_API_CONCURRENCY is {configured}: "
                f"syncs would be throttled{throttled_note}{seen}",
                f"set INTACCT_API_CONCURRENCY={limit}",
            )
        faster = f"; up to {limit} would make full loads faster" if limit > configured else ""
        return passed(
            f"Intacct allows {limit} concurrent requests; INTACCT_API_CONCURRENCY={configured} stays "
            f"within it{faster}{throttled_note}{seen}"
        )
    if throttled:
        return warned(
            f"{throttled} of {len(answers)} answers were throttled (HTTP 429) at INTACCT_API_CONCURRENCY="
            f"{configured}, and none said the limit{seen}",
            f"lower INTACCT_API_CONCURRENCY (every company allows {LEGACY_CONCURRENCY})",
        )
    within = (
        f"within the {LEGACY_CONCURRENCY} every company allows"
        if configured <= LEGACY_CONCURRENCY
        else f"more than the {LEGACY_CONCURRENCY} every company allows: your performance tier must allow it"
    )
    return passed(
        f"{len(answers)} answers, none throttled, none announcing a limit (X-IA-Throttle-Limit comes near a "
        f"limit); INTACCT_API_CONCURRENCY={configured} is {within}{seen}"
    )


def clock_skew(ctx: DoctorContext) -> CheckResult:
    """Intacct's clock (the ``Date`` of its answers) against this machine's."""
    # Date is cut to the second: its middle (+0.5 s) is the best guess of the server's time at that moment
    dated = [
        answer.server_time + 0.5 - answer.received_at
        for answer in ctx.answers.answers
        if answer.server_time is not None
    ]
    if not dated:
        raise CheckSkipped("no answer from Intacct carried a Date header", "see the checks above")
    skew = round(statistics.median(dated))
    where = "ahead of" if skew > 0 else "behind"
    found = (
        f"Intacct's clock is {abs(skew)} s {where} this machine's"
        if skew
        else "Intacct's clock and this machine's agree"
    )
    found += f" (median of {len(dated)} answers' Date headers, to the second)"
    if abs(skew) > MAX_CLOCK_SKEW_SECONDS:
        return warned(
            found + f": more than {MAX_CLOCK_SKEW_SECONDS} s, so times this machine stamps (sync times, "
            "freshness) disagree with Intacct's",
            "synchronize this machine's clock (NTP, e.g. `timedatectl set-ntp true`)",
        )
    return passed(found)


def _broken(ctx: DoctorContext, face: str, result: CheckResult) -> CheckResult:
    """Remember that a face does not work, so later checks skip instead of failing the same way."""
    ctx.broken[face] = result.found
    return result


def _in_parallel(ctx: DoctorContext, work: Callable[[SyncTarget], object], targets: list[SyncTarget]) -> list:
    """``work`` per target, as many at once as the client's concurrency limit allows, in target order."""
    if not targets:
        return []
    with ThreadPoolExecutor(max_workers=ctx.client.limiter.limit, thread_name_prefix="doctor") as pool:
        return list(pool.map(work, targets))
