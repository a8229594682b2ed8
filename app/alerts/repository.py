"""Every SQL statement of saved searches and alerts."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core.pagination import PageParams, paginate
from app.market.tenancy import owned_clause
from app.models import AlertPair, CapacityRequest, SavedSearch


class SavedSearchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, saved: SavedSearch) -> SavedSearch:
        self.session.add(saved)
        await self.session.flush()
        return saved

    async def get_owned(self, saved_search_id: str, principal: Principal) -> SavedSearch | None:
        statement = select(SavedSearch).where(
            SavedSearch.id == saved_search_id, owned_clause(SavedSearch, principal)
        )
        found: SavedSearch | None = (await self.session.execute(statement)).scalar_one_or_none()
        return found

    async def list_page(self, principal: Principal, page: PageParams) -> Sequence[SavedSearch]:
        statement = select(SavedSearch).where(owned_clause(SavedSearch, principal))
        rows = await self.session.execute(paginate(statement, SavedSearch.id, page))
        return rows.scalars().all()

    async def delete(self, saved: SavedSearch) -> None:
        await self.session.execute(delete(AlertPair).where(AlertPair.subject_id == saved.id))
        await self.session.delete(saved)
        await self.session.flush()

    async def all(self) -> Sequence[SavedSearch]:
        """Every saved search (the alerts build their index of them from this)."""
        return (await self.session.execute(select(SavedSearch))).scalars().all()


async def alert_requests(session: AsyncSession, request_ids: Collection[str]) -> dict[str, Any]:
    """The requests as alerts need them: owner, visibility, threshold and what is wanted."""
    if not request_ids:
        return {}
    statement = select(CapacityRequest).where(CapacityRequest.id.in_(request_ids))
    return {row.id: row for row in (await session.execute(statement)).scalars()}


async def alerted(
    session: AsyncSession, pairs: Collection[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Which of these (subject, offer) pairs were alerted already."""
    if not pairs:
        return set()
    subjects = {subject for subject, _ in pairs}
    offers = {offer for _, offer in pairs}
    statement = select(AlertPair.subject_id, AlertPair.offer_id).where(
        AlertPair.subject_id.in_(subjects), AlertPair.offer_id.in_(offers)
    )
    found = {(row.subject_id, row.offer_id) for row in await session.execute(statement)}
    return found & set(pairs)


async def claim_pair(
    session: AsyncSession, *, subject_id: str, offer_id: str, type: str, now: datetime
) -> bool:
    """Insert the pair unless it is there; True when this insert won.

    ON CONFLICT DO NOTHING: on PostgreSQL a concurrent insert of the same pair waits for
    the first to commit and then inserts nothing, so exactly one transaction wins.
    """
    values = {"subject_id": subject_id, "offer_id": offer_id, "type": type, "created_at": now}
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(AlertPair).values(values).on_conflict_do_nothing()
    result: Any = await session.execute(statement)
    return bool(result.rowcount == 1)


async def release_pair(session: AsyncSession, subject_id: str, offer_id: str) -> None:
    """Forget a pair claimed in this transaction whose alert could not be built."""
    await session.execute(
        delete(AlertPair).where(AlertPair.subject_id == subject_id, AlertPair.offer_id == offer_id)
    )
