from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import select, update

from app.auth.principal import Principal
from app.market.listing import MarketFilters
from app.market.repository import MarketRepository
from app.market.tenancy import owned_clause
from app.models import CapacityRequest, Organization
from app.requests.rules import OPEN_STATUSES


class RequestRepository(MarketRepository[CapacityRequest]):
    model = CapacityRequest
    end_column = "needed_by"
    open_statuses = OPEN_STATUSES
    export_kind = "requests"
    export_columns: ClassVar[Mapping[str, Any]] = {
        "id": CapacityRequest.id,
        "external_ref": CapacityRequest.external_ref,
        "organization_id": CapacityRequest.organization_id,
        "organization_external_ref": Organization.external_ref,
        "title": CapacityRequest.title,
        "description": CapacityRequest.description,
        "skills": CapacityRequest.skills,
        "products": CapacityRequest.products,
        "quantity": CapacityRequest.quantity,
        "unit": CapacityRequest.unit,
        "needed_by": CapacityRequest.needed_by,
        "location.lat": CapacityRequest.lat,
        "location.lon": CapacityRequest.lon,
        "max_distance_km": CapacityRequest.max_distance_km,
        "required_certifications": CapacityRequest.required_certifications,
        "preferred_certifications": CapacityRequest.preferred_certifications,
        "visibility": CapacityRequest.visibility,
        "status": CapacityRequest.status,
    }

    async def owned_open(
        self,
        *,
        principal: Principal,
        filters: MarketFilters,
        request_ids: Collection[str] | None,
        limit: int,
        on: date,
    ) -> Sequence[CapacityRequest]:
        """Open requests the caller owns (the admin: every one), by filter and/or ids, in
        id order, at most ``limit``."""
        statement = self._filtered(
            select(CapacityRequest), principal=principal, filters=filters, on=on
        )
        if not principal.is_admin:
            statement = statement.where(owned_clause(CapacityRequest, principal))
        if request_ids is not None:
            statement = statement.where(CapacityRequest.id.in_(request_ids))
        statement = statement.order_by(CapacityRequest.id).limit(limit)
        return (await self.session.scalars(statement)).all()

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
