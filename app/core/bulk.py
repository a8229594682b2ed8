"""Many new rows into one table, in the session's transaction, as fast as the database
takes them: an import's chunk of offers and their outbox events.

On PostgreSQL the rows go as one binary ``COPY`` on the session's connection (through
the session while its transaction has sent no statement yet: ``app.core.driver``): no
SQL text to build and plan, no parameter lists, one round trip. Through SQLAlchemy's
executemany the same rows spent more time in statement execution (parameter processing,
multi-row statements of 13,000 parameters each) than the database spent storing them.
COPY fires the same triggers and checks the same constraints as INSERT. Elsewhere
(SQLite) one executemany.

The values are processed by the columns' types as an INSERT would process them (JSON
serialised, time zones checked), so callers pass what they would pass to ``insert()``.
A constraint the rows break raises SQLAlchemy's ``IntegrityError`` as an INSERT would, any
other database error its ``DBAPIError`` (so a lost connection still reads as 503).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import CodeList
from app.core.driver import bind_processor, driver_of, translated

# (position of the value in a record, what the column's type does to it)
Processors = list[tuple[int, Callable[[Any], Any]]]


async def insert_rows(
    session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert ``rows`` (each with the same keys) into ``table``."""
    if not rows:
        return
    connection = await session.connection()
    dialect = connection.dialect
    driver = await driver_of(connection)
    if driver is None:  # SQLite, or a transaction SQLAlchemy has not begun on the driver yet
        await connection.execute(insert(table), list(rows))
        return
    keys = list(rows[0])
    processors = _processors(table, keys, dialect)
    records = []
    for row in rows:
        values = [row[key] for key in keys]
        for position, process in processors:
            values[position] = process(values[position])
        records.append(tuple(values))
    try:
        await driver.copy_records_to_table(
            table.name, columns=keys, records=records, schema_name=table.schema
        )
    except Exception as exc:  # as SQLAlchemy wraps it: the handlers read sqlstate
        raise await translated(connection, driver, f"COPY {table.name}", exc) from exc


_PROCESSORS: dict[tuple[str, tuple[str, ...], str], Processors] = {}


def _processors(table: Table, keys: list[str], dialect: Dialect) -> Processors:
    """The bind processing of the keys' column types for this dialect, where there is any."""
    cache_key = (table.fullname, tuple(keys), dialect.name)
    found = _PROCESSORS.get(cache_key)
    if found is None:
        found = []
        for position, key in enumerate(keys):
            column_type = table.c[key].type
            if isinstance(column_type, CodeList):
                # COPY's text[] encoder takes the list of codes as it is; the type's
                # processing (a copy of the list, then one of each item) cost a tenth of
                # an import's time.
                continue
            process = bind_processor(column_type, dialect)
            if process is not None:
                found.append((position, process))
        _PROCESSORS[cache_key] = found
    return found
