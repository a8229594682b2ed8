"""Database plumbing: declarative base, engine factory and the per-request session.

One request is one transaction. The session dependency uses FastAPI's
``scope="function"`` so the commit happens after the endpoint returned and its
response was rendered, but *before* anything is sent: a failed commit can never
be reported as a success.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import JSON, DateTime, MetaData, Row, Text, TypeDecorator, event, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql import Executable
from sqlalchemy.util.concurrency import await_, in_greenlet

from app.core.config import Settings
from app.core.json_text import json_text

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class CodeList(TypeDecorator[list[str]]):
    """A list of short codes: ``text[]`` on PostgreSQL (GIN-indexable), JSON on SQLite."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.ARRAY(Text))
        return dialect.type_descriptor(JSON())

    def process_bind_param(self, value: list[str] | None, dialect: Dialect) -> list[str] | None:
        return list(value) if value is not None else None

    def process_result_value(self, value: Any, dialect: Dialect) -> list[str]:
        return list(value) if value else []


SQLITE_BEGIN_OPTION = "sqlite_begin"
SQLITE_WAIT_OPTION = "sqlite_wait_s"  # a writer's own limit on its wait for its turn
WRITE_GATE_INFO = "capmatch.write_gate"
SqlFunction = Callable[..., Any]
_sqlite_functions: dict[str, tuple[int, SqlFunction]] = {}


def register_sqlite_function(name: str, arity: int, function: SqlFunction) -> None:
    """Make a deterministic Python function callable from SQL on SQLite connections.

    Domains call this at start-up (``create_app``) for what SQLite lacks (app.geo's
    distance, for one); plumbing knows no domain. Connections opened earlier get the
    function when they are next checked out of the pool.
    """
    _sqlite_functions[name] = (arity, function)


def _install_sqlite_functions(dbapi_connection: Any, record: Any) -> None:
    installed: set[str] = record.info.setdefault("capmatch_functions", set())
    for name, (arity, function) in _sqlite_functions.items():
        if name not in installed:
            dbapi_connection.create_function(name, arity, function, deterministic=True)
            installed.add(name)


def create_engine(settings: Settings) -> AsyncEngine:
    options = {
        "json_serializer": json_text,
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "pool_timeout": settings.db_pool_timeout_s,
    }
    if settings.is_sqlite:
        engine = create_async_engine(
            settings.database_url,
            connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000},
            **options,
        )
        _configure_sqlite(engine, settings)
        return engine
    return create_async_engine(
        settings.database_url,
        connect_args={"timeout": settings.db_connect_timeout_s},
        **options,
    )


