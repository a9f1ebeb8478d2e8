"""Minimal threaded HTTP/1.1 server with keep-alive (one thread per connection).

Why not werkzeug's dev server: it closes every connection and waits ~10 ms draining each request, which
caps a sequential client near 100 req/s. This server also lets fault injection drop a connection after
a write committed (the "lost response" case), which WSGI cannot express.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import orjson

MAX_BODY = 64 * 1024 * 1024


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    client: str = "127.0.0.1"

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def arg(self, name: str, default: str | None = None) -> str | None:
        found = self.query.get(name)
        return found[0] if found else default

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True).items()}


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    drop_connection: bool = False  # fault injection: close the socket without answering

    @classmethod
    def json(cls, status: int, payload: object, headers: list[tuple[str, str]] | None = None) -> Response:
        body = orjson.dumps(payload, default=str)  # several times faster than json on 4000-row pages
        return cls(status, body, [("Content-Type", "application/json"), *(headers or [])])

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


Handler = Callable[[Request], Response]


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "IntacctSandbox/1.0"
    sys_version = ""
    timeout = 60

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (TimeoutError, ConnectionError):
            self.close_connection = True

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.send_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
            return
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        request = Request(
            self.command,
            parts.path,
            parse_qs(parts.query, keep_blank_values=True),
            {k.lower(): v for k, v in self.headers.items()},
            body,
            self.client_address[0],
        )
        response = self.server.handler(request)
        if response.drop_connection:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = do_HEAD = do_OPTIONS = _serve

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header tells the server's clock (the sandbox's, which tests may move)."""
        return formatdate(self.server.now() if timestamp is None else timestamp, usegmt=True)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - no access log (URLs carry codes)
        return


class HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, host: str, port: int, handler: Handler, now: Callable[[], float] = time.time) -> None:
        self.handler = handler
        self.now = now
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__((host, port), _RequestHandler)
        self._thread: threading.Thread | None = None

    def track(self, connection: socket.socket, *, add: bool) -> None:
        with self._conn_lock:
            (self._connections.add if add else self._connections.discard)(connection)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def start(self) -> None:
        # a short poll: stop() waits up to one interval for the loop to notice (the default 0.5 s slowed every test)
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, name="intacct-sandbox-http", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        with self._conn_lock:
            for connection in list(self._connections):
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        self.server_close()
        if self._thread:
            self._thread.join(timeout=5)
