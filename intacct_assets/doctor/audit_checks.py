"""The doctor's ``audit_history`` check: the audit trail each face's objects read their deletes from is readable
(one row each), else what deleting by key reconciliation costs instead, in requests.

Read-only by construction: queries of one row.
"""

from __future__ import annotations

import math

from intacct_assets.api_ingest.audit import REST_AUDIT
from intacct_assets.api_ingest.audit import REST_FIELDS as REST_AUDIT_FIELDS
from intacct_assets.api_ingest.audit import XML_FIELDS as AUDIT_FIELDS
from intacct_assets.api_ingest.targets import SyncTarget
from intacct_assets.doctor.context import DoctorContext
from intacct_assets.doctor.results import CheckResult, CheckSkipped, failed, passed, skipped, warned
from intacct_assets.intacct.errors import IntacctApiError, IntacctError, IntacctXmlError
from intacct_assets.intacct.rest import Query

HOURS_PER_MONTH = 30 * 24
AUDIT_FIX = "give the Web Services user permission to read the audit trail (View permission for custom reports)"


def audit_history(ctx: DoctorContext) -> list[CheckResult]:
    """The audit trail each face's objects read their deletes from can be read (one row each): REST
    ``company-config/audit-history`` for REST objects, XML ``AUDITHISTORY`` for XML ones; else what deleting by
    key reconciliation costs instead."""
    wanted = [t for t in ctx.targets if t.custom is None and t.modified and t.deletes in ("auto", "audit_history")]
    if not wanted:
        return [
            skipped("no object reads its deletes from the audit trail (INTACCT_API_DELETES, the catalog's deletes)")
        ]
    faces = {"REST": [t for t in wanted if t.rest], "XML": [t for t in wanted if not t.rest]}
    return [_audit_face(ctx, face, targets) for face, targets in faces.items() if targets]


def _audit_face(ctx: DoctorContext, face: str, targets: list[SyncTarget]) -> CheckResult:
    trail = REST_AUDIT if face == "REST" else "AUDITHISTORY"
    try:
        client = ctx.require_rest() if face == "REST" else ctx.require_xml()
    except CheckSkipped as skip:
        return skipped(f"{trail}: {skip.found}", skip.fix, subject=face)
    try:
        if face == "REST":
            order = ((REST_AUDIT_FIELDS[1], "asc"), (REST_AUDIT_FIELDS[3], "asc"))
            events = client.rest.query(Query(REST_AUDIT, REST_AUDIT_FIELDS, order_by=order, size=1)).total
        else:
            order = [(AUDIT_FIELDS[1], "asc"), (AUDIT_FIELDS[3], "asc")]
            events = client.xml.query("AUDITHISTORY", AUDIT_FIELDS, order_by=order, pagesize=1).total
    except (IntacctApiError, IntacctXmlError) as error:
        if not error.permission_denied:
            return failed(
                f"{trail} cannot be read: {error}",
                "the syncs of these objects fail the same way: set INTACCT_API_DELETES=reconcile",
                subject=face,
            )
        said = "; ".join(entry.text() for entry in error.errors) if isinstance(error, IntacctXmlError) else ""
        said = said or str(error)  # Intacct's own words, without the XML error's envelope
        forced = [t.name for t in targets if t.deletes == "audit_history"]
        if forced:
            return failed(
                f"{trail} is not readable ({said}), and {', '.join(forced)} must read it: their syncs fail",
                f"{AUDIT_FIX}, or set INTACCT_API_DELETES=auto",
                subject=face,
            )
        return warned(
            f"{trail} is not readable ({said}); deletes come from key reconciliation instead: "
            f"{_reconciliation_cost(ctx, targets)}",
            f"{AUDIT_FIX}, or set INTACCT_API_DELETES=reconcile to accept the cost",
            subject=face,
        )
    return passed(
        f"{trail} is readable ({events:,} events); deletes of {_objects(len(targets))} come from it", subject=face
    )


def _reconciliation_cost(ctx: DoctorContext, targets: list[SyncTarget]) -> str:
    """Requests one key reconciliation of every object costs (one per page of keys, plus the largest-key probe)."""
    api = ctx.api_settings
    costs: list[tuple[int, str]] = []
    for target in targets:
        try:
            probe = ctx.probe(target)
        except (IntacctError, CheckSkipped):
            continue
        costs.append((_requests_per_scan(probe.total, probe.page_limit), target.name))
    if not costs:
        return "its cost cannot be counted: no object could be read (see api_objects)"
    per_scan = sum(cost for cost, _ in costs)
    contexts = len(api.contexts(True, ctx.intacct_settings.entity_id))
    monthly = round(per_scan * contexts * HOURS_PER_MONTH / api.reconcile_hours)
    largest = ", ".join(f"{name} {cost:,}" for cost, name in sorted(costs, reverse=True)[:3])
    where = f" in each of {contexts} entity contexts" if contexts > 1 else ""
    uncounted = len(targets) - len(costs)
    return (
        f"~{per_scan:,} requests (as many transactions) per reconciliation of {_objects(len(costs))}{where}, every "
        f"{api.reconcile_hours:g} h (INTACCT_API_RECONCILE_HOURS): ~{monthly:,} a month; most: {largest}"
        + (f"; {uncounted} objects could not be counted" if uncounted else "")
    )


def _objects(count: int) -> str:
    return f"{count} object" + ("s" if count != 1 else "")


def _requests_per_scan(total: int, page_limit: int) -> int:
    """Requests a key reconciliation of ``total`` records costs: the largest-key probe, then every page."""
    return 1 + math.ceil(total / page_limit)
