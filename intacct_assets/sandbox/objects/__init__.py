"""The objects of the sandbox's company: definitions as data (``objects.yaml``), read once at import."""

from intacct_assets.sandbox.objects.loader import load
from intacct_assets.sandbox.objects.model import Field, Lines, ObjectDef, Ref, Registry

REGISTRY = load()
ENUMS = REGISTRY.enums
QUERY_CODES = REGISTRY.query_codes

__all__ = ["ENUMS", "QUERY_CODES", "REGISTRY", "Field", "Lines", "ObjectDef", "Ref", "Registry"]
