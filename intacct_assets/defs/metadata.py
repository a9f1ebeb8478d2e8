"""Turning plain table reports into Dagster materialization metadata and the table checks."""

from __future__ import annotations

import dagster as dg

from intacct_assets.warehouse.stats import TableReport


def table_metadata(report: TableReport) -> dict[str, object]:
    return {
        "dagster/row_count": report.row_count,
        "dagster/table_name": report.table,
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(name=name, type=kind) for name, kind in report.columns]),
        "live_rows": report.live_rows,
        "deleted_rows": report.deleted_rows,
    }


KEY_UNIQUE_CHECK = "key_unique"
REJECTED_ROWS_CHECK = "no_rejected_rows"


def table_check_specs(key: dg.AssetKey, *, unique: str, rejected: str) -> list[dg.AssetCheckSpec]:
    """The checks every warehouse table asset carries; ``unique`` / ``rejected`` say what they count."""
    return [
        dg.AssetCheckSpec(KEY_UNIQUE_CHECK, asset=key, description=f"Exactly one row per {unique}."),
        dg.AssetCheckSpec(REJECTED_ROWS_CHECK, asset=key,
                          description=f"Records of {rejected} that could not be loaded "
                                      "(see intacct_meta.rejected_rows)."),
    ]


def table_check_results(duplicate_keys: int, rejected_rows: int,
                        **rejected_metadata: object) -> list[dg.AssetCheckResult]:
    """Key uniqueness fails the check; rejected rows only warn (the rest of the data loaded)."""
    return [
        dg.AssetCheckResult(check_name=KEY_UNIQUE_CHECK, passed=duplicate_keys == 0,
                            metadata={"duplicate_keys": duplicate_keys}),
        dg.AssetCheckResult(check_name=REJECTED_ROWS_CHECK, passed=rejected_rows == 0,
                            severity=dg.AssetCheckSeverity.WARN,
                            metadata={"rejected_rows": rejected_rows, **rejected_metadata}),
    ]
