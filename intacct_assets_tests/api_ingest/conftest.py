"""Sandbox servers, clients and DuckDB files for the API ingestion tests (real everything, no mocks)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from intacct_assets.catalog import BUILTIN_CATALOG, Catalog, parse_catalog
from intacct_assets_tests.api_ingest.syncing import SMALL_PAGES, Syncer

XML_VENDORS = """
objects:
  VENDOR:
    api: {name: vendor_xml, xml: VENDOR}
"""


@pytest.fixture
def xml_catalog(tmp_path) -> Catalog:
    """The built-in catalog with vendors read through the XML gateway (asset ``vendor_xml``)."""
    path = tmp_path / "xml_catalog.yaml"
    path.write_text(XML_VENDORS)
    return parse_catalog(BUILTIN_CATALOG, path)


@pytest.fixture
def syncer(warehouse, make_client) -> Callable[..., Syncer]:
    """``syncer(sandbox, catalog=None, **env)``: small pages by default so paging is exercised."""

    def make(sandbox, catalog: Catalog | None = None, **env: str) -> Syncer:
        return Syncer(sandbox, warehouse, make_client, {**SMALL_PAGES, **env}, catalog)

    return make
