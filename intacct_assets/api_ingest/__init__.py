"""API ingestion (plain Python, no Dagster): Intacct objects and custom queries into ``api.<name>`` tables.

Entry point: :class:`intacct_assets.api_ingest.sync.ApiIngestion`; see ``README.md`` in this folder.
"""
