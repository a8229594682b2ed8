"""Engagements: a buyer holds capacity on an offer, the maker accepts or declines.

Business rules live here and in ``rules``; every counter change goes through the
repository's conditional UPDATEs (see its lock order).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core.config import Settings
from app.core.dates import today, utcnow
from app.core.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from app.core.events import publish
from app.core.ids import new_id
from app.core.pagination import PageParams, Window, window
from app.engagements.events import EngagementsChanged
from app.engagements.releases import expire_lapsed
from app.engagements.repository import EngagementRepository, status_conditions
from app.engagements.rules import (
    ALLOWED,
    SETTLING_ACTIONS,
    TARGET,
    Action,
    Side,
    as_status,
    capacity_change,
    fairness_limit,
    may_take,
)
from app.engagements.schemas import EngagementCreate, MessageCreate
from app.matching.fit_check import check_fit
from app.models import Engagement, EngagementMessage
from app.offers.rules import effective_status as offer_status
from app.offers.service import (
    get_visible_offer,
    hold_capacity,
    lock_offer,
    move_capacity,
    remaining_capacity,
)
from app.requests.rules import effective_status as request_status
from app.requests.service import (
    get_owned_request_row,
    lock_request,
    settle_request,
)
from app.taxonomy.vocabulary import Taxonomy


class EngagementNotFound(NotFound):
    pass


class TransitionRefused(Conflict):
    title = "This engagement cannot make that transition"


class CapacityUnavailable(Conflict):
    title = "Not enough capacity left on the offer"


class RequestEngaged(Conflict):
    title = "The request's quantity is engaged already"


class OfferNotActive(Conflict):
    title = "The offer is not active"


class NotAParty(Forbidden):
    title = "Only the parties of an engagement act on it"


def sides_of(principal: Principal, engagement: Engagement) -> set[Side]:
    sides: set[Side] = set()
    if principal.kind == "partner":
        if engagement.buyer_partner_id == principal.partner_id:
            sides.add("buyer")
        if engagement.seller_partner_id == principal.partner_id:
            sides.add("seller")
    elif principal.kind == "organization":
        if engagement.buyer_organization_id == principal.organization_id:
            sides.add("buyer")
        if engagement.seller_organization_id == principal.organization_id:
            sides.add("seller")
    return sides


async def create_engagement(
    session: AsyncSession,
    *,
    principal: Principal,
    request_id: str,
    data: EngagementCreate,
    settings: Settings,
    taxonomy: Taxonomy,
) -> Engagement:
    """A pending hold of ``data.quantity`` units on an offer, for one of the caller's requests.

    Locks the request first (creates for one request queue there, so its engaged units
    are summed with nobody adding to them meanwhile), then the offer with the hold.
    """
    now, on = utcnow(), today()
    request = await get_owned_request_row(session, principal=principal, request_id=request_id)
    status = request_status(request.status, request.needed_by, on=on)
    if status != "open":
        raise Conflict(f"Request {request_id} is {status}; only open requests engage offers.")
    offer_row = await get_visible_offer(session, principal=principal, offer_id=data.offer_id)
    if offer_row.organization_id == request.organization_id:
        raise InvalidInput.at("offer_id", "an organisation cannot engage its own offer")
    offer_is = offer_status(offer_row.status, offer_row.available_until, on=on)
    _check_active(offer_row.id, offer_is, doing="take holds")
    await check_fit(session, request=request, offer=offer_row, taxonomy=taxonomy)
    if data.quantity < offer_row.min_order_quantity:
        raise InvalidInput.at(
            "quantity", f"below the offer's minimum order of {offer_row.min_order_quantity}"
        )
    repository = EngagementRepository(session)
    engaged = await repository.engaged_for_request(request.id, now)
    if engaged + data.quantity > request.quantity:
        left = max(0, request.quantity - engaged)
        raise RequestEngaged(
            f"Request {request.id} wants {request.quantity} units and {engaged} are engaged "
            f"already (pending, accepted or fulfilled); {data.quantity} were asked for.",
            errors=[
                FieldError(
                    field="quantity",
                    message=f"at most {left} units of the request are not yet engaged",
                )
            ],
        )
    await _hold(session, offer_row.id, data.quantity, now=now, on=on)
    # The hold locked the offer row, so concurrent holds of this buyer queue here.
    limit = fairness_limit(offer_row.total_quantity, settings.engagement_hold_share)
    already = await repository.held_by_buyer(offer_row.id, request.organization_id, now)
    if already + data.quantity > limit:
        raise CapacityUnavailable(
            f"One buyer's pending holds on an offer may add up to {limit} units "
            f"({settings.engagement_hold_share:.0%} of it); {already} are held already. "
            "Wait for the maker's answer or cancel a hold.",
            errors=[
                FieldError(
                    field="quantity",
                    message=f"your pending holds on this offer may add up to {limit} units",
                )
            ],
        )
    engagement = Engagement(
        id=new_id("eng"),
        request_id=request.id,
        offer_id=offer_row.id,
        buyer_partner_id=request.partner_id,
        buyer_organization_id=request.organization_id,
        seller_partner_id=offer_row.partner_id,
        seller_organization_id=offer_row.organization_id,
        quantity=data.quantity,
        status="pending",
        expires_at=now + timedelta(hours=settings.engagement_hold_hours),
        created_at=now,
        updated_at=now,
    )
    await repository.add(engagement)
    await repository.record(
        engagement.id,
        from_status=None,
        to_status="pending",
        actor_kind="buyer",
        principal=principal,
        actor_organization_id=request.organization_id,
        note=None,
        now=now,
    )
    if data.message:
        await repository.add_message(
            _message(engagement, "buyer", request.organization_id, principal, data.message, now)
        )
    await publish(
        session,
        EngagementsChanged(
            engagement_ids=(engagement.id,), type="engagement.created", session_current=True
        ),
    )
    return engagement


def _check_active(offer_id: str, status: str, *, doing: str) -> None:
    """409 naming the offer's status (as it reads today) unless it is active."""
    if status != "active":
        raise OfferNotActive(
            f"Offer {offer_id} is {status}; only active offers {doing}.",
            errors=[FieldError(field="offer_id", message=f"the offer is {status}")],
        )


