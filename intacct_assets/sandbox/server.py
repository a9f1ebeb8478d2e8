"""Request routing for the one sandbox port: REST under /ia/api/v1, XML at /ia/xml/xmlgw.phtml (both through
the tenant gate and the accounting), the developer API under /_sandbox, or a capture in replay mode."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable

from intacct_assets.sandbox.faults import Gate
from intacct_assets.sandbox.httpd import Request, Response
from intacct_assets.sandbox.rest import RestApi
from intacct_assets.sandbox.stats import Call, Stats
from intacct_assets.sandbox.xml_gateway import XmlGateway

REST_PREFIX = "/ia/api/v1"
XML_PATH = "/ia/xml/xmlgw.phtml"
ADMIN_PREFIX = "/_sandbox"


class App:
    def __init__(
        self,
        rest: RestApi,
        xml: XmlGateway,
        gate: Gate,
        stats: Stats,
        admin: Callable[[Request, str], Response],
        replay: Callable[[Request], Response] | None = None,
    ) -> None:
        self.rest, self.xml, self.gate, self.stats = rest, xml, gate, stats
        self.admin, self.replay = admin, replay

    def __call__(self, request: Request) -> Response:
        try:
            return self._route(request)
        except Exception:  # noqa: BLE001 - a sandbox bug must still produce an HTTP answer
            traceback.print_exc()
            message = "Unable to process request (sandbox internal error; see its stderr)"
            return Response.json(500, {"ia::error": {"code": "GW-0001", "message": message}})

    def _route(self, request: Request) -> Response:
        path = request.path
        if path.startswith(ADMIN_PREFIX):
            return self.admin(request, path[len(ADMIN_PREFIX) :].rstrip("/"))
        if self.replay is not None:
            return self.replay(request)
        if path.startswith(REST_PREFIX + "/"):
            call = Call("rest", request.method, path)
            sub = path[len(REST_PREFIX) :]
            handler = lambda: self.rest.handle(request, sub, call)  # noqa: E731
            if sub.startswith("/oauth2/"):  # token traffic is never throttled or faulted
                started = time.monotonic()
                return self._finish(call, handler(), started)
        elif path == XML_PATH:
            call = Call("xml", request.method, path)
            handler = lambda: self.xml.handle(request, call)  # noqa: E731
        else:
            return Response.json(404, {"ia::error": {"code": "GW-0011", "message": f"Unknown path {path}"}})
        started = time.monotonic()
        return self._finish(call, self.gate.run(call, handler), started)

    def _finish(self, call: Call, response: Response, started: float) -> Response:
        call.status = response.status
        call.elapsed_ms = round((time.monotonic() - started) * 1000, 3)
        self.stats.record(call)
        response.headers.append(("X-Sandbox-Transactions", str(call.transactions)))
        return response
