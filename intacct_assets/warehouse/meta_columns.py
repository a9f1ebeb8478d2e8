"""The bookkeeping columns every warehouse table of Intacct records carries (``_intacct_*``), and the columns a
batch frame brings to the merge."""

from __future__ import annotations

VERSION = "_intacct_version"
DATA_VERSION = "_intacct_data_version"
DELETED = "_intacct_deleted"
SOURCE = "_intacct_source"
SYNCED_AT = "_intacct_synced_at"
SNAPSHOT = "_intacct_snapshot"
MODIFIED = "_intacct_modified"
READ = "_intacct_read"
POSITION = "_intacct_position"
BATCH_ROW = "_intacct_row"
# After de-duplication a key's newest live data may come from another record than its newest
# state; these columns then carry the data record's version.
DATA_MODIFIED, DATA_READ, DATA_LIVE = ("_intacct_data_modified", "_intacct_data_read", "_intacct_data_live")
VERSION_TYPE = "STRUCT(modified TIMESTAMP, read TIMESTAMP, delivered TIMESTAMP, source VARCHAR)"
META_COLUMNS: dict[str, str] = {
    DELETED: "BOOLEAN NOT NULL DEFAULT false",
    SYNCED_AT: "TIMESTAMP",
    SOURCE: "VARCHAR",
    VERSION: VERSION_TYPE,
    DATA_VERSION: VERSION_TYPE.replace("STRUCT(", "STRUCT(live BOOLEAN, "),
    SNAPSHOT: "VARCHAR",
}
