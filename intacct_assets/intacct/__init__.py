"""Sage Intacct API client (plain Python, no Dagster): OAuth2 REST, XML gateway, limiter, retries, call log."""

from intacct_assets.intacct.calllog import ApiCall, CallLog, summarize
from intacct_assets.intacct.client import IntacctClient
from intacct_assets.intacct.errors import (
    ErrorDetail,
    IntacctApiError,
    IntacctAuthError,
    IntacctConfigError,
    IntacctError,
    IntacctTransportError,
    IntacctXmlError,
    OutcomeUnknownError,
    UnexpectedAnswerError,
    XmlErrorEntry,
)
from intacct_assets.intacct.filters import Compare, Filter, all_of, any_of
from intacct_assets.intacct.rest import Query, QueryPage, batches
from intacct_assets.intacct.rest_answers import ItemResult, WriteResult
from intacct_assets.intacct.settings import IntacctSettings
from intacct_assets.intacct.xml_api import XmlPage

__all__ = [
    "ApiCall",
    "CallLog",
    "Compare",
    "ErrorDetail",
    "Filter",
    "IntacctApiError",
    "IntacctAuthError",
    "IntacctClient",
    "IntacctConfigError",
    "IntacctError",
    "IntacctSettings",
    "IntacctTransportError",
    "IntacctXmlError",
    "ItemResult",
    "OutcomeUnknownError",
    "Query",
    "QueryPage",
    "UnexpectedAnswerError",
    "WriteResult",
    "XmlErrorEntry",
    "XmlPage",
    "all_of",
    "any_of",
    "batches",
    "summarize",
]
