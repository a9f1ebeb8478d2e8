"""Turning plain table reports into Dagster materialization metadata."""

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
