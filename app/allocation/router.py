"""Allocation: supply distributed over many open requests at once (API.md "Allocation")."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request, status

from app.allocation import service
from app.allocation.schemas import AllocationCreate, AllocationOut
from app.auth.dependencies import AnyAuth
from app.auth.principal import Principal
from app.auth.routing import domain_router
from app.core.config import Settings
from app.core.db import SessionDep
from app.core.errors import Forbidden, problem_responses
from app.core.pagination import Page, PageDep
from app.matching.feed import MatchFeed
from app.models import Allocation
from app.taxonomy.dependencies import TaxonomyDep

router = domain_router("/allocations", tags=["allocation"])

READ = problem_responses(401, 403, 404, 422, 503)
WRITE = problem_responses(401, 403, 404, 409, 413, 422, 501, 503)


async def require_partner_or_admin(principal: AnyAuth) -> Principal:
    if principal.kind == "organization":
        raise Forbidden("Allocation needs a partner key (cmp_...) or the admin key.")
    return principal


PlannerAuth = Annotated[Principal, Depends(require_partner_or_admin)]


def out(allocation: Allocation) -> AllocationOut:
    result: dict[str, Any] = allocation.result
    return AllocationOut(
        id=allocation.id,
        status=allocation.status,
        objective=allocation.objective,
        assignments=result["assignments"],
        requests=result["requests"],
        totals=result["totals"],
        solver=allocation.solver,
        solve_ms=allocation.solve_ms,
        solver_status=result["solver_status"],
        created_at=allocation.created_at,
        updated_at=allocation.updated_at,
        applied_at=allocation.applied_at,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=AllocationOut, responses=WRITE)
async def create_allocation(
    data: AllocationCreate,
    session: SessionDep,
    principal: PlannerAuth,
    request: Request,
    taxonomy: TaxonomyDep,
) -> AllocationOut:
    """Distribute the free capacity over open requests of yours (`request_ids`, or every
    one matching `filter`), optimal for `objective`, with the greedy figures beside it.

    `coverage`: the most units, then the least distance-weighted cost. `fair`: the highest
    minimum coverage over the requests some offer can serve, then the most units, then the
    least distance. Candidate offers are each request's top matches (every hard filter);
    no assignment exceeds what the offer can deliver by the request's `needed_by`, its
    remaining capacity or a buyer's share of it, or the request's unreserved quantity,
    and none is below the offer's minimum order. Nothing is held until `apply`.
    """
    feed: MatchFeed = request.app.state.match_feed
    settings: Settings = request.app.state.settings
    allocation = await service.create_allocation(
        session, feed, principal=principal, data=data, settings=settings, taxonomy=taxonomy
    )
    return out(allocation)


@router.get("", response_model=Page[AllocationOut], responses=READ)
async def list_allocations(
    session: SessionDep, principal: PlannerAuth, page: PageDep
) -> Page[AllocationOut]:
    """Your allocations (the admin: all), newest last; page with `cursor`."""
    found = await service.list_allocations(session, principal=principal, page=page)
    return Page[AllocationOut](
        data=[out(allocation) for allocation in found.items],
        has_more=found.has_more,
        next_cursor=found.next_cursor,
    )


@router.get("/{allocation_id}", response_model=AllocationOut, responses=READ)
async def get_allocation(
    allocation_id: str, session: SessionDep, principal: PlannerAuth
) -> AllocationOut:
    """One allocation as proposed (or applied, with each hold's `engagement_id`)."""
    allocation = await service.get_allocation(
        session, principal=principal, allocation_id=allocation_id
    )
    return out(allocation)


@router.post("/{allocation_id}/apply", response_model=AllocationOut, responses=WRITE)
async def apply_allocation(
    allocation_id: str,
    session: SessionDep,
    principal: PlannerAuth,
    request: Request,
    taxonomy: TaxonomyDep,
) -> AllocationOut:
    """Place one hold per assignment in one transaction: all of them, or (409, when any
    capacity moved since the allocation was proposed) none."""
    settings: Settings = request.app.state.settings
    allocation = await service.apply_allocation(
        session,
        principal=principal,
        allocation_id=allocation_id,
        settings=settings,
        taxonomy=taxonomy,
    )
    return out(allocation)
