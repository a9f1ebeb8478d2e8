"""The REST face (``/ia/api/v1``): objects CRUD with batches, query service, model, XML-session bridge,
Idempotency-Key handling and Intacct's JSON envelopes and error bodies."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from intacct_assets.sandbox import rest_codec
from intacct_assets.sandbox.clock import iso
from intacct_assets.sandbox.errors import REST_STATUS, SandboxError
from intacct_assets.sandbox.httpd import Request, Response
from intacct_assets.sandbox.oauth import OAuth, Principal, gateway_error
from intacct_assets.sandbox.objects import ENUMS, ObjectDef
from intacct_assets.sandbox.query import Accessor, BoolOp, Cond, QueryEngine, Resolver
from intacct_assets.sandbox.sessions import Sessions
from intacct_assets.sandbox.settings import SandboxSettings
from intacct_assets.sandbox.stats import Call
from intacct_assets.sandbox.store import Actor, Store

MAX_BATCH = 500
MAX_LIST_SIZE = 100
REST_OPERATORS = {
    "$eq": "eq",
    "$ne": "ne",
    "$lt": "lt",
    "$lte": "lte",
    "$gt": "gt",
    "$gte": "gte",
    "$in": "in",
    "$notIn": "notin",
    "$between": "between",
    "$notBetween": "notbetween",
    "$contains": "contains",
    "$notContains": "notcontains",
    "$startsWith": "startswith",
    "$notStartsWith": "notstartswith",
    "$endsWith": "endswith",
    "$notEndsWith": "notendswith",
}
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
OPERATION = {"POST": "create", "PATCH": "update", "DELETE": "delete", "GET": "read"}


def in_rest_terms(defn: ObjectDef, error: SandboxError) -> SandboxError:
    """Rules name fields as the XML face does; a REST client knows them by their REST path."""
    f = defn.by_name.get(error.field or "")
    if f is not None and f.rest:
        error.message, error.field = error.message.replace(f.name, f.rest), f.rest
    return error


def meta(total: int, success: int | None = None) -> dict:
    success = total if success is None else success
    return {"totalCount": total, "totalSuccess": success, "totalError": total - success}


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


@dataclass
class RestContext:
    principal: Principal
    entity: str | None
    call: Call

    @property
    def actor(self) -> Actor:
        return Actor(self.principal.grant.user, "rest")


class Idempotency:
    """Idempotency-Key memory, per client and user. Within ``replay_seconds`` (48 h) a repeat gets the stored
    status and body; a different body, a repeat while the first is still running, or a repeat after the
    replay window while the key is remembered (``memory_seconds``, 60 days) gets 409. 429/5xx answers are not
    kept (the client may retry with the same key)."""

    def __init__(self, replay_seconds: int, memory_seconds: int, clock) -> None:
        if memory_seconds < replay_seconds:
            raise ValueError("idempotency_memory_seconds must be at least idempotency_ttl_seconds")
        self._replay, self._memory, self._clock = replay_seconds, memory_seconds, clock
        self._lock = threading.Lock()
        self._entries: dict[tuple, tuple[str, Response | None, float]] = {}

    def begin(self, scope: tuple, fingerprint: str) -> Response | None:
        """None = go ahead (slot reserved); a Response = answer with it (replay or conflict)."""
        now = self._clock.timestamp()
        with self._lock:
            found = self._entries.get(scope)
            if found and found[1] is not None and found[2] + self._memory < now:
                found = None  # forgotten
            if found is None:
                self._entries[scope] = (fingerprint, None, now)
                return None
        stored_fingerprint, response, cached_at = found
        if stored_fingerprint != fingerprint:
            return _idempotency_conflict("Idempotency-Key was already used with a different request body")
        if response is None:
            return _idempotency_conflict("A request with this Idempotency-Key is still in progress",
                                         "IDEMPOTENCY_IN_PROGRESS")
        if cached_at + self._replay < now:
            return _idempotency_conflict(f"Idempotency-Key was already used on {iso(_utc(cached_at))}; answers "
                                         f"are replayed for {self._replay // 3600} hours only")
        return Response(response.status, response.body,
                        [*response.headers, ("x-ia-idempotency-cached-date", iso(_utc(cached_at)))])

    def finish(self, scope: tuple, fingerprint: str, response: Response) -> None:
        with self._lock:
            if response.status >= 500 or response.status == 429:
                self._entries.pop(scope, None)  # transient: let the client retry with the same key
            else:
                self._entries[scope] = (fingerprint, response, self._clock.timestamp())


def _idempotency_conflict(message: str, errorno: str = "IDEMPOTENCY_KEY_REUSED") -> Response:
    return error_response(SandboxError("duplicate", message, errorno=errorno))


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


class RestApi:
    def __init__(
        self,
        store: Store,
        engine: QueryEngine,
        oauth: OAuth,
        sessions: Sessions,
        settings: SandboxSettings,
        xml_url: Callable[[], str],
    ) -> None:
        self.store, self.engine, self.oauth, self.sessions, self.settings = store, engine, oauth, sessions, settings
        self.xml_url = xml_url
        self.idempotency = Idempotency(settings.idempotency_ttl_seconds, settings.idempotency_memory_seconds,
                                       store.clock)

    # ------------------------------------------------------------------ dispatch
    def handle(self, request: Request, path: str, call: Call) -> Response:
        if path.startswith("/oauth2/"):
            call.face = "oauth"
            routes = {
                ("POST", "/oauth2/token"): self.oauth.handle_token,
                ("GET", "/oauth2/authorize"): self.oauth.handle_authorize,
                ("POST", "/oauth2/revoke"): self.oauth.handle_revoke,
            }
            route = routes.get((request.method, path))
            return route(request) if route else gateway_error(404, "GW-0033")
        if "xml" in (request.header("content-type") or ""):
            return gateway_error(400, "GW-0014", "XML requests must be sent to the XML gateway")
        principal = self.oauth.authenticate(request)
        if isinstance(principal, Response):
            return principal
        entity = request.header("x-ia-api-param-entity") or principal.grant.entity
        if entity and self.store.find("LOCATIONENTITY", entity) is None:
            return error_response(SandboxError("invalid_request", f"Invalid entity '{entity}'"))
        ctx = RestContext(principal, entity, call)
        try:
            if path.startswith("/objects/"):
                return self._objects(request, path[len("/objects/") :], ctx)
            if path == "/services/core/query" and request.method == "POST":
                return self._query(request, ctx)
            if path == "/services/core/model" and request.method == "GET":
                answer = self._model(request)
                call.transactions += self.store.knobs.bill_metadata and answer.status == 200
                return answer
            if path == "/services/company-config/dimensions/list" and request.method == "GET":
                call.transactions += 1
                rows = dimensions(self.store)
                total = str(len(rows))  # the documented answer gives its counts as strings
                meta_text = {"totalCount": total, "totalSuccess": total, "totalError": "0"}
                return Response.json(200, {"ia::result": rows, "ia::meta": meta_text})
            if path == "/services/core/session/id" and request.method == "GET":
                session = self.sessions.open(principal.grant.user, principal.grant.company, entity)
                return Response.json(
                    200,
                    {
                        "ia::result": {
                            "sessionId": session.id,
                            "endpoint": self.xml_url(),
                            "expiresIn": self.sessions.ttl,
                        },
                        "ia::meta": meta(1),
                    },
                )
            raise SandboxError("not_found", f"Unknown endpoint {request.method} {path}")
        except SandboxError as error:
            return error_response(error)

    def _object_def(self, name: str) -> ObjectDef:
        defn = self.store.registry.by_rest.get(name)
        if defn is None:
            short = [d for d in self.store.registry.by_rest.values() if d.rest.split("/")[-1] == name]
            if len(short) != 1:
                raise SandboxError("not_found", f"Unknown object '{name}'")
            defn = short[0]
        return defn

    # ------------------------------------------------------------------ objects
    def _objects(self, request: Request, rest: str, ctx: RestContext) -> Response:
        parts = rest.strip("/").split("/")
        if len(parts) not in (2, 3):
            raise SandboxError("not_found", f"Unknown endpoint /objects/{rest}")
        defn = self._object_def("/".join(parts[:2]))
        keys = parts[2] if len(parts) == 3 else None
        method = request.method
        if method not in defn.rest_methods or (keys is not None and method == "POST"):
            return error_response(SandboxError("method_not_allowed", f"{method} is not allowed on {defn.rest}"))
        ctx.call.operations.append(f"{OPERATION.get(method, method)} {defn.rest}")
        if method == "GET":
            return self._get(defn, keys, request, ctx)
        if method == "DELETE":
            if keys is None:
                raise SandboxError("method_not_allowed", "DELETE needs record keys in the URL")
            return self._batch(
                defn, "DELETE", [{"key": k} for k in keys.split(",")], ctx, request, single=("," not in keys)
            )
        body = self._json(request)
        if method == "PATCH" and keys is not None:
            if "," in keys or not isinstance(body, dict):
                raise SandboxError("invalid_request", "PATCH on a record URL takes one JSON object")
            body = {**body, "key": keys}
        idem_key = request.header("idempotency-key")
        if idem_key is None or (isinstance(body, list) and not self.store.knobs.idempotent_batches):
            return self._write(defn, method, body, ctx, request)
        if len(idem_key) > 256:
            raise SandboxError("invalid_request", "Idempotency-Key must be at most 256 characters")
        scope = (ctx.principal.grant.client_id, ctx.principal.grant.user, idem_key)
        fingerprint = hashlib.sha256(f"{method} {request.path} {ctx.entity}".encode() + request.body).hexdigest()
        early = self.idempotency.begin(scope, fingerprint)
        if early is not None:
            return Response(early.status, early.body, [*early.headers, ("Idempotency-Key", idem_key)])
        response = Response(500)
        try:
            response = self._write(defn, method, body, ctx, request)
        except SandboxError as error:
            response = error_response(error)
        finally:
            self.idempotency.finish(scope, fingerprint, response)
        return Response(response.status, response.body, [*response.headers, ("Idempotency-Key", idem_key)])

    def _write(self, defn: ObjectDef, method: str, body: object, ctx: RestContext, request: Request) -> Response:
        if isinstance(body, list):
            return self._batch(defn, method, body, ctx, request, single=False)
        return self._batch(defn, method, [body], ctx, request, single=True)

    @staticmethod
    def _json(request: Request) -> object:
        if not request.body:
            raise SandboxError("invalid_request", f"A {request.method} request requires a payload")
        try:
            return json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            raise SandboxError("invalid_request", "The request payload is not valid JSON") from None

    def _visible(self, defn: ObjectDef, record: dict | None, entity: str | None) -> dict | None:
        scope = self.engine.visible(defn, entity)
        return record if record is not None and (scope is None or scope(record)) else None

    def _record(self, defn: ObjectDef, key: object, entity: str | None) -> dict:
        text = str(key).strip()
        if not text.isdigit() or len(text) > 18:
            raise SandboxError("invalid_value", f"'{key}' is not a valid record key", field="key")
        record = self._visible(defn, self.store.get(defn.name, int(text)), entity)
        if record is None:
            raise SandboxError("not_found", f"Requested resource with key {text} was not found", field="key")
        return record

    def _get(self, defn: ObjectDef, keys: str | None, request: Request, ctx: RestContext) -> Response:
        ctx.call.transactions += 1
        if keys is None:  # list: references only, at most 100 per page
            start = _positive(request.arg("start", "1"), "start")
            size = min(_positive(request.arg("size", str(MAX_LIST_SIZE)), "size"), MAX_LIST_SIZE)
            rows = self.engine.run(defn, None, [], entity=ctx.entity, case_sensitive=True, cache_key="list")
            page = rows[start - 1 : start - 1 + size]
            return Response.json(
                200,
                {
                    "ia::result": [rest_codec.reference(defn, r) for r in page],
                    "ia::meta": _page_meta(len(rows), start, size),
                },
            )
        wanted = keys.split(",")
        if len(wanted) > MAX_BATCH:
            raise SandboxError("invalid_request", f"At most {MAX_BATCH} keys per request")
        if len(wanted) == 1:
            record = self._record(defn, wanted[0], ctx.entity)
            return Response.json(200, {"ia::result": rest_codec.to_rest(self.store, defn, record), "ia::meta": meta(1)})
        results, ok = [], 0
        for key in wanted:
            try:
                results.append(rest_codec.to_rest(self.store, defn, self._record(defn, key, ctx.entity)))
                ok += 1
            except SandboxError as error:
                results.append({"ia::error": error_payload(error), "ia::status": error.http_status})
        return Response.json(
            200 if ok == len(wanted) else 207, {"ia::result": results, "ia::meta": meta(len(wanted), ok)}
        )

    def _one(self, defn: ObjectDef, method: str, item: object, ctx: RestContext) -> tuple[int, dict | None]:
        """Apply one create/update/delete; returns (status, reference or None)."""
        store = self.store
        if method == "DELETE":
            record = self._record(defn, item["key"], ctx.entity)
            store.delete(defn.name, record["RECORDNO"], actor=ctx.actor)
            return 204, None
        if not isinstance(item, dict):
            raise SandboxError("invalid_request", "Each batch item must be a JSON object")
        if method == "POST":
            values, lines = rest_codec.from_rest(store, defn, item, for_update=False)
            if ctx.entity and defn.entity_scoped:
                values["MEGAENTITYID"] = ctx.entity
            try:
                record = store.create(defn.name, values, lines, actor=ctx.actor)
            except SandboxError as error:
                raise in_rest_terms(defn, error) from None
            return 201, rest_codec.reference(defn, record)
        if "key" not in item:
            raise SandboxError("invalid_request", "Each item of a batch PATCH needs its 'key'", field="key")
        current = self._record(defn, item["key"], ctx.entity)
        values, line_ops = rest_codec.from_rest(store, defn, item, for_update=True)
        record = store.update(defn.name, current["RECORDNO"], values, line_ops, actor=ctx.actor)
        return 200, rest_codec.reference(defn, record)

    def _batch(
        self, defn: ObjectDef, method: str, items: list, ctx: RestContext, request: Request, *, single: bool
    ) -> Response:
        if not items:
            raise SandboxError("invalid_request", "The batch is empty")
        if len(items) > MAX_BATCH:
            raise SandboxError("invalid_request", f"A batch may hold at most {MAX_BATCH} records")
        operation = OPERATION[method]
        context = {"operation": operation, "obj": defn.rest.split("/")[-1]}
        if single:
            try:
                status, ref = self._one(defn, method, items[0], ctx)
            except SandboxError as error:
                return error_response(error, **context)
            ctx.call.transactions += 1
            ctx.call.writes += 1
            return Response(204) if ref is None else Response.json(status, {"ia::result": ref, "ia::meta": meta(1)})
        atomic = (request.header("x-ia-api-param-transaction") or "").lower() == "true"
        results: list[dict] = []
        if atomic:
            failed: tuple[int, SandboxError] | None = None
            try:
                with self.store.transaction():
                    for index, item in enumerate(items):
                        try:
                            status, ref = self._one(defn, method, item, ctx)
                        except SandboxError as error:
                            failed = (index, error)
                            raise
                        results.append({**(ref or {}), "ia::status": status})
            except SandboxError:
                index, error = failed
                skipped = {
                    "ia::error": {
                        "code": "unprocessed",
                        "message": "Operation skipped due to atomic transaction failure",
                    },
                    "ia::status": 422,
                }
                results = [skipped] * len(items)
                results[index] = {"ia::error": error_payload(error, **context), "ia::status": error.http_status}
                return Response.json(error.http_status, {"ia::result": results, "ia::meta": meta(len(items), 0)})
            ok = len(items)
        else:
            ok = 0
            for item in items:
                try:
                    status, ref = self._one(defn, method, item, ctx)
                    results.append({**(ref or {}), "ia::status": status})
                    ok += 1
                except SandboxError as error:
                    results.append({"ia::error": error_payload(error, **context), "ia::status": error.http_status})
        ctx.call.transactions += ok
        ctx.call.writes += ok
        if method == "DELETE" and ok == len(items):
            return Response(204)  # "A successful DELETE request always returns 204", one key or many
        status = (201 if method == "POST" else 200) if ok == len(items) else 207
        return Response.json(status, {"ia::result": results, "ia::meta": meta(len(items), ok)})

    # ------------------------------------------------------------------ query service
    def _query(self, request: Request, ctx: RestContext) -> Response:
        body = self._json(request)
        if not isinstance(body, dict) or not isinstance(body.get("object"), str):
            raise SandboxError("invalid_request", "'object' is required", field="object")
        defn = self._object_def(body["object"].removeprefix("/objects/").strip("/"))
        if defn.name == "AUDITHISTORY" and not self.store.knobs.audit_history_readable:
            raise SandboxError("permission", f"You do not have permission for API operation READ on {defn.rest}")
        fields = body.get("fields")
        if not isinstance(fields, list) or not fields or not all(isinstance(f, str) for f in fields):
            raise SandboxError("invalid_request", "'fields' must be a non-empty list of field names", field="fields")
        resolver = Resolver(self.store, defn, "rest")
        knobs = self.store.knobs
        for name in fields:
            declared = defn.by_rest.get(name)
            if declared is not None and (declared.writeonly or knobs.refuses_query(defn.name, declared.name)):
                error = SandboxError(
                    "not_queryable",
                    f"The {name} field in {defn.rest} object cannot be used in query in version 1",
                    field=name,
                )
                return error_response(error, obj=defn.rest)
        accessors = [self._accessor(resolver, f) for f in fields]
        params = body.get("filterParameters") or {}
        if not isinstance(params, dict):
            raise SandboxError("invalid_request", "'filterParameters' must be an object", field="filterParameters")
        case_sensitive = bool(params.get("caseSensitiveComparison", False))
        include_private = params.get("includePrivate", False) is True  # documented default: false
        where = self._filters(resolver, body.get("filters"), body.get("filterExpression"))
        order = self._order(resolver, body.get("orderBy"))
        start = _positive(body.get("start", 1), "start")
        size = _positive(body.get("size", 100), "size")
        if size > knobs.max_query_size:
            if knobs.oversize_query == "refuse":
                raise SandboxError("invalid_request", f"size must be at most {knobs.max_query_size}", field="size")
            size = knobs.max_query_size
        cache_key = json.dumps(
            [body.get("filters"), body.get("filterExpression"), body.get("orderBy")], sort_keys=True, default=str
        )
        ctx.call.transactions += 1
        ctx.call.operations.append(f"query {defn.rest}")
        rows = self.engine.run(
            defn,
            where,
            order,
            entity=ctx.entity,
            case_sensitive=case_sensitive,
            cache_key=cache_key,
            include_private=include_private,
        )
        page = _project(rows[start - 1 : start - 1 + size], fields, accessors)
        return Response.json(200, {"ia::result": page, "ia::meta": _page_meta(len(rows), start, size)})

    @staticmethod
    def _accessor(resolver: Resolver, name: str) -> Accessor:
        if ":" in name:
            raise SandboxError(
                "invalid_field", f"Aggregate fields such as '{name}' are not supported by the sandbox", field=name
            )
        return resolver.accessor(name)

    def _filters(self, resolver: Resolver, filters: object, expression: object) -> Cond | BoolOp | None:
        if not filters:
            return None
        if not isinstance(filters, list):
            raise SandboxError("invalid_request", "'filters' must be a list", field="filters")
        conditions = [self._condition(resolver, item) for item in filters]
        if expression in (None, "", "and", "or"):
            return conditions[0] if len(conditions) == 1 else BoolOp(expression or "and", tuple(conditions))
        if not isinstance(expression, str):
            raise SandboxError("invalid_request", "'filterExpression' must be a string", field="filterExpression")
        return _ExpressionParser(expression, conditions).parse()

    def _condition(self, resolver: Resolver, item: object) -> Cond:
        if not isinstance(item, dict) or len(item) != 1:
            raise SandboxError(
                "invalid_request", 'Each filter must look like {"$op": {"field": value}}', field="filters"
            )
        ((op_name, operand),) = item.items()
        op = REST_OPERATORS.get(op_name)
        if op is None:
            raise SandboxError("invalid_request", f"Unknown filter operator '{op_name}'", field="filters")
        if not isinstance(operand, dict) or len(operand) != 1:
            raise SandboxError("invalid_request", f"{op_name} takes one field: value pair", field="filters")
        ((field, value),) = operand.items()
        accessor = resolver.accessor(field)
        if op in ("in", "notin", "between", "notbetween"):
            if not isinstance(value, list) or (op.endswith("between") and len(value) != 2):
                raise SandboxError(
                    "invalid_request",
                    f"{op_name} needs a list value" + (" of two items" if op.endswith("between") else ""),
                    field=field,
                )
            return Cond(accessor, op, tuple(accessor.coerce(v, xml=False) for v in value))
        if op in ("contains", "notcontains", "startswith", "notstartswith", "endswith", "notendswith"):
            return Cond(accessor, op, str(value))
        return Cond(accessor, op, accessor.coerce(value, xml=False))

    @staticmethod
    def _order(resolver: Resolver, order_by: object) -> list[tuple[Accessor, bool]]:
        if not order_by:
            return []
        if not isinstance(order_by, list):
            raise SandboxError("invalid_request", "'orderBy' must be a list of {field: asc|desc}", field="orderBy")
        out = []
        for item in order_by:
            if not isinstance(item, dict) or len(item) != 1:
                raise SandboxError("invalid_request", '\'orderBy\' items look like {"id": "asc"}', field="orderBy")
            ((name, direction),) = item.items()
            if direction not in ("asc", "desc"):
                raise SandboxError(
                    "invalid_request", f"Sort direction must be asc or desc, not {direction!r}", field="orderBy"
                )
            accessor = resolver.accessor(name)
            if not accessor.filterable:
                raise SandboxError("invalid_field", f"'{name}' cannot be used in orderBy", field=name)
            out.append((accessor, direction == "desc"))
        return out

    # ------------------------------------------------------------------ model
    def _model(self, request: Request) -> Response:
        name = request.arg("name")
        if not name:
            raise SandboxError("invalid_request", "Query parameter 'name' is required", field="name")
        defn = self._object_def(name.removeprefix("/objects/"))
        return Response.json(200, {"ia::result": model(self.store, defn), "ia::meta": meta(1)})


def dimensions(store: Store) -> list[dict]:
    """``GET /services/company-config/dimensions/list``: the standard dimensions the sandbox has, in the order
    and shape of the mirrored OpenAPI dump (dgaretz-oss/intacct-mcp docs/rest/company-configuration.md).
    Dimensions of modules the sandbox lacks (contract, task, warehouse…) and user-defined ones are absent."""
    rows = []
    for name in ("DEPARTMENT", "LOCATION", "PROJECT", "CUSTOMER", "VENDOR", "EMPLOYEE", "ITEM", "CLASS"):
        label = name.title()
        rows.append(
            {
                "dimensionName": name,
                "dimensionLabel": label,
                "termName": label,
                "isUserDefinedDimension": False,
                "isEnabledInGL": True,
                "dimensionEndpoint": f"/objects/{store.registry[name].rest}",
            }
        )
    return rows


def model(store: Store, defn: ObjectDef) -> dict:
    """``fields``/``groups``/``refs``/``lists`` tree; dot-joining group and ref names gives query paths."""
    root: dict = {
        "fields": {
            "key": {"type": "string", "readOnly": True},
            "id": {"type": "string"},
            "href": {"type": "string", "readOnly": True},
        },
        "groups": {},
        "refs": {},
        "lists": {},
    }

    def node(path: list[str]) -> dict:
        current = root
        for part in path:
            current = current["groups"].setdefault(part, {"fields": {}, "groups": {}, "refs": {}})
        return current

    for f in defn.fields:
        if not f.rest or f.rest in ("key", "id"):
            continue
        *group, leaf = f.rest.split(".")
        spec = _type_spec(f.type)
        if f.readonly:
            spec["readOnly"] = True
        if f.writeonly:
            spec["writeOnly"] = True
        if f.deprecated:
            spec["deprecated"] = True
        if f.required:
            spec["required"] = True
        if f.enum:
            spec["enum"] = list(ENUMS[f.enum].values())
        node(group)["fields"][leaf] = spec
    for ref in defn.refs:
        *group, leaf = ref.rest.split(".")
        target = store.registry[ref.target]
        node(group)["refs"][leaf] = {
            "apiObject": target.rest,
            "fields": {
                "key": {"type": "string"},
                "id": {"type": "string"},
                "href": {"type": "string", "readOnly": True},
            },
        }
    if defn.lines:
        root["lists"][defn.lines.rest] = {"apiObject": store.registry[defn.lines.object].rest}
    methods = ",".join(["OPTIONS", *sorted(defn.rest_methods)])
    return {**root, "httpMethods": methods, "idempotenceSupported": True}


def _project(rows: list[dict], fields: list[str], accessors: list[Accessor]) -> list[dict]:
    """Query result rows in the requested field order: stored values copied as they are, the others
    (enums, keys, references) through their accessor. The sandbox's hottest path (4000-row pages)."""
    spec = [(name, a.stored, a.rest) for name, a in zip(fields, accessors, strict=True)]
    return [{name: row.get(stored) if stored else get(row) for name, stored, get in spec} for row in rows]


