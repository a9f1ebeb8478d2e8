"""Column order, types and primary key from Intacct's ``getDdsDdl`` output.

DDS writes files without a header row by default; the DDL is then the only reliable source of
the column order. It is PostgreSQL DDL, parsed with sqlglot rather than by regex.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import expressions as exp

# sqlglot data types → catalog column types; anything else (varchar, float, …) stays text, so a
# value is never rounded or reinterpreted. Catalog types win over these for known columns.
_TYPE_MAP = {
    exp.DataType.Type.INT: "string",  # RECORDNO and other ids stay text: keys compare as text everywhere
    exp.DataType.Type.BIGINT: "string",
    exp.DataType.Type.SMALLINT: "integer",
    exp.DataType.Type.DECIMAL: "decimal",
    exp.DataType.Type.DATE: "date",
    exp.DataType.Type.TIMESTAMP: "timestamp",
    exp.DataType.Type.TIMESTAMPTZ: "timestamp",
    exp.DataType.Type.BOOLEAN: "boolean",
}


class DdlError(ValueError):
    """The DDL text has no usable ``create table`` statement."""


@dataclass(frozen=True)
class DdsTableDdl:
    """One object's DDL: ordered columns with catalog types, and its declared primary key."""

    object: str
    columns: tuple[tuple[str, str], ...]
    primary_key: tuple[str, ...]

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]


def parse_ddl(text: str) -> DdsTableDdl:
    """Parse ``getDdsDdl`` output (``create table`` plus optional ``alter table … primary key``)."""
    try:
        statements = sqlglot.parse(text, read="postgres")
    except sqlglot.errors.ParseError as error:
        raise DdlError(f"DDL is not valid SQL: {error}") from error
    create = next((s for s in statements if isinstance(s, exp.Create) and s.kind == "TABLE"), None)
    if create is None or not isinstance(create.this, exp.Schema):
        raise DdlError("DDL has no 'create table <name> (<columns>)' statement")
    columns = tuple(
        (column.name, _TYPE_MAP.get(column.kind.this, "string") if column.kind else "string")
        for column in create.this.expressions
        if isinstance(column, exp.ColumnDef)
    )
    if not columns:
        raise DdlError("DDL 'create table' lists no columns")
    return DdsTableDdl(object=create.this.this.name.upper(), columns=columns, primary_key=_primary_key(statements))


def _primary_key(statements: list[exp.Expression | None]) -> tuple[str, ...]:
    for statement in statements:
        if statement is None:
            continue
        for key in statement.find_all(exp.PrimaryKey):
            return tuple(identifier.name for identifier in key.expressions)
    return ()
