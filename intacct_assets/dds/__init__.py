"""DDS ingestion (plain Python, no Dagster): CSV exports Intacct drops into S3, found, read, typed and merged
newest-wins into ``dds.<object>`` tables, each file version recorded in ``intacct_meta.dds_files``."""