async def _hold(
    session: AsyncSession, offer_id: str, quantity: int, *, now: datetime, on: date
) -> None:
    """Hold ``quantity`` units of the offer, or raise 409 saying why not."""
    if await hold_capacity(session, offer_id, quantity, on=on):
        return
    # Refused, and a refused conditional UPDATE locks nothing: lock the offer, give back
    # its lapsed holds (if any) and try once more.
    _check_active(offer_id, await lock_offer(session, offer_id), doing="take holds")
    if await expire_lapsed(session, offer_id=offer_id, now=now) and await hold_capacity(
        session, offer_id, quantity, on=on
    ):
        return
    remaining = await remaining_capacity(session, offer_id)
    raise CapacityUnavailable(
        f"Offer {offer_id} has {remaining} units left; {quantity} were asked for.",
        errors=[FieldError(field="quantity", message=f"at most {remaining} units are left")],
    )


async def transition(
    session: AsyncSession,
    *,
    principal: Principal,
    engagement_id: str,
    action: Action,
    note: str | None,
) -> Engagement:
    """Answer, withdraw or complete an engagement as the side of it the caller may act for."""
    now = utcnow()
    repository = EngagementRepository(session)
    seen = await repository.get_for_party(engagement_id, principal)
    if seen is None:
        raise EngagementNotFound(f"Engagement {engagement_id} not found.")
    sides = sides_of(principal, seen)
    if not sides:
        raise NotAParty(f"The operator is not a party to engagement {engagement_id}.")
    # Lock order: the request (when the request's status may follow), the offer, then the
    # engagement itself, read again under its lock.
    if action in SETTLING_ACTIONS:
        await lock_request(session, seen.request_id)
    offer_is = await lock_offer(session, seen.offer_id)
    engagement = await repository.lock(engagement_id)
    target = TARGET[action]
    if engagement.status == target and sides & may_take(action):
        return engagement  # a retry: already done, nothing moves twice
    if engagement.status == "pending" and engagement.expires_at <= now:
        await expire_lapsed(session, offer_id=engagement.offer_id, now=now)
        await session.refresh(engagement)
    current = as_status(engagement.status)
    allowed = ALLOWED.get((action, current))
    if allowed is None:
        raise TransitionRefused(f"Engagement {engagement_id} is {current}; it cannot {action}.")
    acting = sorted(sides & allowed)
    if not acting:
        raise TransitionRefused(
            f"Only the {' or '.join(sorted(allowed))} may {action} a {current} engagement."
        )
    if target == "accepted":
        _check_active(engagement.offer_id, offer_is, doing="have holds accepted")
    side: Side = acting[0]
    await move_capacity(
        session, engagement.offer_id, capacity_change(current, target, engagement.quantity)
    )
    engagement.status = target
    engagement.updated_at = now
    if target == "accepted":
        engagement.accepted_at = now
    if target != "accepted":
        engagement.closed_at = now
    await session.flush()
    await repository.record(
        engagement.id,
        from_status=current,
        to_status=target,
        actor_kind=side,
        principal=principal,
        actor_organization_id=(
            engagement.buyer_organization_id
            if side == "buyer"
            else engagement.seller_organization_id
        ),
        note=note,
        now=now,
    )
    if target == "accepted" or (current == "accepted" and target == "cancelled"):
        accepted = await repository.accepted_for_request(engagement.request_id)
        await settle_request(session, engagement.request_id, accepted=accepted)
    await publish(
        session, EngagementsChanged(engagement_ids=(engagement.id,), type=f"engagement.{target}")
    )
    return engagement


