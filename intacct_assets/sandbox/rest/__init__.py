"""The REST face: routes (``api``), object endpoints (``objects``), the query service (``query_service``), the
model (``model``), records <-> JSON (``codec``), envelopes and errors (``envelope``), Idempotency-Key."""

from intacct_assets.sandbox.rest.api import RestApi

__all__ = ["RestApi"]
