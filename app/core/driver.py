"""The hottest single statements, sent on PostgreSQL's driver: compiled once, run as
asyncpg prepared statements on the session's own connection (so in its transaction).

Through SQLAlchemy every execution pays for its machinery: the compiled-cache lookup,
parameter processing, the adapter's cursor, a greenlet switch each way and a result
object. For a one-row read or an outbox insert that machinery cost more CPU than the
database spent on the statement (bench/request_cost.py). Here the statement is compiled
once per process, its parameters go through the same type processing as they would
through SQLAlchemy, and asyncpg's own statement cache keeps it prepared per connection.

Elsewhere (SQLite), and whenever the driver cannot be used safely (a transaction that
SQLAlchemy has not begun on the connection yet: BEGIN goes lazily with its first
statement), the same Core statement runs through the session. One statement, two ways
to send it, the same rows and errors either way: a constraint raises SQLAlchemy's
``IntegrityError``, a lost connection a ``DBAPIError`` marked invalidated (503).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy import Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.selectable import Select

Process = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement as PostgreSQL's driver takes it: ``$n`` text and how to fill it."""

    sql: str
    compiled: Any  # SQLAlchemy's Compiled: fills in the statement's own bound values
    names: tuple[str, ...]  # the parameter of each ``$n``, in order
    binds: tuple[tuple[int, Process], ...]  # (position, type processing) where there is any

    def arguments(self, parameters: Mapping[str, Any]) -> list[Any]:
        values = self.compiled.construct_params(parameters)
        arguments = [values[name] for name in self.names]
        for position, process in self.binds:
            arguments[position] = process(arguments[position])
        return arguments


@dataclass(frozen=True, slots=True)
class _Rows:
    """How a select's records become rows: each column's type processing (chosen, as
    SQLAlchemy chooses it, by the type the database reports) and a named tuple."""

    results: tuple[tuple[int, Process], ...]
    row: Callable[..., Any]

    def of(self, record: asyncpg.Record) -> Any:
        values = list(record)
        for position, process in self.results:
            values[position] = process(values[position])
        return self.row(*values)


