"""Every SQL statement of allocation: its own table (capacities come from their domains)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.pagination import PageParams, paginate
from app.models import Allocation


class AllocationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, allocation: Allocation) -> None:
        self.session.add(allocation)
        await self.session.flush()

    async def get(self, allocation_id: str, *, lock: bool = False) -> Allocation | None:
        statement = select(Allocation).where(Allocation.id == allocation_id)
        if lock:
            statement = statement.with_for_update()
        return (await self.session.scalars(statement)).one_or_none()

    async def list_page(self, *, partner_id: str | None, page: PageParams) -> Sequence[Allocation]:
        statement = select(Allocation)
        if partner_id is not None:
            statement = statement.where(Allocation.partner_id == partner_id)
        return (await self.session.scalars(paginate(statement, Allocation.id, page))).all()
