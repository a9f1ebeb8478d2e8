"""Turning plain table reports into Dagster materialization metadata and the table checks."""

from __future__ import annotations

import dagster as dg

from intacct_assets.warehouse.stats import TableReport


def table_metadata(report: TableReport, database: str | None = None) -> dict[str, object]:
    """``database``: the warehouse's catalog name, so the table name is the full ``database.schema.table``."""
    return {
        "dagster/row_count": report.row_count,
        "dagster/table_name": f"{database}.{report.table}" if database else report.table,
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(name=name, type=kind) for name, kind in report.columns]
        ),
        "live_rows": report.live_rows,
        "deleted_rows": report.deleted_rows,
    }


KEY_UNIQUE_CHECK = "key_unique"
REJECTED_ROWS_CHECK = "no_rejected_rows"


def table_check_specs(
    key: dg.AssetKey, *, unique: str, rejected: str, blocking: bool = False
) -> list[dg.AssetCheckSpec]:
    """The checks every warehouse table asset carries; ``unique`` / ``rejected`` say what they count.

    ``blocking``: the table is a source of a reverse sync. A failed check then stops the rest of the run, and the
    sync's automation waits until both pass again: nothing is written into Intacct from a table with duplicate
    keys or with records that could not be loaded.
    """
    guard = " Blocking: a reverse sync reads this table." if blocking else ""
    return [
        dg.AssetCheckSpec(
            KEY_UNIQUE_CHECK, asset=key, blocking=blocking, description=f"Exactly one row per {unique}.{guard}"
        ),
        dg.AssetCheckSpec(
            REJECTED_ROWS_CHECK,
            asset=key,
            blocking=blocking,
            description=f"Records of {rejected} that could not be loaded (see intacct_meta.rejected_rows).{guard}",
        ),
    ]


def table_check_results(
    duplicate_keys: int, rejected_rows: int, blocking: bool = False, **rejected_metadata: object
) -> list[dg.AssetCheckResult]:
    """Key uniqueness fails the check; rejected rows only warn (the rest of the data loaded), except on a source
    of a reverse sync (``blocking``), where they fail it too."""
    return [
        dg.AssetCheckResult(
            check_name=KEY_UNIQUE_CHECK, passed=duplicate_keys == 0, metadata={"duplicate_keys": duplicate_keys}
        ),
        dg.AssetCheckResult(
            check_name=REJECTED_ROWS_CHECK,
            passed=rejected_rows == 0,
            severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
            metadata={"rejected_rows": rejected_rows, **rejected_metadata},
        ),
    ]
