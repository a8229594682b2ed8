"""``app.core.driver``: statements sent on PostgreSQL's driver read and write what the
same statement through SQLAlchemy would, in the session's transaction, with SQLAlchemy's
errors; elsewhere the statement goes through the session."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from sqlalchemy import Table, bindparam, delete, event, insert, select, text, update
from sqlalchemy.dialects.postgresql import asyncpg
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.core import driver
from app.core.database_errors import is_database_unavailable, took_a_unique_value
from app.core.driver import Prepared
from app.core.ids import new_id
from app.models import Event, Partner

EVENTS = cast(Table, Event.__table__)
PARTNERS = cast(Table, Partner.__table__)
_COLUMNS = ("id", "type", "partner_id", "organization_id", "actor", "data", "created_at")
APPEND = Prepared(insert(EVENTS).inline().values({name: bindparam(name) for name in _COLUMNS}))
EVENT_BY_ID = Prepared(select(EVENTS).where(EVENTS.c.id == bindparam("event_id")))
EVENTS_OF_PARTNER = Prepared(
    select(EVENTS.c.id, EVENTS.c.data)
    .where(EVENTS.c.partner_id == bindparam("partner_id"))
    .order_by(EVENTS.c.id)
)
ADD_PARTNER = Prepared(
    insert(PARTNERS)
    .inline()
    .values({name: bindparam(name) for name in ("id", "name", "slug", "created_at")})
    # a value of the statement itself, not a parameter: filled in on every call
    .values(status="active", updated_at=bindparam("created_at"), version=1)
)
RENAME_ACTIVE_PARTNER = Prepared(
    update(PARTNERS)
    .where(PARTNERS.c.id == bindparam("partner_id"), PARTNERS.c.status == "active")
    .values(name=bindparam("name"), version=PARTNERS.c.version + 1, updated_at=bindparam("at"))
)
WHEN = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def event_row(partner_id: str) -> dict[str, Any]:
    return {
        "id": new_id("evt"),
        "type": "offer.created",
        "partner_id": partner_id,
        "organization_id": None,
        "actor": {"kind": "partner", "key_id": "key_1"},
        "data": {"object": {"title": "Näherei", "skills": ["textile.sewing"]}},
        "created_at": WHEN,
    }


def partner_row(slug: str) -> dict[str, Any]:
    return {"id": new_id("par"), "name": f"Cluster {slug}", "slug": slug, "created_at": WHEN}


async def test_a_row_written_and_read_on_the_driver_is_the_row_sqlalchemy_sees(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session, session.begin():
        partner = partner_row("driver")
        await driver.execute(session, ADD_PARTNER, partner)
        row = event_row(partner["id"])
        await driver.execute(session, APPEND, row)

        stored = await session.scalar(select(Event).where(Event.id == row["id"]))
        assert stored is not None
        assert (stored.data, stored.actor, stored.created_at) == (
            row["data"],
            row["actor"],
            WHEN,
        )
        read = await driver.fetch_one(session, EVENT_BY_ID, {"event_id": row["id"]})
        assert read is not None
        # Columns as attributes, processed by their types: JSON decoded, times in UTC.
        assert (read.id, read.type, read.data, read.actor) == (
            row["id"],
            "offer.created",
            row["data"],
            row["actor"],
        )
        assert read.created_at == WHEN
        assert read.created_at.utcoffset() is not None
        assert read.seq == stored.seq
        assert await driver.fetch_one(session, EVENT_BY_ID, {"event_id": "evt_none"}) is None
        # The statement's own values go in with the caller's.
        assert (
            await session.execute(
                select(Partner.status, Partner.version).where(Partner.id == partner["id"])
            )
        ).one() == ("active", 1)


async def test_every_row_comes_back_in_order_processed_by_its_types(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session, session.begin():
        partner = partner_row("driver-all")
        await driver.execute(session, ADD_PARTNER, partner)
        rows = sorted((event_row(partner["id"]) for _ in range(3)), key=lambda row: row["id"])
        for row in rows:
            await driver.execute(session, APPEND, row)
        read = await driver.fetch_all(session, EVENTS_OF_PARTNER, {"partner_id": partner["id"]})
        assert [(r.id, r.data) for r in read] == [(row["id"], row["data"]) for row in rows]
        assert await driver.fetch_all(session, EVENTS_OF_PARTNER, {"partner_id": "par_x"}) == []


async def test_the_sessions_pending_objects_are_flushed_first(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """As through the session (autoflush): a statement sees the objects added before it."""
    async with session_factory() as session, session.begin():
        partner = partner_row("driver-flush")
        session.add(Partner(**partner, status="active"))
        row = event_row(partner["id"])
        await driver.execute(session, APPEND, row)
        assert not session.new
        read = await driver.fetch_all(session, EVENTS_OF_PARTNER, {"partner_id": partner["id"]})
        assert [r.id for r in read] == [row["id"]]
        with session.no_autoflush:
            session.add(Partner(**partner_row("driver-unflushed"), status="active"))
            await driver.fetch_one(session, EVENT_BY_ID, {"event_id": row["id"]})
            assert session.new


async def test_a_write_says_how_many_rows_it_wrote(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """A conditional UPDATE tells a refusal (0 rows) from a change (1 row): holds rely on it."""
    async with session_factory() as session, session.begin():
        partner = partner_row("driver-count")
        assert await driver.execute(session, ADD_PARTNER, partner) == 1
        renamed = {"partner_id": partner["id"], "name": "Renamed", "at": WHEN}
        assert await driver.execute(session, RENAME_ACTIVE_PARTNER, renamed) == 1
        missing = {"partner_id": "par_none", "name": "Nobody", "at": WHEN}
        assert await driver.execute(session, RENAME_ACTIVE_PARTNER, missing) == 0
        await session.execute(
            update(Partner).where(Partner.id == partner["id"]).values(status="suspended")
        )
        assert await driver.execute(session, RENAME_ACTIVE_PARTNER, renamed) == 0
        stored = (
            await session.execute(
                select(Partner.name, Partner.version).where(Partner.id == partner["id"])
            )
        ).one()
        assert tuple(stored) == ("Renamed", 2)


async def test_a_first_statement_still_runs_in_the_sessions_transaction(
    engine: AsyncEngine,
) -> None:
    """SQLAlchemy begins lazily: before its first statement the connection is in no
    transaction, and a write straight on the driver would commit on its own."""
    partner = partner_row("lazy-begin")
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    through_sqlalchemy: list[str] = []

    def record(*args: object) -> None:
        through_sqlalchemy.append(str(args[2]))

    async with sessions() as session:
        event.listen(engine.sync_engine, "before_cursor_execute", record)
        try:
            await driver.execute(session, ADD_PARTNER, partner)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", record)
        await session.rollback()
    # On PostgreSQL the driver begins the transaction itself and sends the first statement
    # (nothing through SQLAlchemy); elsewhere the statement goes through the session.
    assert bool(through_sqlalchemy) == (engine.dialect.name != "postgresql")
    async with sessions() as session:
        assert await session.scalar(select(Partner.id).where(Partner.id == partner["id"])) is None
        await driver.execute(session, ADD_PARTNER, partner)
        await session.commit()
    try:
        async with sessions() as session:
            assert await session.scalar(select(Partner.slug).where(Partner.id == partner["id"]))
    finally:
        async with sessions() as session, session.begin():
            await session.execute(delete(Partner).where(Partner.id == partner["id"]))


async def test_a_taken_unique_value_raises_an_integrity_error(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session, session.begin():
        taken = partner_row("driver-taken")
        await driver.execute(session, ADD_PARTNER, taken)
        with pytest.raises(IntegrityError) as raised:
            async with session.begin_nested():
                await driver.execute(session, ADD_PARTNER, {**taken, "id": new_id("par")})
        assert took_a_unique_value(raised.value)
        slugs = await session.scalars(select(Partner.id).where(Partner.slug == "driver-taken"))
        assert list(slugs) == [taken["id"]]


async def test_other_database_errors_come_as_sqlalchemy_errors(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """A slug longer than its column: PostgreSQL refuses it, SQLite does not check."""
    async with session_factory() as session, session.begin():
        if session.get_bind().dialect.name != "postgresql":
            await driver.execute(session, ADD_PARTNER, partner_row("x" * 100))
            return
        with pytest.raises(DBAPIError) as raised:
            async with session.begin_nested():
                await driver.execute(session, ADD_PARTNER, partner_row("x" * 100))
        assert not isinstance(raised.value, IntegrityError)
        assert getattr(raised.value.orig, "sqlstate", None) == "22001"
        assert not is_database_unavailable(raised.value)


async def terminate_backend_of(
    session: AsyncSession, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """End the server process behind ``session``'s connection (from another session) and
    wait until the connection has noticed."""
    raw = await (await session.connection()).get_raw_connection()
    connection: Any = raw.driver_connection
    async with sessions() as other, other.begin():
        await other.execute(
            text("SELECT pg_terminate_backend(:pid)"), {"pid": connection.get_server_pid()}
        )
    for _ in range(100):  # until the server's goodbye reaches the idle connection
        if connection.is_closed():
            break
        await asyncio.sleep(0.05)


async def test_a_lost_connection_reads_as_unavailable_and_leaves_the_pool(
    engine: AsyncEngine,
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server connection to lose")
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        await terminate_backend_of(session, sessions)
        with pytest.raises(DBAPIError) as raised:
            await driver.fetch_one(session, EVENT_BY_ID, {"event_id": "evt_gone"})
        assert is_database_unavailable(raised.value)
        assert raised.value.connection_invalidated
    # The pool hands out a working connection next.
    async with sessions() as session:
        assert await session.scalar(text("SELECT 1")) == 1


async def test_a_connection_lost_before_its_begin_reads_as_unavailable(
    engine: AsyncEngine,
) -> None:
    """The driver begins the transaction itself when it sends the first statement; a
    connection gone by then fails like any statement would: 503, out of the pool."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server connection to lose")
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        await terminate_backend_of(session, sessions)  # no statement of its own sent yet
        with pytest.raises(DBAPIError) as raised:
            await driver.fetch_one(session, EVENT_BY_ID, {"event_id": "evt_gone"})
        assert is_database_unavailable(raised.value)
        assert raised.value.connection_invalidated
    async with sessions() as session:
        assert await session.scalar(text("SELECT 1")) == 1


def test_a_statement_whose_text_changes_per_call_is_refused() -> None:
    expanding = Prepared(
        select(EVENTS.c.id).where(EVENTS.c.id.in_(bindparam("ids", expanding=True)))
    )
    with pytest.raises(ValueError, match="fixed text"):
        expanding.compiled_for(asyncpg.dialect())  # type: ignore[no-untyped-call]


def test_a_column_sqlalchemy_would_compute_must_be_given() -> None:
    """``updated_at`` has a Python-side ``onupdate``: SQLAlchemy fills it per execution,
    the driver cannot, so a statement that leaves it out is refused, not sent with NULL."""
    leaves_it_out = Prepared(
        update(PARTNERS).where(PARTNERS.c.id == bindparam("partner_id")).values(name="x")
    )
    with pytest.raises(ValueError, match="updated_at"):
        leaves_it_out.compiled_for(asyncpg.dialect())  # type: ignore[no-untyped-call]
    RENAME_ACTIVE_PARTNER.compiled_for(asyncpg.dialect())  # type: ignore[no-untyped-call]
