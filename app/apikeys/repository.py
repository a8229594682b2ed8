from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import utcnow
from app.core.pagination import PageParams, paginate
from app.models import ApiKey


class ApiKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, key: ApiKey) -> ApiKey:
        self.session.add(key)
        await self.session.flush()
        return key

    async def get(
        self, key_id: str, *, partner_id: str, organization_id: str | None
    ) -> ApiKey | None:
        statement = select(ApiKey).where(
            ApiKey.id == key_id,
            ApiKey.partner_id == partner_id,
            ApiKey.organization_id.is_(None)
            if organization_id is None
            else ApiKey.organization_id == organization_id,
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def list_page(
        self, *, partner_id: str, organization_id: str | None, page: PageParams
    ) -> Sequence[ApiKey]:
        statement = select(ApiKey).where(
            ApiKey.partner_id == partner_id,
            ApiKey.organization_id.is_(None)
            if organization_id is None
            else ApiKey.organization_id == organization_id,
        )
        return (await self.session.execute(paginate(statement, ApiKey.id, page))).scalars().all()

    async def revoke_all_of_organization(self, organization_id: str) -> None:
        keys = await self.session.execute(
            select(ApiKey).where(
                ApiKey.organization_id == organization_id, ApiKey.revoked_at.is_(None)
            )
        )
        now = utcnow()
        for key in keys.scalars():
            key.revoked_at = now
        await self.session.flush()
