"""Everything the checks share: the settings (read lazily, so a bad one is reported rather than raised),
one Intacct client that records what the server's answers say, the S3 client, and what was already asked.

Nothing here writes to Intacct: the only calls are tokens and sessions, the model / ``lookup``, and
queries of one row.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import boto3
import httpx

from intacct_assets.api_ingest.custom_queries import CustomQuery, load_custom_queries
from intacct_assets.api_ingest.schema import FieldSpec, column_name
from intacct_assets.api_ingest.settings import ApiSettings
from intacct_assets.api_ingest.sources import PageRequest, XmlSource
from intacct_assets.api_ingest.sync import ApiIngestion
from intacct_assets.api_ingest.targets import SyncTarget
from intacct_assets.catalog import Catalog, catalog_paths, parse_catalog
from intacct_assets.dds.s3 import S3Object, list_objects
from intacct_assets.dds.settings import DdsSettings
from intacct_assets.doctor.answers import AnswerLog
from intacct_assets.doctor.results import CheckSkipped
from intacct_assets.intacct import IntacctClient, IntacctSettings
from intacct_assets.intacct.errors import IntacctConfigError, UnexpectedAnswerError
from intacct_assets.intacct.redaction import Redactor, Secret
from intacct_assets.tls import verified_tls
from intacct_assets.warehouse.connection import Warehouse

# A preflight answers in seconds: a request is tried at most this often and waited for at most this long.
MAX_ATTEMPTS = 3
MAX_TIMEOUT_SECONDS = 30.0

REST_SETTINGS = (
    "INTACCT_CLIENT_ID, INTACCT_CLIENT_SECRET and INTACCT_USERNAME (user@company[|entity]) or INTACCT_REFRESH_TOKEN"
)
XML_SETTINGS = (
    "INTACCT_SENDER_ID and INTACCT_SENDER_PASSWORD, with INTACCT_COMPANY_ID, INTACCT_USER_ID and "
    "INTACCT_USER_PASSWORD (or the REST settings, to open sessions with the OAuth token)"
)


@dataclass(frozen=True)
class Probe:
    """An object asked for one row, the way a sync reads it."""

    fields: list[FieldSpec]
    total: int  # records in the set, from the answer's total
    page_limit: int  # rows per page a sync of this object reads
    entity: str = ""  # the entity context it was read in ("" = the credentials' default)


class DoctorContext:
    """Lazily built settings and clients; a factory that raises makes the checks that need it report why."""

    def __init__(
        self,
        *,
        intacct: Callable[[], IntacctSettings],
        api: Callable[[], ApiSettings],
        dds: Callable[[], DdsSettings],
        warehouse: Callable[[], Warehouse],
        s3: Callable[[], Any],
        aws_secret: str | None = None,
        catalog: Callable[[], Catalog] | None = None,
    ) -> None:
        """Factories of each setting (and of the S3 client); the catalog, by default, is read as the code location
        of the environment's company reads it."""
        self._factories = {
            "intacct": intacct,
            "api": api,
            "dds": dds,
            "warehouse": warehouse,
            "s3": s3,
            "catalog": catalog or (lambda: parse_catalog(*catalog_paths())),
        }
        self._aws_secret = aws_secret
        self._built: dict[str, object] = {}
        self._lock = threading.Lock()
        self._memo: dict[tuple, object] = {}
        self.answers = AnswerLog()
        self.broken: dict[str, str] = {}  # "rest" / "xml" / "bucket" -> why it does not work (a check found out)

    @classmethod
    def from_env(cls) -> DoctorContext:
        """Settings from the environment variables the assets read."""
        return cls(
            intacct=IntacctSettings.from_env,
            api=ApiSettings.from_env,
            dds=DdsSettings.from_env,
            warehouse=Warehouse.from_env,
            s3=_boto3_s3,
            aws_secret=os.environ.get("AWS_SECRET_ACCESS_KEY"),
        )

    # ------------------------------------------------------------------ settings
    def _get(self, name: str) -> Any:
        with self._lock:
            if name not in self._built:
                self._built[name] = self._factories[name]()
            return self._built[name]

    @property
    def intacct_settings(self) -> IntacctSettings:
        return self._get("intacct")

    @property
    def api_settings(self) -> ApiSettings:
        return self._get("api")

    @property
    def dds_settings(self) -> DdsSettings:
        return self._get("dds")

    @property
    def warehouse(self) -> Warehouse:
        return self._get("warehouse")

    @property
    def catalog(self) -> Catalog:
        return self._get("catalog")

    @cached_property
    def custom_queries(self) -> list[CustomQuery]:
        return load_custom_queries(self.api_settings.queries_path, self.catalog)

    @cached_property
    def targets(self) -> list[SyncTarget]:
        """Every API asset's target: catalog objects with an API binding, then custom queries."""
        return [SyncTarget.from_catalog(obj, self.api_settings) for obj in self.catalog.api_objects()] + [
            query.target() for query in self.custom_queries
        ]

    @cached_property
    def redactor(self) -> Redactor:
        """Masks every configured credential (a failing factory just has none to mask)."""
        secrets: list[str | Secret] = [self._aws_secret or ""]
        try:
            secrets += self.intacct_settings.secrets()
        except Exception:  # noqa: BLE001 - the settings check reports it
            pass
        return Redactor(secrets)

    def redact(self, text: str) -> str:
        """``text`` without any credential: configured ones, and tokens or sessions the client obtained."""
        text = self.redactor.text(text)
        return self.client.redactor.text(text) if "client" in self.__dict__ else text

    # ------------------------------------------------------------------ Intacct
    @cached_property
    def client(self) -> IntacctClient:
        settings = self.intacct_settings
        settings = replace(
            settings,
            max_attempts=min(settings.max_attempts, MAX_ATTEMPTS),
            timeout_seconds=min(settings.timeout_seconds, MAX_TIMEOUT_SECONDS),
        )
        http = httpx.Client(
            timeout=httpx.Timeout(settings.timeout_seconds),
            follow_redirects=False,
            verify=verified_tls(),
            event_hooks={"response": [self.answers.record]},
        )
        return IntacctClient(settings, http=http)

    def require_rest(self) -> IntacctClient:
        """The client, when REST is configured and working; else the check is skipped, saying why."""
        if not self.intacct_settings.has_rest:
            raise CheckSkipped("the REST API is not configured", f"set {REST_SETTINGS}")
        if "rest" in self.broken:
            raise CheckSkipped(f"needs a working OAuth token: {self.broken['rest']}", "see oauth_token")
        return self.client

    def require_xml(self) -> IntacctClient:
        settings = self.intacct_settings
        try:
            settings.require_xml()
        except IntacctConfigError as error:
            raise CheckSkipped(f"the XML gateway is not configured ({error})", f"set {XML_SETTINGS}") from None
        if "xml" in self.broken:
            raise CheckSkipped(f"needs a working XML session: {self.broken['xml']}", "see xml_session")
        if not settings.has_xml_login and "rest" in self.broken:
            raise CheckSkipped("XML sessions are opened with the OAuth token, which does not work", "see oauth_token")
        return self.client

    def require(self, target: SyncTarget) -> IntacctClient:
        return self.require_rest() if target.rest else self.require_xml()

    def usable(self, target: SyncTarget) -> bool:
        try:
            self.require(target)
        except CheckSkipped:
            return False
        return True

    def probe(self, target: SyncTarget, entity: str | None = None) -> Probe:
        """One row of ``target`` in one entity context ("" = the credentials' default; None = the first context a
        sync reads), asked as a sync asks: its field list (model / ``lookup``), ordered by the key. Remembered,
        so checks can share it."""
        if entity is None:
            contexts = ApiIngestion(self.require(target), self.warehouse, self.api_settings).contexts(target)
            entity = contexts[0] if contexts else ""
        return self.remember(("probe", target.name, entity), lambda: self._probe(target, entity))

    def _probe(self, target: SyncTarget, entity: str) -> Probe:
        client = self.require(target)
        source = target.source(client, entity or None, self.api_settings.page_size)
        fields = source.discover()
        if target.custom is not None and target.custom.fields:
            known = {spec.source: spec for spec in fields}
            fields = [known.get(name) or FieldSpec(name, column_name(name), "string") for name in target.custom.fields]
        names = tuple(spec.source for spec in fields)
        key = target.key[0]
        if key not in names:  # a sync refuses such an object
            raise UnexpectedAnswerError(f"the key field {key!r} is not a field of {target.rest or target.object}")
        if isinstance(source, XmlSource) and target.xml_function == "readByQuery":
            page = next(
                client.xml.read_by_query(target.object, fields=",".join(names), pagesize=1, entity=entity or None)
            )
            return Probe(fields, page.total, source.page_limit, entity)
        page = source.fetch(PageRequest(names, None, (key,), 1, 1))
        return Probe(fields, page.total, source.page_limit, entity)

    def remember(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per key; its error is remembered too (asked again, the server would say the same)."""
        with self._lock:
            known = self._memo.get(key)
        if known is None:
            try:
                known = ("value", compute())
            except CheckSkipped:
                raise
            except Exception as error:  # noqa: BLE001 - re-raised to every caller
                known = ("error", error)
            with self._lock:
                self._memo[key] = known
        kind, value = known
        if kind == "error":
            raise value
        return value

    # ------------------------------------------------------------------ S3
    @property
    def s3(self) -> Any:
        return self._get("s3")

    def require_bucket(self) -> DdsSettings:
        settings = self.dds_settings
        if not settings.bucket:
            raise CheckSkipped("no DDS bucket is configured", "set INTACCT_DDS_BUCKET (and INTACCT_DDS_PREFIX)")
        if "bucket" in self.broken:
            raise CheckSkipped(f"the bucket cannot be listed: {self.broken['bucket']}", "see dds_bucket")
        return settings

    def listing(self) -> list[S3Object]:
        """Every object under the DDS prefix (listed once)."""
        settings = self.require_bucket()
        return self.remember(("listing",), lambda: list(list_objects(self.s3, settings.bucket, settings.prefix)))

    # ------------------------------------------------------------------ lifetime
    def close(self) -> None:
        if "client" in self.__dict__:
            self.client.close()

    def __enter__(self) -> DoctorContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _boto3_s3() -> Any:
    return boto3.client("s3")  # boto3 reads AWS_ENDPOINT_URL_S3, AWS_PROFILE, … itself
