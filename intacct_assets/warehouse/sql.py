"""Safe SQL identifiers and the mapping from catalog column types to DuckDB types.

Object, table and column names come from file headers and user YAML: they are never
interpolated into SQL unquoted.
"""

from __future__ import annotations

import re

_SAFE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_FORBIDDEN_IN_COLUMN = re.compile(r"[\x00-\x1f\x7f]")

DUCKDB_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DECIMAL(38,10)",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "boolean": "BOOLEAN",
}


class UnsafeIdentifierError(ValueError):
    """A name cannot be used as a SQL identifier (control characters, empty, too long)."""


def quote(name: str) -> str:
    """Quote any column name for DuckDB; reject what no warehouse should store."""
    if not name or len(name) > 255 or _FORBIDDEN_IN_COLUMN.search(name):
        raise UnsafeIdentifierError(f"column name {name!r} is empty, too long or contains control characters")
    return '"' + name.replace('"', '""') + '"'


def table_name(schema: str, table: str) -> str:
    """A fully qualified table name from two lower_snake_case names we generated ourselves."""
    for part in (schema, table):
        if not _SAFE_NAME.match(part):
            raise UnsafeIdentifierError(f"{part!r} is not a safe schema/table name (lower_snake_case only)")
    return f'"{schema}"."{table}"'


def string_literal(value: str) -> str:
    """A SQL string literal, for the rare statements (DDL defaults) that cannot take parameters."""
    return "'" + value.replace("'", "''") + "'"
