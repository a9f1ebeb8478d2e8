"""Request routing for the one sandbox port: REST under /ia/api/v1, XML at /ia/xml/xmlgw.phtml, and the
admin endpoints under /_sandbox (never throttled or faulted)."""

from __future__ import annotations

import json
import time
import traceback
from typing import TYPE_CHECKING

from intacct_assets.sandbox.errors import SandboxError
from intacct_assets.sandbox.httpd import Request, Response
from intacct_assets.sandbox.stats import Call

if TYPE_CHECKING:
    from intacct_assets.sandbox.sandbox import Sandbox

REST_PREFIX = "/ia/api/v1"
XML_PATH = "/ia/xml/xmlgw.phtml"


class App:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sb = sandbox

    def __call__(self, request: Request) -> Response:
        try:
            return self._route(request)
        except Exception:  # noqa: BLE001 - a sandbox bug must still produce an HTTP answer
            traceback.print_exc()
            return Response.json(
                500,
                {
                    "ia::error": {
                        "code": "GW-0001",
                        "message": "Unable to process request (sandbox internal error; see its stderr)",
                    }
                },
            )

    def _route(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/_sandbox"):
            return self.admin(request, path[len("/_sandbox") :].rstrip("/"))
        if self.sb.replay is not None:
            return self.sb.replay.answer(request)
        if path.startswith(REST_PREFIX + "/"):
            call = Call("rest", request.method, path)
            sub = path[len(REST_PREFIX) :]
            handler = lambda: self.sb.rest.handle(request, sub, call)  # noqa: E731
            if sub.startswith("/oauth2/"):  # token traffic is never throttled or faulted
                started = time.monotonic()
                return self._finish(call, handler(), started)
        elif path == XML_PATH:
            call = Call("xml", request.method, path)
            handler = lambda: self.sb.xml.handle(request, call)  # noqa: E731
        else:
            return Response.json(404, {"ia::error": {"code": "GW-0011", "message": f"Unknown path {path}"}})
        started = time.monotonic()
        return self._finish(call, self.sb.gate.run(call, handler), started)

    def _finish(self, call: Call, response: Response, started: float) -> Response:
        call.status = response.status
        call.elapsed_ms = round((time.monotonic() - started) * 1000, 3)
        self.sb.stats_book.record(call)
        response.headers.append(("X-Sandbox-Transactions", str(call.transactions)))
        return response

    # ------------------------------------------------------------------ admin
    def admin(self, request: Request, path: str) -> Response:
        sb = self.sb
        try:
            body = json.loads(request.body) if request.body else {}
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
            if path in ("", "/health"):
                return Response.json(
                    200,
                    {
                        "status": "ok",
                        "rest_url": sb.rest_url,
                        "xml_url": sb.xml_url,
                        "s3_endpoint": sb.s3_endpoint,
                        "bucket": sb.bucket,
                        "prefix": sb.prefix,
                    },
                )
            if path == "/stats" and request.method == "GET":
                return Response.json(200, sb.stats(recent=int(request.arg("recent", "50"))))
            if path == "/stats/reset" and request.method == "POST":
                sb.reset_stats()
                return Response.json(200, sb.stats())
            if path == "/config" and request.method == "GET":
                return Response.json(200, sb.knobs.as_dict())
            if path == "/config" and request.method in ("POST", "PATCH"):
                sb.configure(**body)
                return Response.json(200, sb.knobs.as_dict())
            if path == "/dds/deliver" and request.method == "POST":
                return Response.json(200, {"jobs": sb.deliver_dds(**body)})
            if path == "/clock/advance" and request.method == "POST":
                sb.advance_clock(float(body.get("seconds", 0)))
                return Response.json(200, {"now": sb.clock.now().isoformat()})
            if path == "/replay" and request.method == "GET" and sb.replay is not None:
                return Response.json(200, sb.replay.report())
            if path == "/background/run" and request.method == "POST":
                return Response.json(200, {"edits": sb.run_background_edits(int(body.get("edits", 1)))})
        except (ValueError, TypeError, SandboxError) as error:
            return Response.json(400, {"error": str(error)})
        return Response.json(404, {"error": f"unknown admin endpoint {request.method} /_sandbox{path}"})
