"""One exception type for every rule a request can break; each face renders it in its own dialect."""

from __future__ import annotations

# kind -> (REST HTTP status, REST error code)
REST_STATUS = {
    "invalid_field": (400, "invalidRequest"),
    "invalid_value": (400, "invalidRequest"),
    "invalid_request": (400, "invalidRequest"),
    "not_found": (404, "notFound"),
    "method_not_allowed": (405, "methodNotAllowed"),
    "duplicate": (409, "conflict"),
    "business": (422, "operationFailed"),
    "permission": (403, "forbidden"),
    "not_queryable": (400, "invalidRequest"),
}


class SandboxError(Exception):
    """A rule violation: ``kind`` selects the HTTP status/REST code; ``errorno`` the XML error number."""

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        field: str | None = None,
        errorno: str = "BL01001973",
        description: str = "",
        correction: str = "",
        then: tuple[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.field = field
        self.errorno = errorno
        self.description = description
        self.correction = correction
        self.then = then  # (errorno, text) of a second error Intacct reports after this one

    @property
    def http_status(self) -> int:
        return REST_STATUS[self.kind][0]
