"""Allocation: build the market of the chosen requests, solve it, keep it, apply it.

Candidate edges are each request's top matches from the worker's index (every hard filter
of the matches endpoint, seen as the request's own partner sees the pool); quantities are
bounded by what each offer can deliver by that request's ``needed_by``, by the offer's
remaining capacity, by one buyer's share of an offer's pending holds (the engagements'
rule, so ``apply`` cannot be refused for it) and by the request's unreserved quantity.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from app.allocation import flow, solver
from app.allocation.explain import EdgeFacts, assignment_reasons, request_reasons
from app.allocation.greedy import greedy
from app.allocation.market import IntArray, Market, figures
from app.allocation.repository import AllocationRepository
from app.allocation.schemas import MAX_REQUESTS, AllocationCreate
from app.auth.principal import Principal
from app.core.config import Settings
from app.core.dates import utcnow
from app.core.errors import AppError, Conflict, FieldError, InvalidInput, NotFound
from app.core.ids import new_id
from app.core.pagination import PageParams, Window, window
from app.engagements.rules import fairness_limit
from app.engagements.schemas import EngagementCreate
from app.engagements.service import create_engagement, engaged_units, pending_units_by_buyer
from app.market.listing import MarketFilters
from app.matching.feed import MatchFeed
from app.matching.ranked import top_offers
from app.matching.values import Match
from app.models import Allocation
from app.offers.service import OfferCapacity, offer_capacities
from app.requests.service import owned_open_requests
from app.taxonomy.vocabulary import Taxonomy


class AllocationNotFound(NotFound):
    pass


class SolverMissing(AppError):
    status_code = 501
    slug = "solver-missing"
    title = "The allocation solver asked for is not installed"


class AllocationStale(Conflict):
    title = "Capacity moved since the allocation was proposed"


async def _requests(
    session: AsyncSession, principal: Principal, data: AllocationCreate, taxonomy: Taxonomy
) -> Sequence[Any]:
    if data.request_ids is not None:
        wanted = list(dict.fromkeys(data.request_ids))
        found = await owned_open_requests(
            session,
            principal=principal,
            filters=MarketFilters(),
            request_ids=wanted,
            limit=MAX_REQUESTS,
        )
        have = {request.id for request in found}
        for position, request_id in enumerate(data.request_ids):
            if request_id not in have:
                raise AllocationNotFound(
                    f"Request {request_id} is not an open request of yours.",
                    errors=[
                        FieldError(
                            field=f"request_ids[{position}]",
                            message="not an open request of yours (unknown, another's, "
                            "fulfilled, cancelled or past needed_by)",
                        )
                    ],
                )
        return found
    assert data.filter is not None
    chosen = data.filter
    taxonomy.check_filters(
        [("skill", "filter.skill", chosen.skill), ("product", "filter.product", chosen.product)]
    )
    filters = MarketFilters(
        skill=chosen.skill,
        product=chosen.product,
        region=chosen.region.upper() if chosen.region else None,
        organization_id=chosen.organization_id,
    )
    found = await owned_open_requests(
        session, principal=principal, filters=filters, limit=MAX_REQUESTS + 1
    )
    if len(found) > MAX_REQUESTS:
        raise InvalidInput.at(
            "filter", f"matches more than {MAX_REQUESTS:,} open requests; narrow it"
        )
    return found


def _market(
    requests: Sequence[Any],
    matches: dict[str, list[Match]],
    capacities: dict[str, OfferCapacity],
    unreserved: dict[str, int],
    pending: dict[tuple[str, str], int],
    share: float,
) -> tuple[Market, EdgeFacts]:
    offer_ids = sorted(
        {m.offer_id for found in matches.values() for m in found} & capacities.keys()
    )
    offer_index = {offer_id: index for index, offer_id in enumerate(offer_ids)}
    groups: dict[tuple[str, str], int] = {}
    group_capacity: list[int] = []
    edge_request: list[int] = []
    edge_offer: list[int] = []
    edge_group: list[int] = []
    upper: list[int] = []
    minimum: list[int] = []
    rank: list[int] = []
    cost: list[float] = []
    score: list[float] = []
    for request_index, request in enumerate(requests):
        for position, match in enumerate(matches[request.id]):
            offer = capacities.get(match.offer_id)
            if offer is None:  # closed since the index caught up
                continue
            key = (offer.id, request.organization_id)
            if key not in groups:
                groups[key] = len(group_capacity)
                limit = fairness_limit(offer.total_quantity, share) - pending.get(key, 0)
                group_capacity.append(max(0, limit))
            edge_request.append(request_index)
            edge_offer.append(offer_index[offer.id])
            edge_group.append(groups[key])
            upper.append(match.deliverable_quantity)
            minimum.append(offer.min_order_quantity)
            cost.append(match.distance_km)
            rank.append(position)
            score.append(match.score)
    market = Market.build(
        request_quantity=[unreserved[request.id] for request in requests],
        offer_capacity=[max(0, capacities[offer_id].remaining) for offer_id in offer_ids],
        edge_request=edge_request,
        edge_offer=edge_offer,
        edge_upper=upper,
        edge_cost=cost,
        edge_minimum=minimum,
        edge_rank=rank,
        edge_group=edge_group,
        group_capacity=group_capacity,
    )
    facts = EdgeFacts(
        request_ids=[request.id for request in requests],
        offer_ids=offer_ids,
        score=np.asarray(score, dtype=np.float64)[market.edge_source].tolist(),
        distance_km=np.asarray(cost, dtype=np.float64)[market.edge_source].tolist(),
    )
    return market, facts


def _document(
    requests: Sequence[Any],
    market: Market,
    facts: EdgeFacts,
    solved: Any,
    baseline: Any,
    objective: str,
) -> dict[str, Any]:
    """The allocation as it is answered and kept (``Allocation.result``)."""
    quantities, greedy_quantities = solved.quantities, baseline
    edge_reasons = assignment_reasons(market, quantities, facts)
    assignments = [
        {
            "request_id": facts.request_ids[int(market.edge_request[edge])],
            "offer_id": facts.offer_ids[int(market.edge_offer[edge])],
            "quantity": int(quantities[edge]),
            "distance_km": facts.distance_km[edge],
            "score": facts.score[edge],
            "rank": int(market.edge_rank[edge]) + 1,
            "reasons": edge_reasons[edge],
            "engagement_id": None,
        }
        for edge in np.flatnonzero(quantities > 0).tolist()
    ]
    allocated, by_greedy = market.allocated(quantities), market.allocated(greedy_quantities)
    level = solved.level if objective == "fair" else None
    words = request_reasons(market, quantities, greedy_quantities, level=level)
    per_request = []
    for index, request_id in enumerate(facts.request_ids):
        wanted = int(market.request_quantity[index])
        per_request.append(
            {
                "request_id": request_id,
                "requested": wanted,
                "allocated": int(allocated[index]),
                "coverage": round(int(allocated[index]) / wanted, 6) if wanted else 1.0,
                "greedy_allocated": int(by_greedy[index]),
                "reasons": words[index],
            }
        )
    mine, theirs = figures(market, quantities), figures(market, greedy_quantities)
    return {
        "assignments": assignments,
        "requests": per_request,
        "totals": {
            "requested": mine.requested,
            "allocated": mine.allocated,
            "coverage": round(mine.coverage, 6),
            "min_coverage": round(mine.min_coverage, 6),
            "mean_distance_km": _rounded(mine.mean_distance_km),
            "requests": market.requests,
            "servable_requests": mine.servable,
            "greedy": {
                "allocated": theirs.allocated,
                "coverage": round(theirs.coverage, 6),
                "min_coverage": round(theirs.min_coverage, 6),
                "mean_distance_km": _rounded(theirs.mean_distance_km),
            },
        },
        "solver_status": solved.status,
        # Who owns each request: the admin applies as the buyer's partner.
        "owners": {request.id: request.partner_id for request in requests},
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


async def create_allocation(
    session: AsyncSession,
    feed: MatchFeed,
    *,
    principal: Principal,
    data: AllocationCreate,
    settings: Settings,
    taxonomy: Taxonomy,
) -> Allocation:
    """Solve the allocation of the chosen open requests for ``data.objective`` and keep it
    as ``proposed`` (nothing is held until ``apply``)."""
    if data.solver == "ortools" and not flow.available():
        raise SolverMissing(
            "OR-Tools is not installed on this server (pip install 'capmatch[ortools]'); "
            "use solver auto or highs."
        )

    now = utcnow()
    requests = await _requests(session, principal, data, taxonomy)
    matches = await top_offers(
        session, feed, requests, limit=data.candidates_per_request, taxonomy=taxonomy
    )
    capacities = await offer_capacities(
        session, {match.offer_id for found in matches.values() for match in found}
    )
    engaged = await engaged_units(session, now=now, request_ids=[r.id for r in requests])
    unreserved = {r.id: max(0, r.quantity - engaged.get(r.id, 0)) for r in requests}
    pending = await pending_units_by_buyer(
        session, buyer_ids={r.organization_id for r in requests}, now=now
    )
    market, facts = _market(
        requests, matches, capacities, unreserved, pending, settings.engagement_hold_share
    )

    def run() -> tuple[solver.Solved, IntArray]:
        baseline = greedy(market)
        solved = solver.solve(
            market,
            data.objective,
            time_limit_s=data.time_limit_s,
            start=baseline,
            engine=data.solver,
        )
        return solved, baseline

    # CPU work, off the event loop (HiGHS releases the GIL while it solves).
    solved, baseline = await asyncio.to_thread(run)
    allocation = Allocation(
        id=new_id("alc"),
        partner_id=principal.partner_id,
        objective=data.objective,
        status="proposed",
        selection=data.model_dump(mode="json", exclude_none=True),
        result=_document(requests, market, facts, solved, baseline, data.objective),
        solver=solved.solver,
        solve_ms=solved.solve_ms,
        created_at=now,
        updated_at=now,
    )
    await AllocationRepository(session).add(allocation)
    return allocation


async def get_allocation(
    session: AsyncSession, *, principal: Principal, allocation_id: str, lock: bool = False
) -> Allocation:
    allocation = await AllocationRepository(session).get(allocation_id, lock=lock)
    if allocation is None or not (
        principal.is_admin or allocation.partner_id == principal.partner_id
    ):
        raise AllocationNotFound(f"Allocation {allocation_id} not found.")
    return allocation


async def list_allocations(
    session: AsyncSession, *, principal: Principal, page: PageParams
) -> Window[Allocation]:
    partner_id = None if principal.is_admin else principal.partner_id
    rows = await AllocationRepository(session).list_page(partner_id=partner_id, page=page)
    return window(rows, page, lambda allocation: allocation.id)


async def apply_allocation(
    session: AsyncSession,
    *,
    principal: Principal,
    allocation_id: str,
    settings: Settings,
    taxonomy: Taxonomy,
) -> Allocation:
    """Place one hold per assignment, all in this transaction or none: the first hold the
    engagements' rules refuse (capacity moved, a request engaged meanwhile, an offer
    closed) answers 409 naming it, and the transaction rolls back every hold before it."""
    allocation = await get_allocation(
        session, principal=principal, allocation_id=allocation_id, lock=True
    )
    if allocation.status != "proposed":
        raise Conflict(f"Allocation {allocation.id} is {allocation.status} already.")
    result = dict(allocation.result)
    owners: dict[str, str] = result.get("owners", {})
    assignments = [dict(assignment) for assignment in result["assignments"]]
    for position, assignment in enumerate(assignments):
        acting = principal
        if principal.is_admin:  # the admin owns no request: it acts as the buyer's partner
            acting = Principal(
                kind="partner", key_id=principal.key_id, partner_id=owners[assignment["request_id"]]
            )
        try:
            engagement = await create_engagement(
                session,
                principal=acting,
                request_id=assignment["request_id"],
                data=EngagementCreate(
                    offer_id=assignment["offer_id"], quantity=assignment["quantity"]
                ),
                settings=settings,
                taxonomy=taxonomy,
            )
        except AppError as error:
            where = (
                f"request {assignment['request_id']}, offer {assignment['offer_id']}, "
                f"{assignment['quantity']:,} units"
            )
            raise AllocationStale(
                f"Assignment {position} ({where}) can no longer be held: "
                f"{error.detail or error.title} Nothing was held; propose a new allocation.",
                errors=[FieldError(field=f"assignments[{position}]", message=str(error.detail))],
            ) from error
        assignment["engagement_id"] = engagement.id
    now = utcnow()
    result["assignments"] = assignments
    allocation.result = result
    allocation.status = "applied"
    allocation.applied_at = now
    allocation.updated_at = now
    await session.flush()
    return allocation