def _message(
    engagement: Engagement,
    side: Side,
    organization_id: str,
    principal: Principal,
    text: str,
    now: datetime,
) -> EngagementMessage:
    return EngagementMessage(
        id=new_id("emsg"),
        engagement_id=engagement.id,
        author_side=side,
        author_organization_id=organization_id,
        author_key_id=principal.key_id,
        text=text,
        created_at=now,
    )


async def engaged_units(
    session: AsyncSession, *, now: datetime, request_ids: Collection[str] | None = None
) -> dict[str, int]:
    """Request id -> units its live holds and accepted and fulfilled engagements take, for
    every request (or these) that has any (the situation picture's reserved units)."""
    return await EngagementRepository(session).engaged_by_request(now, request_ids)


async def pending_units_by_buyer(
    session: AsyncSession, *, buyer_ids: Collection[str], now: datetime
) -> dict[tuple[str, str], int]:
    """(offer, buyer organisation) -> units of the buyer's live holds on the offer: what
    the share rule of holds counts against a buyer."""
    return await EngagementRepository(session).pending_by_buyer(buyer_ids, now)


async def get_engagement(
    session: AsyncSession, *, principal: Principal, engagement_id: str
) -> Engagement:
    engagement = await EngagementRepository(session).get_for_party(engagement_id, principal)
    if engagement is None:
        raise EngagementNotFound(f"Engagement {engagement_id} not found.")
    return engagement


async def list_engagements(
    session: AsyncSession,
    *,
    principal: Principal,
    page: PageParams,
    statuses: Sequence[str],
    role: Side | None,
    request_id: str | None,
    offer_id: str | None,
) -> Window[Engagement]:
    now = utcnow()
    conditions = []
    status_clause = status_conditions(statuses, now)
    if status_clause is not None:
        conditions.append(status_clause)
    if request_id is not None:
        conditions.append(Engagement.request_id == request_id)
    if offer_id is not None:
        conditions.append(Engagement.offer_id == offer_id)
    if role is not None and not principal.is_admin:
        if principal.kind == "partner":
            column = (
                Engagement.buyer_partner_id if role == "buyer" else Engagement.seller_partner_id
            )
            conditions.append(column == principal.partner_id)
        else:
            column = (
                Engagement.buyer_organization_id
                if role == "buyer"
                else Engagement.seller_organization_id
            )
            conditions.append(column == principal.organization_id)
    rows = await EngagementRepository(session).list_page(principal, page, conditions=conditions)
    return window(rows, page, lambda engagement: engagement.id)


async def post_message(
    session: AsyncSession, *, principal: Principal, engagement_id: str, data: MessageCreate
) -> EngagementMessage:
    engagement = await get_engagement(session, principal=principal, engagement_id=engagement_id)
    sides = sides_of(principal, engagement)
    if not sides:
        raise NotAParty(f"The operator is not a party to engagement {engagement_id}.")
    side: Side = "buyer" if "buyer" in sides else "seller"
    organization_id = (
        engagement.buyer_organization_id if side == "buyer" else engagement.seller_organization_id
    )
    message = _message(engagement, side, organization_id, principal, data.text, utcnow())
    return await EngagementRepository(session).add_message(message)


async def list_messages(
    session: AsyncSession, *, principal: Principal, engagement_id: str, page: PageParams
) -> Window[EngagementMessage]:
    await get_engagement(session, principal=principal, engagement_id=engagement_id)
    rows = await EngagementRepository(session).messages_page(engagement_id, page)
    return window(rows, page, lambda message: message.id)
