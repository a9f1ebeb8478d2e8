"""The DuckDB warehouse (plain Python, no Dagster): the lock-aware connection, the layout of ``intacct_meta`` and its
migrations, the one typing of text into values, and the newest-wins merge every pipeline writes through."""
