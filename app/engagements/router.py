"""Engagements: holds on offers, their answers, history and message thread."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, status

from app.auth.dependencies import AnyAuth, MemberAuth
from app.auth.routing import domain_router
from app.core.config import Settings
from app.core.db import SessionDep
from app.core.errors import problem_responses
from app.core.pagination import Page, PageDep
from app.engagements import service, views
from app.engagements.rules import Action, Side, Status
from app.engagements.schemas import (
    EngagementCreate,
    EngagementOut,
    MessageCreate,
    MessageOut,
    TransitionNote,
)
from app.taxonomy.dependencies import TaxonomyDep

requests_router = domain_router("/requests", tags=["engagements"])
router = domain_router("/engagements", tags=["engagements"])

READ = problem_responses(401, 404, 422, 503)
ACT = problem_responses(401, 403, 404, 409, 413, 422, 503)


@requests_router.post(
    "/{request_id}/engagements",
    status_code=status.HTTP_201_CREATED,
    response_model=EngagementOut,
    responses=ACT,
)
async def create_engagement(
    request_id: str,
    data: EngagementCreate,
    session: SessionDep,
    principal: MemberAuth,
    request: Request,
    taxonomy: TaxonomyDep,
) -> EngagementOut:
    """Ask a maker for capacity: a pending engagement that holds `quantity` units of the
    offer until the maker answers or `expires_at` passes.

    422 (field `offer_id`) when the offer fails one of the request's hard filters, the
    same ones matching applies: a requested skill or product covered, the required
    certifications held and valid on `needed_by`, the distance within the request's
    `max_distance_km` and the offer's `service_radius_km`, some units deliverable by
    `needed_by`, the same unit. 409 when the offer is not active, has fewer units left,
    when the request's pending, accepted and fulfilled engagements would add up to more
    than its `quantity`, or when your pending holds on this offer would pass the fair
    share one buyer may hold.
    """
    settings: Settings = request.app.state.settings
    engagement = await service.create_engagement(
        session,
        principal=principal,
        request_id=request_id,
        data=data,
        settings=settings,
        taxonomy=taxonomy,
    )
    return (await views.engagement_views(session, principal, [engagement]))[0]


@router.get("", response_model=Page[EngagementOut], responses=READ)
async def list_engagements(
    session: SessionDep,
    principal: AnyAuth,
    page: PageDep,
    status: Annotated[list[Status] | None, Query(description="Repeat for several")] = None,
    role: Annotated[Side | None, Query(description="Only where you are this side")] = None,
    request_id: Annotated[str | None, Query(max_length=40)] = None,
    offer_id: Annotated[str | None, Query(max_length=40)] = None,
) -> Page[EngagementOut]:
    """Engagements you are party to (as buyer or seller), newest first."""
    result = await service.list_engagements(
        session,
        principal=principal,
        page=page,
        statuses=status or [],
        role=role,
        request_id=request_id,
        offer_id=offer_id,
    )
    return Page[EngagementOut](
        data=await views.engagement_views(session, principal, result.items),
        has_more=result.has_more,
        next_cursor=result.next_cursor,
    )


@router.get("/{engagement_id}", response_model=EngagementOut, responses=READ)
async def get_engagement(
    engagement_id: str, session: SessionDep, principal: AnyAuth
) -> EngagementOut:
    """One engagement with its history. The other side's contact shows once accepted."""
    engagement = await service.get_engagement(
        session, principal=principal, engagement_id=engagement_id
    )
    return (await views.engagement_views(session, principal, [engagement]))[0]


async def _transition(
    session: SessionDep,
    principal: AnyAuth,
    engagement_id: str,
    action: Action,
    data: TransitionNote | None,
) -> EngagementOut:
    engagement = await service.transition(
        session,
        principal=principal,
        engagement_id=engagement_id,
        action=action,
        note=data.note if data is not None else None,
    )
    return (await views.engagement_views(session, principal, [engagement]))[0]


@router.post("/{engagement_id}/accept", response_model=EngagementOut, responses=ACT)
async def accept_engagement(
    engagement_id: str,
    session: SessionDep,
    principal: AnyAuth,
    data: TransitionNote | None = None,
) -> EngagementOut:
    """The maker says yes: the held units become reserved. Safe to retry.

    409 when the offer is no longer active (paused, closed, draft or past its window)."""
    return await _transition(session, principal, engagement_id, "accept", data)


@router.post("/{engagement_id}/decline", response_model=EngagementOut, responses=ACT)
async def decline_engagement(
    engagement_id: str,
    session: SessionDep,
    principal: AnyAuth,
    data: TransitionNote | None = None,
) -> EngagementOut:
    """The maker says no: the held units are free again."""
    return await _transition(session, principal, engagement_id, "decline", data)


@router.post("/{engagement_id}/cancel", response_model=EngagementOut, responses=ACT)
async def cancel_engagement(
    engagement_id: str,
    session: SessionDep,
    principal: AnyAuth,
    data: TransitionNote | None = None,
) -> EngagementOut:
    """The buyer withdraws a pending engagement, or either side calls off accepted work;
    its units are free again."""
    return await _transition(session, principal, engagement_id, "cancel", data)


@router.post("/{engagement_id}/fulfil", response_model=EngagementOut, responses=ACT)
async def fulfil_engagement(
    engagement_id: str,
    session: SessionDep,
    principal: AnyAuth,
    data: TransitionNote | None = None,
) -> EngagementOut:
    """Accepted work was delivered (its units stay counted as reserved)."""
    return await _transition(session, principal, engagement_id, "fulfil", data)


@router.get("/{engagement_id}/messages", response_model=Page[MessageOut], responses=READ)
async def list_messages(
    engagement_id: str, session: SessionDep, principal: AnyAuth, page: PageDep
) -> Page[MessageOut]:
    """The engagement's message thread, newest first."""
    result = await service.list_messages(
        session, principal=principal, engagement_id=engagement_id, page=page
    )
    return Page[MessageOut](
        data=[views.message_view(message) for message in result.items],
        has_more=result.has_more,
        next_cursor=result.next_cursor,
    )


@router.post(
    "/{engagement_id}/messages",
    status_code=status.HTTP_201_CREATED,
    response_model=MessageOut,
    responses=ACT,
)
async def post_message(
    engagement_id: str, data: MessageCreate, session: SessionDep, principal: AnyAuth
) -> MessageOut:
    """Write to the other side of the engagement."""
    message = await service.post_message(
        session, principal=principal, engagement_id=engagement_id, data=data
    )
    return views.message_view(message)