def _configure_sqlite(engine: AsyncEngine, settings: Settings) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        # Take over transaction control from the driver so BEGIN IMMEDIATE and
        # SAVEPOINT work as written (SQLAlchemy's documented pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(settings.sqlite_busy_timeout_ms)}")
        cursor.close()
        _install_sqlite_functions(dbapi_connection, record)

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if len(record.info.get("capmatch_functions", ())) != len(_sqlite_functions):
            _install_sqlite_functions(dbapi_connection, record)

    gate = _WriteGate(settings.sqlite_busy_timeout_ms / 1000)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers begin IMMEDIATE: they take the write lock up front and queue (on the
        # gate, then busy_timeout), where a deferred writer upgrading its read would fail
        # at once with SQLITE_BUSY. Reads (GET/HEAD, the matching feed, probes) opt into
        # DEFERRED (begin_read): in WAL mode they never wait for a writer nor make one wait.
        options = connection.get_execution_options()
        mode = options.get(SQLITE_BEGIN_OPTION, "IMMEDIATE")
        if mode == "IMMEDIATE":
            gate.enter(connection.info, options.get(SQLITE_WAIT_OPTION))
        try:
            connection.exec_driver_sql(f"BEGIN {mode}")
        except BaseException:
            gate.leave(connection.info)
            raise

    # The turn ends with the transaction. The commit event comes just before COMMIT
    # runs, so the next writer may meet the lock for the last millisecond (busy_timeout
    # covers that). A connection that is invalidated or goes back to the pool never
    # keeps a turn.
    @event.listens_for(engine.sync_engine, "commit")
    @event.listens_for(engine.sync_engine, "rollback")
    def _on_end(connection: Any) -> None:
        if not connection.invalidated:  # else its pooled connection is gone: see below
            gate.leave(connection.info)

    @event.listens_for(engine.sync_engine.pool, "checkin")
    @event.listens_for(engine.sync_engine.pool, "invalidate")
    def _on_release(_dbapi_connection: Any, record: Any, *_exception: Any) -> None:
        if record is not None:
            gate.leave(record.info)


class _WriteGate:
    """One SQLite write transaction at a time per process and event loop, in arrival order.

    SQLite's busy handler polls with sleeps of up to 100 ms, so under steady writes a
    waiting writer keeps losing the lock to writers that came later (seconds, at worst
    busy_timeout). Queued here, this process's writers take turns; SQLite's lock still
    orders writers of other processes. Waiting longer than busy_timeout is "database
    is locked", as from SQLite.
    """

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def enter(self, info: dict[Any, Any], timeout_s: float | None = None) -> None:
        """Wait for this connection's turn, at most busy_timeout (or ``timeout_s``, if
        shorter). Called in the begin event, on the greenlet of an async engine; plain
        synchronous use has no loop to queue on."""
        if not in_greenlet() or WRITE_GATE_INFO in info:
            return
        loop = asyncio.get_running_loop()
        lock = self._locks.setdefault(loop, asyncio.Lock())
        timeout_s = self.timeout_s if timeout_s is None else min(timeout_s, self.timeout_s)
        try:
            await_(self._acquire(lock, timeout_s))
        except TimeoutError:
            locked = sqlite3.OperationalError("database is locked")
            raise OperationalError("BEGIN IMMEDIATE", None, locked) from None
        info[WRITE_GATE_INFO] = (loop, lock)

    @staticmethod
    async def _acquire(lock: asyncio.Lock, timeout_s: float) -> None:
        async with asyncio.timeout(timeout_s):
            await lock.acquire()

    @staticmethod
    def leave(info: dict[Any, Any]) -> None:
        held: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = info.pop(
            WRITE_GATE_INFO, None
        )
        if held is None:
            return
        loop, lock = held
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            lock.release()
        elif not loop.is_closed():
            # The garbage collector may check a lost connection in from another thread.
            loop.call_soon_threadsafe(lock.release)


@dataclass
class Database:
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    # GET/HEAD run without BEGIN/COMMIT (two round trips saved). Only for sessions
    # on the engine itself: the tests' per-test transaction must not be autocommitted.
    autocommit_reads: bool = False


def create_database(settings: Settings) -> Database:
    engine = create_engine(settings)
    return Database(
        engine=engine,
        sessionmaker=async_sessionmaker(engine, expire_on_commit=False),
        autocommit_reads=not settings.is_sqlite,
    )


AFTER_COMMIT_INFO = "capmatch.after_commit"
WRITE_AFTER_COMMIT_INFO = "capmatch.write_after_commit"
ANNOUNCE_AFTER_COMMIT_INFO = "capmatch.announce_after_commit"
# The response waits for these writes: past this wait for the write lock's turn (other
# writers queued), a write after commit is skipped rather than making a read slow.
WRITE_AFTER_COMMIT_WAIT_S = 1.0
READ_METHODS = frozenset({"GET", "HEAD"})
READ_OPTIONS = {SQLITE_BEGIN_OPTION: "DEFERRED"}

logger = logging.getLogger("capmatch.db")


async def stream_rows(
    session: AsyncSession, statement: Executable, *, chunk: int
) -> AsyncIterator[Sequence[Row[Any]]]:
    """The rows of ``statement``, ``chunk`` at a time, from a server-side cursor on the
    session's connection (Core rows, no ORM loading): memory stays flat in the row count."""
    connection = await session.connection()
    result = await connection.stream(statement.execution_options(yield_per=chunk))
    try:
        async for rows in result.partitions(chunk):
            yield rows
    finally:
        await result.close()


async def begin_read(session: AsyncSession, **options: Any) -> None:
    """Start ``session``'s transaction as a read: DEFERRED on SQLite, so it takes no
    write lock. A read that writes after all would fail with SQLITE_BUSY under load."""
    await session.connection(execution_options={**READ_OPTIONS, **options})


def after_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the request's transaction has committed (not on rollback)."""
    session.info.setdefault(AFTER_COMMIT_INFO, []).append(callback)


def announce_after_commit(session: AsyncSession, announce: Callable[[], Awaitable[None]]) -> None:
    """Await ``announce`` once the request's transaction has committed (not on rollback),
    before the response is sent: telling other workers what changed."""
    session.info.setdefault(ANNOUNCE_AFTER_COMMIT_INFO, []).append(announce)


def write_after_commit(
    session: AsyncSession, write: Callable[[AsyncSession], Awaitable[None]]
) -> None:
    """Run ``write`` in a short transaction of its own once the request's has committed
    (not on rollback), before the response is sent.

    For bookkeeping that must stay out of the request's transaction: a GET's is a read
    (on SQLite it holds no write lock). Best effort: on SQLite it waits at most
    ``WRITE_AFTER_COMMIT_WAIT_S`` for its turn to write; a failure is logged and the
    response stays as it was.
    """
    session.info.setdefault(WRITE_AFTER_COMMIT_INFO, []).append(write)


async def _run_writes(
    database: Database, writes: list[Callable[[AsyncSession], Awaitable[None]]]
) -> None:
    for write in writes:
        try:
            async with database.sessionmaker() as session:
                wait = {SQLITE_WAIT_OPTION: WRITE_AFTER_COMMIT_WAIT_S}
                await session.connection(execution_options=wait)
                await write(session)
                await session.commit()
        except Exception:
            logger.warning("write after commit failed; it is skipped", exc_info=True)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    database: Database = request.app.state.database
    async with database.sessionmaker() as session:
        request.state.session = session
        read = request.method in READ_METHODS
        autocommit = database.autocommit_reads and read
        if autocommit:
            # Reads here are single statements; they need no transaction of their own.
            await begin_read(session, isolation_level="AUTOCOMMIT")
        elif read:
            await begin_read(session)
        try:
            yield session
        except BaseException:
            session.info.pop(AFTER_COMMIT_INFO, None)
            session.info.pop(ANNOUNCE_AFTER_COMMIT_INFO, None)
            session.info.pop(WRITE_AFTER_COMMIT_INFO, None)
            await session.rollback()
            raise
        else:
            if not autocommit:  # an autocommit connection has nothing left to commit
                await session.commit()
            for callback in session.info.pop(AFTER_COMMIT_INFO, ()):
                callback()
            for announce in session.info.pop(ANNOUNCE_AFTER_COMMIT_INFO, ()):
                await announce()
            await _run_writes(database, session.info.pop(WRITE_AFTER_COMMIT_INFO, []))


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def ping(engine: AsyncEngine) -> None:
    """One trivial statement: raises unless the database answers (readiness probes).

    On SQLite it runs in a deferred transaction, so it never waits for the write lock.
    """
    async with engine.connect() as connection:
        probe = await connection.execution_options(**READ_OPTIONS)
        await probe.execute(text("SELECT 1"))
