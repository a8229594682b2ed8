"""Offers of free capacity: who may post them, what they may claim, how they change."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core.dates import today, utcnow
from app.core.errors import Conflict, FieldError, InvalidInput, NotFound
from app.core.events import publish
from app.core.pagination import PageParams, Window, window
from app.core.schemas import patch_changes
from app.geo.service import region_near
from app.market.export import export_chunks
from app.market.external_refs import ensure_free
from app.market.listing import MarketFilters
from app.models import Offer, Organization
from app.offers.announce import announce
from app.offers.events import OffersWithdrawn
from app.offers.repository import OfferRepository
from app.offers.rules import CapacityChange, effective_status, total_quantity
from app.offers.schemas import OfferRow, OfferUpdate
from app.organizations.acting import acting_organization
from app.organizations.service import held_certifications
from app.tabular.export import Sessions
from app.tabular.writing import Chunks
from app.taxonomy.codes import CodeKind, search_terms
from app.taxonomy.vocabulary import Taxonomy
from app.web.http import check_if_match


class OfferNotFound(NotFound):
    pass


class OfferClosed(Conflict):
    title = "Offer is closed"


class CapacityTaken(Conflict):
    title = "Capacity is booked"


def _check_certifications_held(
    organization: Organization, held: dict[str, date | None], certifications: list[str], *, on: date
) -> None:
    errors = []
    for index, code in enumerate(certifications):
        if code not in held:
            errors.append(
                FieldError(
                    field=f"certifications[{index}]",
                    message=f"{code} is neither held nor in progress at organization "
                    f"{organization.id}; add it to the organisation's certifications first",
                )
            )
            continue
        valid_until = held[code]
        if valid_until is not None and valid_until < on:
            errors.append(
                FieldError(
                    field=f"certifications[{index}]",
                    message=f"the organisation's {code} certificate expired on {valid_until}",
                )
            )
    if errors:
        raise InvalidInput(
            "the offer claims certifications its organisation does not hold", errors=errors
        )


async def _held_certifications(
    session: AsyncSession, organization: Organization, claimed: list[str] | None
) -> dict[str, date | None] | None:
    """The organisation's certificates, read only when the offer sets its claims.

    Claims are checked when they are set: a certificate that expires later must
    not block pausing or editing the offer's other fields. Call this before
    changing the offer (a query after the changes would flush them early).
    """
    if claimed is None:
        return None
    if not claimed:
        return {}
    return await held_certifications(session, organization.id)


def check_codes(
    taxonomy: Taxonomy,
    skills: list[str] | None,
    products: list[str] | None,
    certifications: list[str] | None,
    *,
    current: Offer | None = None,
) -> None:
    """Every code must be known; a deprecated one only where the offer already had it."""
    lists: list[tuple[CodeKind, str, list[str] | None]] = [
        ("skill", "skills", skills),
        ("product", "products", products),
        ("certification", "certifications", certifications),
    ]
    taxonomy.check(
        (kind, name, codes, getattr(current, name) if current is not None else ())
        for kind, name, codes in lists
        if codes is not None
    )


def check_offer(
    offer: Offer,
    organization: Organization,
    *,
    on: date,
    held: dict[str, date | None] | None,
) -> None:
    """Rules on the complete offer, after a create or a merged PATCH (``held``: see above)."""
    if not offer.skills and not offer.products:
        raise InvalidInput.at("skills", "name at least one skill or product")
    if offer.available_until < offer.available_from:
        raise InvalidInput.at("available_until", "must not be before available_from")
    if held is not None:
        _check_certifications_held(organization, held, offer.certifications, on=on)
    total = total_quantity(offer)
    booked = (offer.reserved_quantity or 0) + (offer.held_quantity or 0)
    if total < booked:
        raise CapacityTaken(
            f"Offer {offer.id} has {booked} units reserved or held by engagements; "
            f"its capacity cannot drop to {total}.",
            errors=[FieldError(field="capacity", message=f"must cover the {booked} units booked")],
        )
    offer.total_quantity = total
    offer.search_codes = search_terms(
        [
            ("skill", offer.skills),
            ("product", offer.products),
            ("certification", offer.certifications),
        ]
    )


def export_offers(
    sessions: Sessions, *, principal: Principal, filters: MarketFilters, csv_lines: bool = False
) -> Chunks:
    """Every offer the list would show, as export rows in chunks (read when iterated)."""
    return export_chunks(
        OfferRepository, sessions, principal=principal, filters=filters, csv_lines=csv_lines
    )


async def get_visible_offer(
    session: AsyncSession, *, principal: Principal, offer_id: str
) -> OfferRow:
    offer = await OfferRepository(session).get_visible(offer_id, principal)
    if offer is None:
        raise OfferNotFound(f"Offer {offer_id} not found.")
    return offer


async def get_owned_offer(session: AsyncSession, *, principal: Principal, offer_id: str) -> Offer:
    offer = await OfferRepository(session).get_owned_for_update(offer_id, principal)
    if offer is None:
        raise OfferNotFound(f"Offer {offer_id} not found.")
    return offer


async def list_offers(
    session: AsyncSession, *, principal: Principal, filters: MarketFilters, page: PageParams
) -> Window[Offer]:
    rows = await OfferRepository(session).list_page(
        principal=principal, filters=filters, page=page, on=today()
    )
    return window(rows, page, lambda offer: offer.id)


async def update_offer(
    session: AsyncSession,
    *,
    principal: Principal,
    offer: Offer,
    data: OfferUpdate,
    if_match: str | None,
    taxonomy: Taxonomy,
) -> Offer:
    check_if_match(if_match, offer.version)
    if offer.status == "closed":
        raise OfferClosed(f"Offer {offer.id} is closed; closed offers cannot change.")
    # Load the organisation before touching the offer: a query after the changes would
    # autoflush them and the final flush would bump the version (the ETag) a second time.
    organization = await acting_organization(
        session, principal=principal, organization_id=offer.organization_id
    )
    on = today()
    changes = patch_changes(data)
    check_codes(
        taxonomy,
        changes.get("skills"),
        changes.get("products"),
        changes.get("certifications"),
        current=offer,
    )
    # Every query runs before the offer changes (see above): certificates, region.
    held = await _held_certifications(session, organization, changes.get("certifications"))
    if changes.get("external_ref") is not None:
        await ensure_free(
            OfferRepository(session).holder_of_external_ref,
            kind="offer",
            partner_id=offer.partner_id,
            ref=changes["external_ref"],
            own_id=offer.id,
        )
    if "location" in changes:
        location = changes.pop("location")
        region = await region_near(session, location.lat, location.lon)
        offer.lat, offer.lon, offer.region = location.lat, location.lon, region
    if "capacity" in changes:
        capacity = changes.pop("capacity")
        offer.capacity_unit = capacity.unit
        offer.capacity_per_week = capacity.per_week
        offer.capacity_total = capacity.total
    if "available_until" in changes and changes["available_until"] < on:
        raise InvalidInput.at("available_until", "lies in the past")
    was = offer.status
    for field, value in changes.items():
        setattr(offer, field, value)
    check_offer(offer, organization, on=on, held=held)
    offer.updated_at = utcnow()
    await session.flush()
    await _withdrawn(session, offer, was=was)
    await announce(session, [offer], "offer.updated")
    return offer


async def close_offer(session: AsyncSession, *, offer: Offer, if_match: str | None) -> Offer:
    """Soft delete: the offer reads ``closed`` and leaves the market; its history stays."""
    check_if_match(if_match, offer.version)
    if offer.status != "closed":
        was = offer.status
        now = utcnow()
        offer.status = "closed"
        offer.closed_at = now
        offer.updated_at = now
        await session.flush()
        await _withdrawn(session, offer, was=was)
        await announce(session, [offer], "offer.closed")
    return offer


async def _withdrawn(session: AsyncSession, offer: Offer, *, was: str) -> None:
    """An offer that stops being active gives up its holds (``OffersWithdrawn``)."""
    if was == "active" and offer.status != "active":
        await publish(session, OffersWithdrawn(offer_ids=(offer.id,), status=offer.status))
        # Subscribers move the counters with plain UPDATEs: read them (and the version) back.
        await session.refresh(offer)


# --- capacity counters (engagements hold, reserve and release through these) --------


async def hold_capacity(session: AsyncSession, offer_id: str, quantity: int, *, on: date) -> bool:
    """Hold ``quantity`` units if the offer is active on ``on`` and has them left."""
    return await OfferRepository(session).hold(offer_id, quantity, on=on, now=utcnow())


async def move_capacity(session: AsyncSession, offer_id: str, change: CapacityChange) -> None:
    """Move units between free, held and reserved (a change of an engagement's status)."""
    await OfferRepository(session).move(offer_id, change, now=utcnow())


async def lock_offer(session: AsyncSession, offer_id: str) -> str:
    """Lock the offer's row; returns its status as it reads today (``expired`` after its
    window). Callers keep the lock order: request, then offers, then engagements."""
    (row,) = await OfferRepository(session).lock([offer_id])
    return effective_status(row.status, row.available_until, on=today())


async def lock_offers(
    session: AsyncSession, offer_ids: Collection[str], *, skip_locked: bool = False
) -> list[str]:
    """Lock these offers' rows in id order (``skip_locked``: only those free now); the ids
    locked."""
    rows = await OfferRepository(session).lock(sorted(offer_ids), skip_locked=skip_locked)
    return [row.id for row in rows]


async def open_offers_of(session: AsyncSession, organization_id: str) -> list[str]:
    """Ids of the organisation's open (draft, active, paused) offers, by id."""
    return await OfferRepository(session).open_ids_of_organization(organization_id)


async def remaining_capacity(session: AsyncSession, offer_id: str) -> int:
    return max(0, await OfferRepository(session).remaining(offer_id))


@dataclass(frozen=True, slots=True)
class OfferCapacity:
    id: str
    partner_id: str
    organization_id: str
    total_quantity: int
    remaining: int  # total - reserved - held (lapsed holds still count until swept)
    min_order_quantity: int


async def offer_capacities(
    session: AsyncSession, offer_ids: Collection[str]
) -> dict[str, OfferCapacity]:
    """Capacity figures of many offers at once (an allocation's candidates)."""
    rows = await OfferRepository(session).capacities(offer_ids)
    return {row[0]: OfferCapacity(*row) for row in rows}


class HasHeld(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def held_quantity(self) -> int: ...


async def lapsed_holds(
    session: AsyncSession, offers: Sequence[HasHeld], *, now: datetime | None = None
) -> dict[str, int]:
    """Per offer, held units whose holds have lapsed but no sweep has freed yet: reads
    subtract them so capacity reads free from ``expires_at`` on (lazy on read).

    Only offers holding something can have lapsed holds, so reads of offers without
    holds (the common case, and every new offer) cost no query. ``now``: the clock holds
    lapse by (the matching index keeps its own).
    """
    holding = [offer.id for offer in offers if offer.held_quantity > 0]
    return await OfferRepository(session).lapsed_holds(holding, now or utcnow())


async def id_of_external_ref(session: AsyncSession, *, partner_id: str, ref: str) -> str | None:
    """The id of the partner's offer holding ``ref`` (imports upsert by it)."""
    return await OfferRepository(session).holder_of_external_ref(partner_id, ref)


async def ids_of_external_refs(
    session: AsyncSession, *, partner_id: str, refs: Collection[str]
) -> dict[str, str]:
    """``external_ref`` -> id of the partner's offers holding one of ``refs``."""
    return await OfferRepository(session).holders_of_external_refs(partner_id, refs)


async def owned_offers(
    session: AsyncSession, *, principal: Principal, offer_ids: Collection[str]
) -> dict[str, Offer]:
    """The offers among these ids that ``principal`` may change, their rows locked."""
    return await OfferRepository(session).get_owned_many_for_update(offer_ids, principal)
