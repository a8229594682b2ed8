from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from app.market.repository import MarketRepository
from app.models import CapacityRequest
from app.requests.rules import OPEN_STATUSES


class RequestRepository(MarketRepository[CapacityRequest]):
    model = CapacityRequest
    end_column = "needed_by"
    open_statuses = OPEN_STATUSES

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
