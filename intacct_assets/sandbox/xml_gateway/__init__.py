"""The XML gateway face: the request, authentication and function levels (``gateway``), its wire format
(``envelope``), and one module per function family: ``reads``, ``writes``, ``legacy`` (with the schema the
gateway validates them against, ``schema``), ``platform`` (sessions, user formatting, DDS); ``sqlish`` parses
readByQuery's query strings."""

from intacct_assets.sandbox.xml_gateway.envelope import control_failure
from intacct_assets.sandbox.xml_gateway.gateway import XmlGateway

__all__ = ["XmlGateway", "control_failure"]
