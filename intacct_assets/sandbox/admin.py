"""The developer API beside the emulated ones (``/_sandbox/*``, never throttled or faulted): health, stats,
knobs, DDS deliveries, the clock, background users and the replay report."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Protocol

from intacct_assets.sandbox.errors import SandboxError
from intacct_assets.sandbox.httpd import Request, Response
from intacct_assets.sandbox.settings import Knobs


class _Clock(Protocol):
    def now(self) -> datetime: ...


class _Replay(Protocol):
    def report(self) -> dict: ...


class Controls(Protocol):
    """What the developer API drives: the Sandbox's own Python API."""

    knobs: Knobs
    clock: _Clock
    replay: _Replay | None

    @property
    def rest_url(self) -> str: ...

    @property
    def xml_url(self) -> str: ...

    @property
    def s3_endpoint(self) -> str | None: ...

    @property
    def bucket(self) -> str: ...

    @property
    def prefix(self) -> str: ...

    def stats(self, recent: int = 50) -> dict: ...

    def reset_stats(self) -> None: ...

    def configure(self, **knobs: Any) -> None: ...

    def deliver_dds(self, objects: list[str] | None = None, job_type: str = "all", **file_format: Any) -> list: ...

    def advance_clock(self, seconds: float) -> None: ...

    def run_background_edits(self, edits: int = 1) -> list: ...


class AdminApi:
    def __init__(self, controls: Controls) -> None:
        self.sb = controls

    def handle(self, request: Request, path: str) -> Response:
        """``path`` is what follows ``/_sandbox``."""
        sb = self.sb
        try:
            body = json.loads(request.body) if request.body else {}
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
            route = (request.method, path)
            if path in ("", "/health"):
                health = {"status": "ok", "rest_url": sb.rest_url, "xml_url": sb.xml_url}
                health.update(s3_endpoint=sb.s3_endpoint, bucket=sb.bucket, prefix=sb.prefix)
                return Response.json(200, health)
            if route == ("GET", "/stats"):
                return Response.json(200, sb.stats(recent=int(request.arg("recent", "50"))))
            if route == ("POST", "/stats/reset"):
                sb.reset_stats()
                return Response.json(200, sb.stats())
            if route == ("GET", "/config"):
                return Response.json(200, sb.knobs.as_dict())
            if path == "/config" and request.method in ("POST", "PATCH"):
                sb.configure(**body)
                return Response.json(200, sb.knobs.as_dict())
            if route == ("POST", "/dds/deliver"):
                return Response.json(200, {"jobs": sb.deliver_dds(**body)})
            if route == ("POST", "/clock/advance"):
                sb.advance_clock(float(body.get("seconds", 0)))
                return Response.json(200, {"now": sb.clock.now().isoformat()})
            if route == ("GET", "/replay") and sb.replay is not None:
                return Response.json(200, sb.replay.report())
            if route == ("POST", "/background/run"):
                return Response.json(200, {"edits": sb.run_background_edits(int(body.get("edits", 1)))})
        except (ValueError, TypeError, SandboxError) as error:
            return Response.json(400, {"error": str(error)})
        return Response.json(404, {"error": f"unknown admin endpoint {request.method} /_sandbox{path}"})
