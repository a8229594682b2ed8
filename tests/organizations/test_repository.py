"""Organisations read twice in one request: the second read costs no query, and what it
returns is what a query would (the same objects, current in this session)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import OrganizationCertification
from app.organizations.repository import OrganizationRepository
from tests.fixtures.factories import make_organization, make_partner


@contextmanager
def statements(session: AsyncSession) -> Iterator[list[str]]:
    """The SELECTs the block sends."""
    seen: list[str] = []
    engine = session.get_bind()

    def record(*args: object) -> None:
        if str(args[2]).startswith("SELECT"):  # not the savepoints of the test's transaction
            seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_a_second_read_in_one_session_needs_no_query(
    client: httpx.AsyncClient, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    partner = await make_partner(client)
    first = await make_organization(client, partner)
    second = await make_organization(client, partner)
    async with session_factory() as session:
        repository = OrganizationRepository(session)
        with statements(session) as seen:
            loaded = await repository.get_many([first.id])
        assert len(seen) == 2  # the organisation, then its certifications
        (organization,) = loaded
        organization.certifications.append(
            OrganizationCertification(code="iso-9001", verified=False)
        )
        await session.flush()
        with statements(session) as seen:
            again = await repository.get_many([first.id])
        assert seen == []
        assert again == [organization]
        assert "iso-9001" in {c.code for c in again[0].certifications}
        with statements(session) as seen:  # one kept, one read
            both = await repository.get_many([first.id, second.id])
        assert sorted(o.id for o in both) == sorted([first.id, second.id])
        assert len(seen) == 2
        await session.delete(organization)
        await session.flush()
        with statements(session) as seen:
            assert await repository.get_many([first.id]) == []
        assert seen  # deleted here: read again, and not found
    async with session_factory() as session:
        with statements(session) as seen:
            (fresh,) = await OrganizationRepository(session).get_many([second.id])
        assert fresh.id == second.id
        assert len(seen) == 2  # another session keeps nothing of the first
