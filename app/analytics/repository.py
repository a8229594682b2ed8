"""What the situation picture reads: the visible active offers and open requests, with
the columns its figures need (``app.analytics.figures``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Row, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.market.lifecycle import status_clause
from app.market.listing import MarketFilters, apply_market_filters
from app.models import CapacityRequest, Engagement, Offer
from app.offers.rules import OPEN_STATUSES as OFFER_OPEN_STATUSES
from app.requests.rules import OPEN_STATUSES as REQUEST_OPEN_STATUSES

# Units an engagement takes from its request: held (a pending hold not yet lapsed),
# accepted, or delivered.
_TAKING = ("accepted", "fulfilled")


class AnalyticsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    async def offers(
        self, *, principal: Principal, filters: MarketFilters, country: str | None, on: date
    ) -> Sequence[Row[Any]]:
        columns = (
            Offer.region,
            Offer.skills,
            Offer.products,
            Offer.capacity_per_week,
            (Offer.total_quantity - Offer.reserved_quantity - Offer.held_quantity).label(
                "remaining"
            ),
            Offer.available_from,
            Offer.lead_time_days,
            Offer.available_until,
        )
        where = _Where(Offer, "active", Offer.available_until, OFFER_OPEN_STATUSES)
        return await self._read(
            _any(select(*columns)),
            where,
            principal=principal,
            filters=filters,
            country=country,
            on=on,
        )

    async def requests(
        self,
        *,
        principal: Principal,
        filters: MarketFilters,
        country: str | None,
        on: date,
        now: datetime,
    ) -> Sequence[Row[Any]]:
        taking = or_(
            Engagement.status.in_(_TAKING),
            and_(Engagement.status == "pending", Engagement.expires_at > now),
        )
        engaged = (
            select(Engagement.request_id, func.sum(Engagement.quantity).label("units"))
            .where(taking)
            .group_by(Engagement.request_id)
            .subquery()
        )
        columns = (
            CapacityRequest.region,
            CapacityRequest.skills,
            CapacityRequest.products,
            CapacityRequest.quantity,
            func.coalesce(engaged.c.units, 0).label("engaged"),
            CapacityRequest.needed_by,
        )
        joined = select(*columns).outerjoin(engaged, engaged.c.request_id == CapacityRequest.id)
        where = _Where(CapacityRequest, "open", CapacityRequest.needed_by, REQUEST_OPEN_STATUSES)
        return await self._read(
            _any(joined), where, principal=principal, filters=filters, country=country, on=on
        )

    async def _read(
        self,
        statement: Select[Any],
        where: _Where,
        *,
        principal: Principal,
        filters: MarketFilters,
        country: str | None,
        on: date,
    ) -> Sequence[Row[Any]]:
        """``statement``'s rows the caller may see, open, and within the filters."""
        statement = apply_market_filters(
            statement,
            where.model,
            dialect=self.dialect,
            principal=principal,
            filters=filters,
            status_clause=status_clause(
                (where.status,),
                status_column=where.model.status,
                end_column=where.end_column,
                open_statuses=where.open_statuses,
                on=on,
            ),
        )
        if country is not None:
            statement = statement.where(where.model.region.like(f"{country}-%"))
        return list((await self.session.execute(statement)).all())


def _any(statement: Any) -> Select[Any]:
    """A select of several columns as the filters take it (they need no column types)."""
    return cast(Select[Any], statement)


@dataclass(frozen=True, slots=True)
class _Where:
    """Which rows count: of ``model``, reading as ``status`` on the day asked."""

    model: Any
    status: str
    end_column: Any
    open_statuses: tuple[str, ...]