def _type_spec(kind: str) -> dict:
    return {
        "string": {"type": "string"},
        "integer": {"type": "integer"},
        "boolean": {"type": "boolean"},
        "decimal": {"type": "string", "format": "decimal-precision-2"},  # sent as strings: "68400.00"
        "date": {"type": "string", "format": "date"},
        "timestamp": {"type": "string", "format": "date-time"},
    }[kind]


def _positive(value: object, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number < 1 or isinstance(value, bool):
        raise SandboxError("invalid_request", f"'{name}' must be a positive integer", field=name)
    return number


def _page_meta(total: int, start: int, size: int) -> dict:
    return {
        "totalCount": total,
        "start": start,
        "pageSize": size,
        "next": start + size if start + size <= total else None,
        "previous": max(1, start - size) if start > 1 else None,
    }


class _ExpressionParser:
    """``filterExpression`` such as ``(1 and 2) or 3``: 1-based filter indexes, and/or, parentheses."""

    TOKEN = re.compile(r"\s*(?:(\d+)|(and|or)\b|([()]))", re.IGNORECASE)

    def __init__(self, text: str, conditions: list[Cond]) -> None:
        self.conditions = conditions
        self.tokens: list[str] = []
        position, text = 0, text.strip()
        while position < len(text):
            match = self.TOKEN.match(text, position)
            if not match or match.end() == position:
                raise SandboxError(
                    "invalid_request", f"Invalid filterExpression near '{text[position:]}'", field="filterExpression"
                )
            self.tokens.append((match.group(1) or match.group(2) or match.group(3)).lower())
            position = match.end()
        self.position = 0

    def parse(self) -> Cond | BoolOp:
        node = self._or()
        if self.position != len(self.tokens):
            raise SandboxError(
                "invalid_request",
                f"Invalid filterExpression: unexpected '{self.tokens[self.position]}'",
                field="filterExpression",
            )
        return node

    def _peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _or(self) -> Cond | BoolOp:
        items = [self._and()]
        while self._peek() == "or":
            self.position += 1
            items.append(self._and())
        return items[0] if len(items) == 1 else BoolOp("or", tuple(items))

    def _and(self) -> Cond | BoolOp:
        items = [self._atom()]
        while self._peek() == "and":
            self.position += 1
            items.append(self._atom())
        return items[0] if len(items) == 1 else BoolOp("and", tuple(items))

    def _atom(self) -> Cond | BoolOp:
        token = self._peek()
        self.position += 1
        if token == "(":
            node = self._or()
            if self._peek() != ")":
                raise SandboxError("invalid_request", "Invalid filterExpression: missing ')'", field="filterExpression")
            self.position += 1
            return node
        if token is not None and token.isdigit() and 1 <= int(token) <= len(self.conditions):
            return self.conditions[int(token) - 1]
        raise SandboxError(
            "invalid_request",
            f"Invalid filterExpression: '{token}' is not a filter number between 1 and {len(self.conditions)}",
            field="filterExpression",
        )
