"""``/objects/<module>/<object>[/<keys>]``: one record, lists, and single or batch writes (atomic with
``X-IA-API-Param-Transaction``, 207 per-item results otherwise), Idempotency-Key included."""

from __future__ import annotations

import hashlib
import json

from intacct_assets.sandbox.company.service import Caller, Company
from intacct_assets.sandbox.errors import SandboxError
from intacct_assets.sandbox.httpd import Request, Response
from intacct_assets.sandbox.objects import ObjectDef
from intacct_assets.sandbox.rest import codec
from intacct_assets.sandbox.rest.envelope import error_payload, error_response, in_rest_terms, meta, page_meta, positive
from intacct_assets.sandbox.rest.idempotency import Idempotency

MAX_BATCH = 500
MAX_LIST_SIZE = 100
OPERATION = {"POST": "create", "PATCH": "update", "DELETE": "delete", "GET": "read"}
UNPROCESSED = {
    "ia::error": {"code": "unprocessed", "message": "Operation skipped due to atomic transaction failure"},
    "ia::status": 422,
}


def read_json(request: Request) -> object:
    if not request.body:
        raise SandboxError("invalid_request", f"A {request.method} request requires a payload")
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise SandboxError("invalid_request", "The request payload is not valid JSON") from None


class ObjectEndpoints:
    def __init__(self, company: Company, idempotency: Idempotency) -> None:
        self.company, self.idempotency = company, idempotency

    def handle(self, request: Request, defn: ObjectDef, keys: str | None, caller: Caller, client_id: str) -> Response:
        method = request.method
        if method not in defn.rest_methods or (keys is not None and method == "POST"):
            return error_response(SandboxError("method_not_allowed", f"{method} is not allowed on {defn.rest}"))
        caller.call.operations.append(f"{OPERATION.get(method, method)} {defn.rest}")
        if method == "GET":
            return self._get(defn, keys, request, caller)
        if method == "DELETE":
            if keys is None:
                raise SandboxError("method_not_allowed", "DELETE needs record keys in the URL")
            items = [{"key": k} for k in keys.split(",")]
            return self._batch(defn, "DELETE", items, caller, request, single="," not in keys)
        body = read_json(request)
        if method == "PATCH" and keys is not None:
            if "," in keys or not isinstance(body, dict):
                raise SandboxError("invalid_request", "PATCH on a record URL takes one JSON object")
            body = {**body, "key": keys}
        idem_key = request.header("idempotency-key")
        if idem_key is None or (isinstance(body, list) and not self.company.knobs.idempotent_batches):
            return self._write(defn, method, body, caller, request)
        if len(idem_key) > 256:
            raise SandboxError("invalid_request", "Idempotency-Key must be at most 256 characters")
        scope = (client_id, caller.user, idem_key)
        fingerprint = hashlib.sha256(f"{method} {request.path} {caller.entity}".encode() + request.body).hexdigest()
        return self.idempotency.run(scope, fingerprint, lambda: self._write(defn, method, body, caller, request))

    # ------------------------------------------------------------------ reads
    def _record(self, defn: ObjectDef, key: object, caller: Caller) -> dict:
        text = str(key).strip()
        if not text.isdigit() or len(text) > 18:
            raise SandboxError("invalid_value", f"'{key}' is not a valid record key", field="key")
        record = self.company.record(defn, int(text), caller)
        if record is None:
            raise SandboxError("not_found", f"Requested resource with key {text} was not found", field="key")
        return record

    def _get(self, defn: ObjectDef, keys: str | None, request: Request, caller: Caller) -> Response:
        caller.bill()
        store = self.company.store
        if keys is None:  # list: references only, at most 100 per page
            start = positive(request.arg("start", "1"), "start")
            size = min(positive(request.arg("size", str(MAX_LIST_SIZE)), "size"), MAX_LIST_SIZE)
            rows = self.company.rows(defn, caller)
            page = [codec.reference(defn, r) for r in rows[start - 1 : start - 1 + size]]
            return Response.json(200, {"ia::result": page, "ia::meta": page_meta(len(rows), start, size)})
        wanted = keys.split(",")
        if len(wanted) > MAX_BATCH:
            raise SandboxError("invalid_request", f"At most {MAX_BATCH} keys per request")
        if len(wanted) == 1:
            record = self._record(defn, wanted[0], caller)
            return Response.json(200, {"ia::result": codec.to_rest(store, defn, record), "ia::meta": meta(1)})
        results, ok = [], 0
        for key in wanted:
            try:
                results.append(codec.to_rest(store, defn, self._record(defn, key, caller)))
                ok += 1
            except SandboxError as error:
                results.append({"ia::error": error_payload(error), "ia::status": error.http_status})
        return Response.json(
            200 if ok == len(wanted) else 207, {"ia::result": results, "ia::meta": meta(len(wanted), ok)}
        )

    # ------------------------------------------------------------------ writes
    def _write(self, defn: ObjectDef, method: str, body: object, caller: Caller, request: Request) -> Response:
        if isinstance(body, list):
            return self._batch(defn, method, body, caller, request, single=False)
        return self._batch(defn, method, [body], caller, request, single=True)

    def _one(self, defn: ObjectDef, method: str, item: object, caller: Caller) -> tuple[int, dict | None]:
        """Apply one create/update/delete; returns (status, reference or None)."""
        company, store = self.company, self.company.store
        if method == "DELETE":
            company.delete(defn, self._record(defn, item["key"], caller)["RECORDNO"], caller)
            return 204, None
        if not isinstance(item, dict):
            raise SandboxError("invalid_request", "Each batch item must be a JSON object")
        if method == "POST":
            values, lines = codec.from_rest(store, defn, item, for_update=False)
            try:
                record = company.create(defn, values, lines, caller)
            except SandboxError as error:
                raise in_rest_terms(defn, error) from None
            return 201, codec.reference(defn, record)
        if "key" not in item:
            raise SandboxError("invalid_request", "Each item of a batch PATCH needs its 'key'", field="key")
        current = self._record(defn, item["key"], caller)
        values, line_ops = codec.from_rest(store, defn, item, for_update=True)
        record = company.update(defn, current["RECORDNO"], values, caller, line_ops)
        return 200, codec.reference(defn, record)

    def _batch(
        self, defn: ObjectDef, method: str, items: list, caller: Caller, request: Request, *, single: bool
    ) -> Response:
        if not items:
            raise SandboxError("invalid_request", "The batch is empty")
        if len(items) > MAX_BATCH:
            raise SandboxError("invalid_request", f"A batch may hold at most {MAX_BATCH} records")
        context = {"operation": OPERATION[method], "obj": defn.rest.split("/")[-1]}
        if single:
            try:
                status, ref = self._one(defn, method, items[0], caller)
            except SandboxError as error:
                return error_response(error, **context)
            return Response(204) if ref is None else Response.json(status, {"ia::result": ref, "ia::meta": meta(1)})
        results: list[dict] = []
        if (request.header("x-ia-api-param-transaction") or "").lower() == "true":  # atomic
            try:
                with self.company.transaction(caller):
                    for item in items:
                        status, ref = self._one(defn, method, item, caller)
                        results.append({**(ref or {}), "ia::status": status})
            except SandboxError as error:
                failed = len(results)  # the items before it succeeded, then were rolled back
                results = [UNPROCESSED] * len(items)
                results[failed] = {"ia::error": error_payload(error, **context), "ia::status": error.http_status}
                return Response.json(error.http_status, {"ia::result": results, "ia::meta": meta(len(items), 0)})
            ok = len(items)
        else:
            ok = 0
            for item in items:
                try:
                    status, ref = self._one(defn, method, item, caller)
                    results.append({**(ref or {}), "ia::status": status})
                    ok += 1
                except SandboxError as error:
                    results.append({"ia::error": error_payload(error, **context), "ia::status": error.http_status})
        if method == "DELETE" and ok == len(items):
            return Response(204)  # "A successful DELETE request always returns 204", one key or many
        status = (201 if method == "POST" else 200) if ok == len(items) else 207
        return Response.json(status, {"ia::result": results, "ia::meta": meta(len(items), ok)})
