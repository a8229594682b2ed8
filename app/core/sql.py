"""SQL building blocks for list filters that behave the same on PostgreSQL and SQLite."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text, column, exists, func, or_, select, type_coerce
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import ColumnElement


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def text_contains(columns: list[Any], query: str) -> ColumnElement[bool]:
    """Case-insensitive substring match on any of the columns."""
    pattern = f"%{_escape_like(query)}%"
    return or_(*(col.ilike(pattern, escape="\\") for col in columns))


def array_contains(dialect_name: str, array_column: Any, term: str) -> ColumnElement[bool]:
    """``term`` is an element of a CodeList column (GIN-indexed on PostgreSQL)."""
    if dialect_name == "postgresql":
        return type_coerce(array_column, postgresql.ARRAY(Text)).contains([term])
    element = func.json_each(array_column).table_valued("value").alias("element")
    return exists(select(1).select_from(element).where(column("value") == term))


def code_prefix_match(code_column: Any, code: str) -> ColumnElement[bool]:
    """A code column equals ``code`` or is a descendant of it (``textile`` ~ ``textile.sewing``)."""
    return or_(code_column == code, code_column.like(f"{_escape_like(code)}.%", escape="\\"))
