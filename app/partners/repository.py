from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.pagination import PageParams, paginate
from app.models import Partner


class PartnerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, partner_id: str) -> Partner | None:
        return await self.session.get(Partner, partner_id)

    async def by_slug(self, slug: str) -> Partner | None:
        found = await self.session.execute(select(Partner).where(Partner.slug == slug))
        return found.scalar_one_or_none()

    async def slug_taken(self, slug: str) -> bool:
        found = await self.session.execute(select(Partner.id).where(Partner.slug == slug))
        return found.first() is not None

    async def add(self, partner: Partner) -> Partner:
        self.session.add(partner)
        await self.session.flush()
        return partner

    async def list_page(self, *, page: PageParams, status: str | None) -> Sequence[Partner]:
        statement = select(Partner)
        if status is not None:
            statement = statement.where(Partner.status == status)
        return (await self.session.execute(paginate(statement, Partner.id, page))).scalars().all()
