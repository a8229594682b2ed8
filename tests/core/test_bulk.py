"""``insert_rows``: COPY on PostgreSQL, executemany elsewhere, the same rows either way."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Table, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.core.bulk import insert_rows
from app.core.database_errors import took_a_unique_value
from app.core.ids import new_id
from app.models import Event, Partner

EVENTS: Table = Event.__table__  # type: ignore[assignment]
PARTNERS: Table = Partner.__table__  # type: ignore[assignment]


def partner_row(slug: str) -> dict[str, object]:
    now = datetime.now(UTC)
    return {
        "id": new_id("par"),
        "name": f"Cluster {slug}",
        "slug": slug,
        "status": "active",
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }


async def test_rows_arrive_as_an_insert_would_write_them(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session, session.begin():
        partner = partner_row("bulk")
        await insert_rows(session, PARTNERS, [partner])
        rows = [
            {
                "id": new_id("evt"),
                "type": "offer.created",
                "partner_id": partner["id"],
                "organization_id": None,
                "actor": {"kind": "partner", "id": "key_1"},
                "data": {"object": {"title": "Näherei", "skills": ["textile.sewing"]}},
                "created_at": datetime(2026, 11, 29, 12, 0, tzinfo=UTC),
            }
            for _ in range(3)
        ]
        await insert_rows(session, EVENTS, rows)
        stored = (
            (
                await session.execute(
                    select(Event).where(Event.partner_id == partner["id"]).order_by(Event.seq)
                )
            )
            .scalars()
            .all()
        )
    assert [event.id for event in stored] == [row["id"] for row in rows]
    assert stored[0].data == {"object": {"title": "Näherei", "skills": ["textile.sewing"]}}
    assert stored[0].actor == {"kind": "partner", "id": "key_1"}
    assert stored[0].created_at == datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


async def test_a_taken_unique_value_raises_an_integrity_error(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session, session.begin():
        await insert_rows(session, PARTNERS, [partner_row("taken")])
        with pytest.raises(IntegrityError) as raised:
            async with session.begin_nested():
                await insert_rows(session, PARTNERS, [partner_row("free"), partner_row("taken")])
        assert took_a_unique_value(raised.value)
        # The savepoint rolled back the whole statement, and the transaction goes on.
        slugs = await session.scalars(
            select(Partner.slug).where(Partner.slug.in_(["free", "taken"]))
        )
        assert sorted(slugs) == ["taken"]


async def test_other_database_errors_come_as_sqlalchemy_errors(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """A slug longer than its column: PostgreSQL refuses it (a data error, not a
    constraint), SQLite does not check lengths."""
    row = partner_row("x" * 100)
    async with session_factory() as session, session.begin():
        if session.get_bind().dialect.name == "postgresql":
            with pytest.raises(DBAPIError) as raised:
                async with session.begin_nested():
                    await insert_rows(session, PARTNERS, [row])
            assert not isinstance(raised.value, IntegrityError)
            assert getattr(raised.value.orig, "sqlstate", None) == "22001"
        else:
            await insert_rows(session, PARTNERS, [row])


async def test_rows_as_the_first_statement_stay_in_the_transaction(engine: AsyncEngine) -> None:
    """SQLAlchemy sends BEGIN with a transaction's first statement: a COPY sent before it
    would commit on its own, and survive the rollback."""
    partner = partner_row("bulk-first")
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        await insert_rows(session, PARTNERS, [partner])
        await session.rollback()
    async with sessions() as session:
        assert await session.scalar(select(Partner.id).where(Partner.id == partner["id"])) is None
