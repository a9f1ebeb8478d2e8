"""Intacct's REST envelopes: ``ia::result`` / ``ia::meta`` and the nested ``ia::error`` bodies."""

from __future__ import annotations

import secrets

from intacct_assets.sandbox.errors import REST_STATUS, SandboxError
from intacct_assets.sandbox.httpd import Response
from intacct_assets.sandbox.objects import ObjectDef

ERROR_IDS = {
    "invalid_field": "REST-1043",
    "invalid_value": "REST-1046",
    "invalid_request": "REST-1064",
    "not_found": "REST-1105",
    "duplicate": "REST-1067",
    "business": "REST-1063",
    "permission": "REST-1009",
    "method_not_allowed": "REST-1005",
    "not_queryable": "REST-1106",
}


def in_rest_terms(defn: ObjectDef, error: SandboxError) -> SandboxError:
    """Rules name fields as the XML face does; a REST client knows them by their REST path."""
    f = defn.by_name.get(error.field or "")
    if f is not None and f.rest:
        error.message, error.field = error.message.replace(f.name, f.rest), f.rest
    return error


def meta(total: int, success: int | None = None) -> dict:
    success = total if success is None else success
    return {"totalCount": total, "totalSuccess": success, "totalError": total - success}


def page_meta(total: int, start: int, size: int) -> dict:
    return {
        "totalCount": total,
        "start": start,
        "pageSize": size,
        "next": start + size if start + size <= total else None,
        "previous": max(1, start - size) if start > 1 else None,
    }


def positive(value: object, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number < 1 or isinstance(value, bool):
        raise SandboxError("invalid_request", f"'{name}' must be a positive integer", field=name)
    return number


def error_payload(error: SandboxError, *, operation: str = "", obj: str = "") -> dict:
    """``ia::error`` body: top-level summary plus one detail carrying the specific problem."""
    status_code = REST_STATUS[error.kind][1]
    if error.kind == "not_queryable":  # as a real tenant answers it: no details, the field in the placeholders
        return {
            "code": status_code,
            "message": error.message,
            "errorId": ERROR_IDS[error.kind],
            "additionalInfo": {
                "messageId": "IA.THE_FIELD_IN_OBJECT_CANNOT_BE_USED_IN_QUERY",
                "placeholders": {"FIELD": error.field, "OBJECT": obj, "VERSION": "1"},
                "propertySet": {},
            },
            "supportId": secrets.token_urlsafe(12),
        }
    detail = {
        "code": error.errorno if error.kind in ("business", "duplicate") else status_code,
        "message": error.message,
        "errorId": ERROR_IDS[error.kind],
        "additionalInfo": {
            "messageId": f"IA.{error.kind.upper()}",
            "placeholders": {"FIELD": error.field} if error.field else {},
            "propertySet": {},
        },
    }
    if error.field:
        detail["target"] = "/" + error.field.replace(".", "/")
    details = [detail]
    if error.then:
        details.append({"code": error.then[0], "message": error.then[1], "errorId": ERROR_IDS[error.kind]})
    if error.kind in ("invalid_field", "invalid_value", "invalid_request"):
        message, error_id = "Payload contains errors", "REST-1064"
    elif error.kind in ("business", "duplicate") and operation:
        message, error_id = f"Operation {operation} object {obj} failed", ERROR_IDS[error.kind]
    else:
        message, error_id = error.message, ERROR_IDS[error.kind]
    return {
        "code": status_code,
        "message": message,
        "errorId": error_id,
        "additionalInfo": {
            "messageId": detail["additionalInfo"]["messageId"],
            "placeholders": detail["additionalInfo"]["placeholders"],
            "propertySet": {},
        },
        "supportId": secrets.token_urlsafe(12),
        "details": details,
    }


def error_response(error: SandboxError, **context: str) -> Response:
    return Response.json(
        error.http_status, {"ia::result": {"ia::error": error_payload(error, **context)}, "ia::meta": meta(1, 0)}
    )