class Prepared:
    """A Core statement (a one-row ``select``, or an ``insert``/``update``/``delete``) with
    named ``bindparam``s, sent on the driver where it can be."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: _Compiled | None = None
        self._rows: _Rows | None = None

    def compiled_for(self, dialect: Dialect) -> _Compiled:
        found = self._compiled
        if found is None:
            found = self._compiled = _compile(self.statement, dialect)
        return found

    async def rows_for(self, driver: asyncpg.Connection, dialect: Dialect) -> _Rows:
        found = self._rows
        if found is None:
            assert isinstance(self.statement, Select), "only a select has rows"
            columns = list(self.statement.selected_columns)
            # The database's type of each result column, as SQLAlchemy passes it to pick a
            # processor (a float column needs none, a numeric one a conversion).
            attributes = (await driver.prepare(self.compiled_for(dialect).sql)).get_attributes()
            results = tuple(
                (position, process)
                for position, (column, attribute) in enumerate(
                    zip(columns, attributes, strict=True)
                )
                if (
                    process := column.type.dialect_impl(dialect).result_processor(
                        dialect, attribute.type.oid
                    )
                )
                is not None
            )
            row = namedtuple("Row", [column.key for column in columns])  # type: ignore[misc]
            found = self._rows = _Rows(results, row)
        return found


def _compile(statement: Executable, dialect: Dialect) -> _Compiled:
    assert isinstance(statement, ClauseElement)
    compiled: Any = statement.compile(dialect=dialect)
    if compiled.literal_execute_params or compiled.post_compile_params:
        # Expanding IN lists and literal-execute values change the text per call.
        raise ValueError("a prepared statement needs a fixed text: no expanding parameters")
    computed = [column.key for column in (*compiled.insert_prefetch, *compiled.update_prefetch)]
    if computed:
        # SQLAlchemy computes these columns' Python-side defaults (``default=``,
        # ``onupdate=``) per execution; the driver would send NULL in their place.
        raise ValueError(f"give these columns a value in the statement: {', '.join(computed)}")
    names = tuple(compiled.positiontup or ())
    binds = tuple(
        (position, process)
        for position, name in enumerate(names)
        if (process := bind_processor(compiled.binds[name].type, dialect)) is not None
    )
    return _Compiled(str(compiled), compiled, names, binds)


def bind_processor(column_type: Any, dialect: Dialect) -> Process | None:
    """What ``column_type`` does to a value it binds on ``dialect`` (None: nothing)."""
    process: Process | None = column_type.dialect_impl(dialect).bind_processor(dialect)
    return process


async def execute(session: AsyncSession, prepared: Prepared, parameters: Mapping[str, Any]) -> int:
    """Run ``prepared`` (a write) with ``parameters`` in the session's transaction; the
    number of rows it wrote (a conditional UPDATE's 0 says its condition failed)."""
    connection = await _flushed_connection(session)
    driver = await driver_of(connection)
    if driver is None:
        result: Any = await connection.execute(prepared.statement, dict(parameters))
        return int(result.rowcount)
    compiled = prepared.compiled_for(connection.dialect)
    arguments = compiled.arguments(parameters)
    try:
        status: str = await driver.execute(compiled.sql, *arguments)
    except Exception as exc:
        raise await translated(connection, driver, compiled.sql, exc) from exc
    return _rows_written(status)


def _rows_written(status: str) -> int:
    """The row count of PostgreSQL's command tag: ``UPDATE 3``, ``DELETE 0``, ``INSERT 0 1``."""
    count = status.rsplit(" ", 1)[-1]
    return int(count) if count.isdigit() else 0


async def fetch_one(
    session: AsyncSession, prepared: Prepared, parameters: Mapping[str, Any]
) -> Any | None:
    """The first row of ``prepared`` (a select) with ``parameters``, or None. The row's
    columns read as attributes, processed by their types as SQLAlchemy's rows are."""
    connection = await _flushed_connection(session)
    driver = await driver_of(connection)
    if driver is None:
        return (await connection.execute(prepared.statement, dict(parameters))).first()
    compiled = prepared.compiled_for(connection.dialect)
    arguments = compiled.arguments(parameters)
    try:
        rows = await prepared.rows_for(driver, connection.dialect)
        record = await driver.fetchrow(compiled.sql, *arguments)
    except Exception as exc:
        raise await translated(connection, driver, compiled.sql, exc) from exc
    return None if record is None else rows.of(record)


async def fetch_all(
    session: AsyncSession, prepared: Prepared, parameters: Mapping[str, Any]
) -> list[Any]:
    """Every row of ``prepared`` (a select) with ``parameters``, as ``fetch_one`` reads one."""
    connection = await _flushed_connection(session)
    driver = await driver_of(connection)
    if driver is None:
        return list((await connection.execute(prepared.statement, dict(parameters))).all())
    compiled = prepared.compiled_for(connection.dialect)
    arguments = compiled.arguments(parameters)
    try:
        rows = await prepared.rows_for(driver, connection.dialect)
        records = await driver.fetch(compiled.sql, *arguments)
    except Exception as exc:
        raise await translated(connection, driver, compiled.sql, exc) from exc
    return [rows.of(record) for record in records]


async def _flushed_connection(session: AsyncSession) -> AsyncConnection:
    """The session's connection, with its pending ORM changes sent first: the statement
    must see them, as any statement through the session would (autoflush)."""
    if session.autoflush and (session.new or session.dirty or session.deleted):
        await session.flush()
    return await session.connection()


async def driver_of(connection: AsyncConnection) -> asyncpg.Connection | None:
    """The asyncpg connection under ``connection`` when a statement may go straight to it.

    SQLAlchemy's adapter sends BEGIN with the first statement of a transaction, not when
    the transaction begins; before that first statement the driver would run outside it.
    So when the driver goes first, the adapter is asked to begin as it would for its own
    first statement (same isolation level, and its COMMIT or ROLLBACK ends it). Should a
    SQLAlchemy release no longer have that method, the statement goes through the session.
    """
    if connection.dialect.name != "postgresql":
        return None
    raw = await connection.get_raw_connection()
    driver: asyncpg.Connection = raw.driver_connection
    adapter: Any = raw.dbapi_connection
    if adapter.autocommit or driver.is_in_transaction():
        return driver
    begin = getattr(adapter, "_start_transaction", None)
    mutex = getattr(adapter, "_execute_mutex", None)
    if begin is None or mutex is None or getattr(adapter, "_transaction", True) is not None:
        return None
    try:
        async with mutex:
            await begin()
    except Exception as exc:
        raise await translated(connection, driver, "BEGIN", exc) from exc
    return driver if driver.is_in_transaction() else None


async def translated(
    connection: AsyncConnection, driver: asyncpg.Connection, sql: str, exc: Exception
) -> Exception:
    """``exc`` as SQLAlchemy raises it, so the error handlers read it the same way; a
    connection the error left closed is invalidated, so the pool never hands it out again."""
    gone = driver.is_closed() or isinstance(exc, OSError)
    if gone:
        await connection.invalidate(exc)
    adapted = connection.dialect.loaded_dbapi.Error
    if isinstance(exc, adapted):  # raised through SQLAlchemy's adapter (its BEGIN)
        return DBAPIError.instance(sql, None, exc, adapted, connection_invalidated=gone)
    if isinstance(exc, asyncpg.IntegrityConstraintViolationError):
        return IntegrityError(sql, None, exc)
    if isinstance(
        exc, asyncpg.PostgresError | asyncpg.InterfaceError | asyncpg.InternalClientError | OSError
    ):
        return DBAPIError(sql, None, exc, connection_invalidated=gone)
    return exc
