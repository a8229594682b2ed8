"""Notices: calls for partners, funding calls, a standard's change; and their Atom feed."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response, status

from app.auth.dependencies import AnyAuth, MemberAuth
from app.auth.routing import domain_router
from app.core.db import SessionDep
from app.core.errors import problem_responses
from app.core.pagination import Page, PageDep
from app.core.schemas import LanguageCode
from app.feeds.dependencies import NoticesReader
from app.feeds.schemas import NoticeKind
from app.market.query import OrganizationQuery
from app.market.schemas import Visibility
from app.notices import service
from app.notices.atom import MEDIA_TYPE
from app.notices.schemas import (
    NoticeCreate,
    NoticeFilters,
    NoticeOut,
    NoticeRecord,
    NoticeStatus,
    NoticeUpdate,
)
from app.taxonomy.codes import Code
from app.taxonomy.dependencies import TaxonomyDep
from app.web.http import IfMatch, feed_response, set_etag

router = domain_router("/notices", tags=["notices"])
FEED_LIMIT = 50


async def visible_notice(session: SessionDep, principal: AnyAuth, notice_id: str) -> NoticeRecord:
    return await service.get_visible_notice(session, principal=principal, notice_id=notice_id)


async def owned_notice(session: SessionDep, principal: MemberAuth, notice_id: str) -> NoticeRecord:
    return await service.get_owned_notice(session, principal=principal, notice_id=notice_id)


VisibleNotice = Annotated[NoticeRecord, Depends(visible_notice)]
OwnedNotice = Annotated[NoticeRecord, Depends(owned_notice)]


def notice_filters(
    kind: Annotated[NoticeKind | None, Query()] = None,
    topic: Annotated[Code | None, Query(description="About this topic (or a narrower one)")] = None,
    partner_id: Annotated[str | None, Query(max_length=40)] = None,
    organization_id: OrganizationQuery = None,
    language: Annotated[
        LanguageCode | None, Query(description="`de` also finds `de-ch`; `de-ch` only itself")
    ] = None,
    status: Annotated[
        list[NoticeStatus] | None,
        Query(description="Repeat for several; default: `published` only"),
    ] = None,
    visibility: Annotated[Visibility | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in title or body")] = None,
    open: Annotated[
        bool | None,
        Query(description="`true`: no deadline or one today or later; `false`: deadline passed"),
    ] = None,
) -> NoticeFilters:
    return NoticeFilters(
        kind=kind,
        topic=topic,
        partner_id=partner_id,
        organization_id=organization_id,
        language=language,
        statuses=tuple(status or ()),
        visibility=visibility,
        q=q,
        open=open,
    )


NoticeFiltersDep = Annotated[NoticeFilters, Depends(notice_filters)]


def _out(response: Response, record: NoticeRecord) -> NoticeOut:
    set_etag(response, record.notice.version)
    return NoticeOut.of(record.notice, organization_name=record.organization_name)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=NoticeOut,
    responses=problem_responses(401, 403, 404, 409, 413, 422, 503),
)
async def create_notice(
    data: NoticeCreate,
    session: SessionDep,
    principal: MemberAuth,
    response: Response,
    taxonomy: TaxonomyDep,
) -> NoticeOut:
    """Post a notice for one of your organisations: a call for partners, a funding call, a
    standard's change. Published at once (`notice.published`) unless `status` is `draft`."""
    record = await service.create_notice(session, principal=principal, data=data, taxonomy=taxonomy)
    return _out(response, record)


@router.get("", response_model=Page[NoticeOut], responses=problem_responses(401, 422, 503))
async def list_notices(
    session: SessionDep,
    principal: AnyAuth,
    page: PageDep,
    filters: NoticeFiltersDep,
    taxonomy: TaxonomyDep,
) -> Page[NoticeOut]:
    """List the notices this key may read, newest first (published ones unless `status`
    asks for drafts or withdrawn ones)."""
    result = await service.list_notices(
        session, principal=principal, filters=filters, page=page, taxonomy=taxonomy
    )
    return Page[NoticeOut](
        data=[
            NoticeOut.of(record.notice, organization_name=record.organization_name)
            for record in result.items
        ],
        has_more=result.has_more,
        next_cursor=result.next_cursor,
    )


# /v1/notices.atom: a path of its own (no "/" before "atom"), never taken for an id.
@router.get(
    ".atom",
    response_class=Response,
    responses={
        200: {
            "description": "An Atom feed (RFC 4287) of the newest notices",
            "content": {MEDIA_TYPE: {"schema": {"type": "string"}}},
        },
        304: {"description": "Unchanged since the ETag sent in If-None-Match"},
        **problem_responses(401, 422, 503),
    },
)
async def notices_feed(
    reader: NoticesReader,
    session: SessionDep,
    filters: NoticeFiltersDep,
    taxonomy: TaxonomyDep,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=100, description="Entries, newest first")] = FEED_LIMIT,
) -> Response:
    """The newest notices as an Atom feed, with the list's filters. Feed readers that
    cannot send a header use `?token=` from POST /v1/calendar-subscriptions (`feed:
    notices`); its stored filters apply unless a parameter here says otherwise."""
    feed = await service.notices_feed(
        session,
        principal=reader.principal,
        filters=reader.over(filters),
        limit=limit,
        taxonomy=taxonomy,
        self_url=str(request.url.remove_query_params("token")),
        api_url=f"{str(request.base_url).rstrip('/')}/v1/notices",
    )
    return feed_response(request, feed, MEDIA_TYPE)


@router.get(
    "/{notice_id}", response_model=NoticeOut, responses=problem_responses(401, 404, 422, 503)
)
async def get_notice(record: VisibleNotice, response: Response) -> NoticeOut:
    """Read one notice."""
    return _out(response, record)


@router.patch(
    "/{notice_id}",
    response_model=NoticeOut,
    responses=problem_responses(401, 403, 404, 409, 412, 413, 422, 503),
)
async def update_notice(
    data: NoticeUpdate,
    record: OwnedNotice,
    session: SessionDep,
    principal: MemberAuth,
    response: Response,
    taxonomy: TaxonomyDep,
    if_match: IfMatch = None,
) -> NoticeOut:
    """Change a notice you own (send If-Match to guard against lost updates); `status:
    published` publishes a draft. A withdrawn notice cannot change (409)."""
    updated = await service.update_notice(
        session,
        principal=principal,
        record=record,
        data=data,
        if_match=if_match,
        taxonomy=taxonomy,
    )
    return _out(response, updated)


@router.delete(
    "/{notice_id}",
    response_model=NoticeOut,
    responses=problem_responses(401, 403, 404, 412, 422, 503),
)
async def withdraw_notice(
    record: OwnedNotice, session: SessionDep, response: Response, if_match: IfMatch = None
) -> NoticeOut:
    """Withdraw a notice (soft delete: it reads `withdrawn`, its history stays)."""
    withdrawn = await service.withdraw_notice(session, record=record, if_match=if_match)
    return _out(response, withdrawn)
