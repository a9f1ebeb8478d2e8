"""The REST face (``/ia/api/v1``): OAuth endpoints, then, for an authenticated caller in an entity, the object
endpoints, the query service, the model, the dimensions list and the XML-session bridge."""

from __future__ import annotations

from collections.abc import Callable

from intacct_assets.sandbox.company.service import Caller, Company
from intacct_assets.sandbox.errors import SandboxError
from intacct_assets.sandbox.httpd import Request, Response
from intacct_assets.sandbox.oauth import OAuth, gateway_error
from intacct_assets.sandbox.objects import ObjectDef
from intacct_assets.sandbox.rest import model, query_service
from intacct_assets.sandbox.rest.envelope import error_response, meta
from intacct_assets.sandbox.rest.idempotency import Idempotency
from intacct_assets.sandbox.rest.objects import ObjectEndpoints, read_json
from intacct_assets.sandbox.sessions import Sessions
from intacct_assets.sandbox.settings import SandboxSettings
from intacct_assets.sandbox.stats import Call


class RestApi:
    def __init__(
        self, company: Company, oauth: OAuth, sessions: Sessions, settings: SandboxSettings, xml_url: Callable[[], str]
    ) -> None:
        self.company, self.oauth, self.sessions = company, oauth, sessions
        self.xml_url = xml_url
        idempotency = Idempotency(
            settings.idempotency_ttl_seconds, settings.idempotency_memory_seconds, company.store.clock
        )
        self.objects = ObjectEndpoints(company, idempotency)

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
        grant = principal.grant
        entity = request.header("x-ia-api-param-entity") or grant.entity
        if entity and not self.company.has_entity(entity):
            return error_response(SandboxError("invalid_request", f"Invalid entity '{entity}'"))
        caller = Caller(grant.user, "rest", entity, call)
        try:
            if path.startswith("/objects/"):
                parts = path[len("/objects/") :].strip("/").split("/")
                if len(parts) not in (2, 3):
                    raise SandboxError("not_found", f"Unknown endpoint {path}")
                keys = parts[2] if len(parts) == 3 else None
                return self.objects.handle(
                    request, self._object_def("/".join(parts[:2])), keys, caller, grant.client_id
                )
            if path == "/services/core/query" and request.method == "POST":
                body = read_json(request)
                if not isinstance(body, dict) or not isinstance(body.get("object"), str):
                    raise SandboxError("invalid_request", "'object' is required", field="object")
                defn = self._object_def(body["object"].removeprefix("/objects/").strip("/"))
                return query_service.query(self.company, caller, defn, body)
            if path == "/services/core/model" and request.method == "GET":
                name = request.arg("name")
                if not name:
                    raise SandboxError("invalid_request", "Query parameter 'name' is required", field="name")
                defn = self._object_def(name.removeprefix("/objects/"))
                if self.company.knobs.bill_metadata:
                    caller.bill()
                return Response.json(200, {"ia::result": model.model(self.company.registry, defn), "ia::meta": meta(1)})
            if path == "/services/company-config/dimensions/list" and request.method == "GET":
                caller.bill()
                rows = model.dimensions(self.company.registry)
                total = str(len(rows))  # the documented answer gives its counts as strings
                meta_text = {"totalCount": total, "totalSuccess": total, "totalError": "0"}
                return Response.json(200, {"ia::result": rows, "ia::meta": meta_text})
            if path == "/services/core/session/id" and request.method == "GET":
                session = self.sessions.open(grant.user, grant.company, entity)
                result = {"sessionId": session.id, "endpoint": self.xml_url(), "expiresIn": self.sessions.ttl}
                return Response.json(200, {"ia::result": result, "ia::meta": meta(1)})
            raise SandboxError("not_found", f"Unknown endpoint {request.method} {path}")
        except SandboxError as error:
            return error_response(error)

    def _object_def(self, name: str) -> ObjectDef:
        """An object by its REST name, module-qualified (``accounts-payable/bill``) or, when unambiguous, not."""
        registry = self.company.registry
        defn = registry.by_rest.get(name)
        if defn is None:
            short = [d for d in registry.by_rest.values() if d.rest.split("/")[-1] == name]
            if len(short) != 1:
                raise SandboxError("not_found", f"Unknown object '{name}'")
            defn = short[0]
        return defn
