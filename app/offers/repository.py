"""Every SQL statement about offers, their capacity counters included.

Capacity moves only by conditional or relative UPDATEs, and the offers table's CHECK
(reserved + held <= total) refuses any overbooking that slipped past them. Lock
order, everywhere: the request row, then offer rows (by id), then engagement rows; one
order means two transactions can wait for each other but never deadlock. It is the
order in which closing things happens: a request that closes (locked first) gives up
holds on offers, an offer that closes (locked first) gives up its engagements' holds.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, ClassVar, cast

from sqlalchemy import Row, Table, bindparam, func, select, update

from app.core import driver
from app.core.driver import Prepared
from app.core.sql import id_chunks
from app.market.repository import MarketRepository
from app.models import Engagement, Offer, Organization
from app.offers.rules import OPEN_STATUSES, CapacityChange

_OFFERS = cast(Table, Offer.__table__)
# The hold: the hottest write of the market, built once and sent on the driver.
_HOLD = Prepared(
    update(_OFFERS)
    .where(
        _OFFERS.c.id == bindparam("offer_id"),
        _OFFERS.c.status == "active",
        _OFFERS.c.available_until >= bindparam("on"),
        _OFFERS.c.reserved_quantity + _OFFERS.c.held_quantity + bindparam("quantity")
        <= _OFFERS.c.total_quantity,
    )
    .values(
        held_quantity=_OFFERS.c.held_quantity + bindparam("quantity"),
        version=_OFFERS.c.version + 1,
        updated_at=bindparam("now"),
    )
)


class OfferRepository(MarketRepository[Offer]):
    model = Offer
    end_column = "available_until"
    open_statuses = OPEN_STATUSES
    export_kind = "offers"
    export_columns: ClassVar[Mapping[str, Any]] = {
        "id": Offer.id,
        "external_ref": Offer.external_ref,
        "organization_id": Offer.organization_id,
        "organization_external_ref": Organization.external_ref,
        "title": Offer.title,
        "description": Offer.description,
        "skills": Offer.skills,
        "products": Offer.products,
        "certifications": Offer.certifications,
        "capacity.unit": Offer.capacity_unit,
        "capacity.per_week": Offer.capacity_per_week,
        "capacity.total": Offer.capacity_total,
        "min_order_quantity": Offer.min_order_quantity,
        "lead_time_days": Offer.lead_time_days,
        "available_from": Offer.available_from,
        "available_until": Offer.available_until,
        "location.lat": Offer.lat,
        "location.lon": Offer.lon,
        "service_radius_km": Offer.service_radius_km,
        "visibility": Offer.visibility,
        "status": Offer.status,
    }

    async def offers_claiming(
        self, organization_id: str, codes: Iterable[str]
    ) -> dict[str, list[str]]:
        """Open offers of the organisation that claim any of the certifications."""
        wanted = set(codes)
        rows = await self.session.execute(
            select(Offer.id, Offer.certifications).where(
                Offer.organization_id == organization_id, Offer.status.in_(OPEN_STATUSES)
            )
        )
        claimed: dict[str, list[str]] = {}
        for offer_id, certifications in rows:
            for code in wanted.intersection(certifications or ()):
                claimed.setdefault(code, []).append(offer_id)
        return claimed

    async def current(self, offer_ids: Collection[str]) -> Sequence[Offer]:
        """These offers as the database has them now (also after set-based updates)."""
        statement = (
            select(Offer)
            .where(Offer.id.in_(offer_ids))
            .order_by(Offer.id)
            .execution_options(populate_existing=True)
        )
        return (await self.session.scalars(statement)).all()

    async def close_all_of_organization(self, organization_id: str, *, now: datetime) -> list[str]:
        """Close the organisation's open offers; returns their ids."""
        result = await self.session.execute(
            update(Offer)
            .where(Offer.organization_id == organization_id, Offer.status.in_(OPEN_STATUSES))
            .values(status="closed", closed_at=now, updated_at=now, version=Offer.version + 1)
            .returning(Offer.id)
            .execution_options(synchronize_session=False)
        )
        return sorted(result.scalars())

    # --- capacity -------------------------------------------------------------

    async def hold(self, offer_id: str, quantity: int, *, on: date, now: datetime) -> bool:
        """Add a hold if the offer is active and has the units left; False otherwise.

        One conditional UPDATE: on PostgreSQL concurrent holds queue on the row lock and
        each re-checks the condition against the row as the one before it left it.
        """
        parameters = {"offer_id": offer_id, "on": on, "quantity": quantity, "now": now}
        return await driver.execute(self.session, _HOLD, parameters) == 1

    async def lock(
        self, offer_ids: Sequence[str], *, skip_locked: bool = False
    ) -> Sequence[Row[str, str, date]]:
        """(id, status, available_until) of these offers, their rows locked in id order.

        ``skip_locked`` leaves out rows another transaction holds (it never waits).
        """
        if not offer_ids:
            return []
        statement = (
            select(Offer.id, Offer.status, Offer.available_until)
            .where(Offer.id.in_(offer_ids))
            .order_by(Offer.id)
            .with_for_update(skip_locked=skip_locked)
        )
        return (await self.session.execute(statement)).all()

    async def move(self, offer_id: str, change: CapacityChange, *, now: datetime) -> None:
        """Apply a change to the offer's counters (relative, so concurrent moves add up)."""
        if not (change.held or change.reserved):
            return
        await self.session.execute(
            update(Offer)
            .where(Offer.id == offer_id)
            .values(
                held_quantity=Offer.held_quantity + change.held,
                reserved_quantity=Offer.reserved_quantity + change.reserved,
                version=Offer.version + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )

    async def remaining(self, offer_id: str) -> int:
        row = (
            await self.session.execute(
                select(Offer.total_quantity - Offer.reserved_quantity - Offer.held_quantity).where(
                    Offer.id == offer_id
                )
            )
        ).scalar_one()
        return int(row)

    async def lapsed_holds(self, offer_ids: Sequence[str], now: datetime) -> dict[str, int]:
        """Per offer, units of pending holds past their expiry that no sweep has freed.

        Pending engagements are the ledger behind ``held_quantity``: reads subtract
        what has lapsed so capacity reads free from the moment a hold expires.
        """
        lapsed: dict[str, int] = {}
        for chunk in id_chunks(offer_ids):
            rows = await self.session.execute(
                select(Engagement.offer_id, func.sum(Engagement.quantity))
                .where(
                    Engagement.offer_id.in_(chunk),
                    Engagement.status == "pending",
                    Engagement.expires_at <= now,
                )
                .group_by(Engagement.offer_id)
            )
            lapsed.update((offer_id, int(units)) for offer_id, units in rows)
        return lapsed

    async def capacities(
        self, offer_ids: Collection[str]
    ) -> list[Row[str, str, str, int, int, int]]:
        """(id, partner_id, organization_id, total, remaining, min_order_quantity) per offer;
        remaining is total - reserved - held (lapsed holds count until swept)."""
        rows: list[Row[str, str, str, int, int, int]] = []
        for chunk in id_chunks(sorted(offer_ids)):
            rows += await self.session.execute(
                select(
                    Offer.id,
                    Offer.partner_id,
                    Offer.organization_id,
                    Offer.total_quantity,
                    Offer.total_quantity - Offer.reserved_quantity - Offer.held_quantity,
                    Offer.min_order_quantity,
                ).where(Offer.id.in_(chunk))
            )
        return rows
