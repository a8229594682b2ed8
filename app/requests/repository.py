from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import select, update

from app.market.repository import MarketRepository
from app.models import CapacityRequest
from app.requests.rules import OPEN_STATUSES


class RequestRepository(MarketRepository[CapacityRequest]):
    model = CapacityRequest
    end_column = "needed_by"
    open_statuses = OPEN_STATUSES

    async def current(self, request_ids: Collection[str]) -> Sequence[CapacityRequest]:
        """These requests as the database has them now (also after set-based updates)."""
        statement = (
            select(CapacityRequest)
            .where(CapacityRequest.id.in_(request_ids))
            .order_by(CapacityRequest.id)
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(statement)).all()

    async def cancel_all_of_organization(self, organization_id: str, *, now: datetime) -> list[str]:
        """Cancel the organisation's open requests; returns their ids."""
        result = await self.session.execute(
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
            .returning(CapacityRequest.id)
            .execution_options(synchronize_session=False)
        )
        return sorted(result.scalars())
