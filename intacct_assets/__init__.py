"""intacct_assets: keeps a DuckDB warehouse in sync with Sage Intacct in both directions.

``intacct_assets.IntacctComponent`` (the ``dg`` component) is imported on first use, so the plain core and the
sandbox never load Dagster.
"""

_COMPONENTS = ("IntacctComponent", "IntacctTranslator", "IntacctAssetData")


def __getattr__(name: str):
    if name in _COMPONENTS:
        from intacct_assets import components

        return getattr(components, name)
    raise AttributeError(f"module 'intacct_assets' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_COMPONENTS])
