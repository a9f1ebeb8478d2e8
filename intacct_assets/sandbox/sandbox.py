"""The Python API: one object that seeds the company, starts the servers and exposes the knobs.

with Sandbox(SandboxSettings(seed=7)) as sb:
    httpx.post(f"{sb.rest_url}/oauth2/token", data={...})
    sb.deliver_dds(["CUSTOMER"], job_type="all")
    sb.configure(latency_ms=100, concurrency_limit=2)
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from typing import Any

from intacct_assets.sandbox import values
from intacct_assets.sandbox.admin import AdminApi
from intacct_assets.sandbox.clock import Clock, parse_iso
from intacct_assets.sandbox.company import views
from intacct_assets.sandbox.company.background import BackgroundUsers
from intacct_assets.sandbox.company.seed import seed_store
from intacct_assets.sandbox.company.service import Caller, Company
from intacct_assets.sandbox.company.store import Store
from intacct_assets.sandbox.dds_delivery import DdsDelivery, DdsScheduler
from intacct_assets.sandbox.faults import Gate
from intacct_assets.sandbox.httpd import HttpServer
from intacct_assets.sandbox.oauth import OAuth
from intacct_assets.sandbox.objects import REGISTRY, ObjectDef
from intacct_assets.sandbox.replay import Replay
from intacct_assets.sandbox.rest import RestApi
from intacct_assets.sandbox.server import ADMIN_PREFIX, REST_PREFIX, XML_PATH, App
from intacct_assets.sandbox.sessions import Sessions
from intacct_assets.sandbox.settings import SandboxSettings
from intacct_assets.sandbox.stats import Stats
from intacct_assets.sandbox.xml_gateway import XmlGateway


class Sandbox:
    """A running Intacct emulator. Use as a context manager, or call ``start()`` / ``stop()``."""

    def __init__(self, settings: SandboxSettings | None = None, **overrides: Any) -> None:
        self.settings = dataclasses.replace(settings or SandboxSettings(), **overrides)
        s = self.settings
        s.knobs.validate()
        self.knobs = s.knobs
        self.clock = Clock(parse_iso(s.frozen_clock) if s.frozen_clock else None)
        self.store = Store(REGISTRY, self.clock, self.knobs, s.seed)
        self.company = Company(
            self.store, entity_sees_top_level=s.entity_sees_top_level, private_entities=s.private_entities
        )
        self.sessions = Sessions(self.clock, lambda: self.knobs.xml_session_timeout_seconds)
        self.oauth = OAuth(s, self.clock, self.knobs, self.company.has_entity)
        self.rest = RestApi(self.company, self.oauth, self.sessions, s, lambda: self.xml_url)
        self.xml = XmlGateway(self.company, self.sessions, s, lambda: self.xml_url, self.deliver_dds)
        self.gate = Gate(self.knobs, s.seed)
        self.stats_book = Stats()
        self.background = BackgroundUsers(self.company, s.seed)
        self.replay = Replay.load(s.replay, lambda: self.base_url) if s.replay else None
        self._http: HttpServer | None = None
        self._moto = None
        self._s3_endpoint = s.s3_endpoint
        self._s3_error: BaseException | None = None
        self.delivery: DdsDelivery | None = None
        self._scheduler: DdsScheduler | None = None
        self.startup_seconds: float | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Sandbox:
        started = time.perf_counter()
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.perf_counter() - started
        return self

    def _start(self) -> None:
        s = self.settings
        s3_thread = None
        if s.start_s3:  # the local S3 server starts while the company is seeded
            s3_thread = threading.Thread(target=self._start_s3, name="intacct-sandbox-s3-start", daemon=True)
            s3_thread.start()
        try:
            if self.replay is None:  # a replay answers from its capture alone
                seed_store(self.store, s.seed, s.scale, s.counts, s.data_as_of, s.user_id)
            app = App(
                self.rest,
                self.xml,
                self.gate,
                self.stats_book,
                AdminApi(self).handle,
                self.replay.answer if self.replay else None,
            )
            self._http = HttpServer(s.host, s.port, app, now=self.clock.timestamp)
            self._http.start()
        finally:
            if s3_thread is not None:
                s3_thread.join()  # so that stop() after a failure also stops the S3 server
        if s3_thread is not None:
            if self._s3_error is not None:
                raise RuntimeError(f"could not start the DDS bucket: {self._s3_error}") from self._s3_error
            self._scheduler = DdsScheduler(self.delivery, self.knobs)
            if s.initial_delivery:
                self.delivery.deliver(None, "all")
            self._scheduler.start()
        if self.replay is None:  # a replay has no company for background users to edit
            self.background.start()

    def _start_s3(self) -> None:
        try:
            import boto3
            from botocore.config import Config

            s = self.settings
            if self._s3_endpoint is None:
                from moto.server import ThreadedMotoServer

                logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's access log
                self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
                self._moto.start()
                host, port = self._moto.get_host_and_port()
                self._s3_endpoint = f"http://{host}:{port}"
            client = boto3.client(
                "s3",
                endpoint_url=self._s3_endpoint,
                aws_access_key_id=s.aws_access_key_id,
                aws_secret_access_key=s.aws_secret_access_key,
                region_name=s.aws_region,
                config=Config(retries={"max_attempts": 3}),
            )
            try:
                client.create_bucket(Bucket=s.bucket)
            except client.exceptions.BucketAlreadyOwnedByYou:
                pass
            except client.exceptions.BucketAlreadyExists:
                pass
            self.delivery = DdsDelivery(self.store, client, s.bucket, s.prefix, s.dds)
        except BaseException as error:  # noqa: BLE001 - reported by start()
            self._s3_error = error

    def stop(self) -> None:
        self.background.stop()
        if self._scheduler is not None:
            self._scheduler.stop()
        if self._http is not None:
            self._http.stop()
            self._http = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ addresses
    @property
    def base_url(self) -> str:
        host = self.settings.host if self.settings.host not in ("0.0.0.0", "::") else "127.0.0.1"
        return f"http://{host}:{self._http.port}"

    @property
    def rest_url(self) -> str:
        return self.base_url + REST_PREFIX

    @property
    def xml_url(self) -> str:
        return self.base_url + XML_PATH

    @property
    def admin_url(self) -> str:
        return self.base_url + ADMIN_PREFIX

    @property
    def s3_endpoint(self) -> str | None:
        return self._s3_endpoint

    @property
    def bucket(self) -> str:
        return self.settings.bucket

    @property
    def prefix(self) -> str:
        return self.settings.prefix

    @property
    def env(self) -> dict[str, str]:
        """The environment variables (``.env.example``) that point the project at this sandbox."""
        s = self.settings
        env = {
            "INTACCT_API_URL": self.rest_url,
            "INTACCT_CLIENT_ID": s.client_id,
            "INTACCT_CLIENT_SECRET": s.client_secret,
            "INTACCT_USERNAME": f"{s.user_id}@{s.company_id}",
            "INTACCT_XML_URL": self.xml_url,
            "INTACCT_SENDER_ID": s.sender_id,
            "INTACCT_SENDER_PASSWORD": s.sender_password,
            "INTACCT_COMPANY_ID": s.company_id,
            "INTACCT_USER_ID": s.user_id,
            "INTACCT_USER_PASSWORD": s.user_password,
        }
        if self._s3_endpoint:
            env.update(
                {
                    "INTACCT_DDS_BUCKET": s.bucket,
                    "INTACCT_DDS_PREFIX": s.prefix,
                    "AWS_ENDPOINT_URL_S3": self._s3_endpoint,
                    "AWS_ACCESS_KEY_ID": s.aws_access_key_id,
                    "AWS_SECRET_ACCESS_KEY": s.aws_secret_access_key,
                    "AWS_DEFAULT_REGION": s.aws_region,
                }
            )
        return env

    # ------------------------------------------------------------------ knobs, stats, time
    def configure(self, **knobs: Any) -> None:
        """Change realism knobs at runtime (see :class:`Knobs`); unknown names raise ValueError."""
        self.knobs.update(**knobs)

    def stats(self, recent: int = 50) -> dict:
        return {**self.stats_book.snapshot(recent), "peak_in_flight": self.gate.peak_in_flight}

    def reset_stats(self) -> None:
        self.stats_book.reset()
        self.gate.peak_in_flight = 0

    def advance_clock(self, seconds: float) -> None:
        """Move the sandbox's "now" forward (token expiry, timestamps of later writes, DDS job times)."""
        self.clock.advance(seconds)

    def run_background_edits(self, edits: int = 1) -> list[tuple[str, str, int]]:
        """Perform ``edits`` background-user edits now (deterministic for a given seed)."""
        return self.background.run(edits)

    def access_token(self, entity: str | None = None) -> str:
        """A valid bearer token for the configured user (skips the OAuth round trip in tests)."""
        return self.oauth.token_for(entity)

    # ------------------------------------------------------------------ DDS
    def deliver_dds(self, objects: list[str] | None = None, job_type: str = "all", **file_format: Any) -> list[dict]:
        """Run a DDS job now. ``file_format`` overrides :class:`DdsFormat` fields (split_size, compress,
        include_headers, delimiter, enclosure, line_ending, bom, deletes_inline, bracket_pair). Returns DDSJOB
        records."""
        if self.delivery is None:
            raise RuntimeError("this sandbox has no DDS bucket (start_s3=False)")
        jobs = self.delivery.deliver(objects, job_type, **file_format)
        return [{k: v for k, v in job.items() if not k.startswith("_")} for job in jobs]

    def s3_client(self):
        return self.delivery.s3

    # ------------------------------------------------------------------ direct data access (as a UI user)
    @property
    def _ui_user(self) -> Caller:
        return Caller(self.settings.user_id, "ui")

    def _values(self, defn: ObjectDef, fields: dict) -> dict:
        out = {}
        for name, raw in fields.items():
            f = defn.by_name.get(name.upper())
            if f is None:
                raise ValueError(f"{defn.name} has no field {name}")
            out[f.name] = (
                raw
                if isinstance(raw, (int, bool)) and f.type in ("integer", "boolean")
                else values.parse_value(f.type, raw, f.name, xml=True)
            )
        return out

    def create(self, obj: str, fields: dict, lines: list[dict] | None = None) -> dict:
        defn = self.store.registry[obj.upper()]
        line_values = [self._values(self.store.registry[defn.lines.object], line) for line in lines or []]
        return self.company.create(defn, self._values(defn, fields), line_values, self._ui_user)

    def update(self, obj: str, key: int, fields: dict) -> dict:
        defn = self.store.registry[obj.upper()]
        return self.company.update(defn, key, self._values(defn, fields), self._ui_user)

    def delete(self, obj: str, key: int) -> dict:
        return self.company.delete(self.store.registry[obj.upper()], key, self._ui_user)

    def get(self, obj: str, key: int) -> dict | None:
        return self.store.get(obj.upper(), key)

    def find(self, obj: str, ident: str) -> dict | None:
        return self.store.find(obj.upper(), ident)

    def records(self, obj: str) -> list[dict]:
        """Every record of an object (base or derived), stored form (XML names)."""
        return views.rows(self.store, self.store.registry[obj.upper()])
