"""SQL building blocks for list filters that behave the same on PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from typing import Any, TypeVarTuple

from sqlalchemy import (
    Select,
    String,
    Text,
    bindparam,
    case,
    cast,
    column,
    exists,
    func,
    literal,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import ColumnElement

Ts = TypeVarTuple("Ts")

# Ids per statement when a caller names many: PostgreSQL's driver takes at most 32,767
# parameters and SQLite 32,766 (the matching feed's batch after a bulk load of 100k offers).
IDS_PER_STATEMENT = 10_000


def id_chunks(ids: Iterable[str]) -> Iterator[list[str]]:
    """``ids`` in lists of at most ``IDS_PER_STATEMENT``, one per statement's ``IN``."""
    batch = list(ids)
    for start in range(0, len(batch), IDS_PER_STATEMENT):
        yield batch[start : start + IDS_PER_STATEMENT]


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


# How several values share one cell of an export (split again on import).
CELL_SEPARATOR = "; "


def joined_codes(dialect_name: str, array_column: Any) -> ColumnElement[str]:
    """A CodeList column as one text: its codes in order, joined by ``CELL_SEPARATOR``."""
    if dialect_name == "postgresql":
        codes = type_coerce(array_column, postgresql.ARRAY(Text))
        return func.array_to_string(codes, CELL_SEPARATOR)
    # json_each yields the array's elements in order, and group_concat keeps that order.
    element = func.json_each(array_column).table_valued("value").alias("element")
    return (
        select(func.group_concat(element.c.value, CELL_SEPARATOR))
        .select_from(element)
        .scalar_subquery()
    )


def joined_values(
    dialect_name: str, value_column: Any, *where: Any, outer: Any
) -> ColumnElement[str]:
    """The values of ``value_column`` in the rows ``where`` selects (correlated with the
    enclosing query's ``outer`` table), sorted, as one text."""
    if dialect_name == "postgresql":
        ordered = postgresql.aggregate_order_by(literal(CELL_SEPARATOR), value_column)
        return select(func.string_agg(value_column, ordered)).where(*where).scalar_subquery()
    # SQLite has no ORDER BY inside group_concat before 3.44: it reads ordered rows.
    rows = (
        select(value_column.label("value"))
        .where(*where)
        .order_by(value_column)
        .correlate(outer)
        .subquery()
    )
    return select(func.group_concat(rows.c.value, CELL_SEPARATOR)).scalar_subquery()


def csv_line(cells: list[tuple[Any, bool]]) -> ColumnElement[str]:
    """PostgreSQL: one CSV line of ``(expression, is_text)`` cells, as Python's csv module
    writes it (a text quoted only when it holds a comma, quote or line break; NULL empty;
    numbers and dates in their text form, which is ISO for dates and the shortest exact
    form for floats): an export formats a million rows where they are."""
    parts: list[Any] = []
    for index, (expression, is_text) in enumerate(cells):
        if index:
            parts.append(literal(","))
        if is_text:
            quoted = literal('"') + func.replace(expression, '"', '""') + literal('"')
            needs_quotes = expression.op("~")(literal('[",\r\n]'))
            parts.append(case((needs_quotes, quoted), else_=expression))
        else:
            parts.append(cast(expression, Text))
    return func.concat(*parts)


def one_of(
    statement: Select[*Ts], target: Any, values: Collection[str], dialect: str
) -> Select[*Ts]:
    """``statement`` kept to rows whose ``target`` is one of ``values``.

    On PostgreSQL the values are a join with ``unnest`` of one array parameter: the planner
    probes an index on ``target`` once per value whatever the table's statistics say.
    A long ``IN`` list was planned as a scan of the partner's rows when the statistics
    were stale (inside an import that had just added 50k of them: 0.7 s a lookup).
    """
    if dialect != "postgresql":
        return statement.where(target.in_(values))
    wanted = (
        func.unnest(bindparam(None, list(values), type_=postgresql.ARRAY(String())))
        .table_valued("value")
        .render_derived(name="wanted")
    )
    return statement.join(wanted, target == wanted.c.value)
