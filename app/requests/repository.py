from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.lifecycle import status_clause
from app.core.listing import MarketFilters, apply_market_filters
from app.core.pagination import PageParams, paginate
from app.core.security import Principal
from app.core.tenancy import owned_clause, visible_clause
from app.models import CapacityRequest
from app.requests.rules import OPEN_STATUSES


class RequestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    async def get_visible(self, request_id: str, principal: Principal) -> CapacityRequest | None:
        statement = select(CapacityRequest).where(
            CapacityRequest.id == request_id, visible_clause(CapacityRequest, principal)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def get_owned_for_update(
        self, request_id: str, principal: Principal
    ) -> CapacityRequest | None:
        statement = (
            select(CapacityRequest)
            .where(CapacityRequest.id == request_id, owned_clause(CapacityRequest, principal))
            .with_for_update()
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def add(self, request: CapacityRequest) -> CapacityRequest:
        self.session.add(request)
        await self.session.flush()
        return request

    async def list_page(
        self, *, principal: Principal, filters: MarketFilters, page: PageParams, on: date
    ) -> Sequence[CapacityRequest]:
        statement = apply_market_filters(
            select(CapacityRequest),
            CapacityRequest,
            dialect=self.dialect,
            principal=principal,
            filters=filters,
            status_clause=status_clause(
                filters.statuses,
                status_column=CapacityRequest.status,
                end_column=CapacityRequest.needed_by,
                open_statuses=OPEN_STATUSES,
                on=on,
            ),
        )
        result = await self.session.execute(paginate(statement, CapacityRequest.id, page))
        return result.scalars().all()

    async def cancel_all_of_organization(self, organization_id: str, *, now: datetime) -> None:
        await self.session.execute(
            update(CapacityRequest)
            .where(
                CapacityRequest.organization_id == organization_id,
                CapacityRequest.status.in_(OPEN_STATUSES),
            )
            .values(
                status="cancelled",
                closed_at=now,
                updated_at=now,
                version=CapacityRequest.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
