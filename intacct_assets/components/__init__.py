"""The Dagster component of this project (``IntacctComponent``), for ``dg`` and your own code locations."""

from intacct_assets.components.component import IntacctComponent
from intacct_assets.defs.translator import IntacctAssetData, IntacctTranslator

__all__ = ["IntacctAssetData", "IntacctComponent", "IntacctTranslator"]
