"""Saved searches: CRUD and their matches now (alerts come as events)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Response, status

from app.alerts import service
from app.alerts.schemas import SavedSearchCreate, SavedSearchOut, SavedSearchUpdate
from app.auth.dependencies import AnyAuth, MemberAuth
from app.auth.routing import domain_router
from app.core.db import SessionDep
from app.core.errors import problem_responses
from app.core.pagination import Page, PageDep, to_page
from app.matching.router import FeedDep, WindowDep
from app.matching.schemas import OfferMatchPage
from app.models import SavedSearch
from app.taxonomy.dependencies import TaxonomyDep
from app.web.http import IfMatch, set_etag

router = domain_router("/saved-searches", tags=["saved searches"])


async def owned_saved_search(
    session: SessionDep, principal: AnyAuth, saved_search_id: str
) -> SavedSearch:
    return await service.get_owned_saved_search(
        session, principal=principal, saved_search_id=saved_search_id
    )


OwnedSavedSearch = Annotated[SavedSearch, Depends(owned_saved_search)]


def _out(response: Response, saved: SavedSearch) -> SavedSearchOut:
    set_etag(response, saved.version)
    return SavedSearchOut.model_validate(saved)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SavedSearchOut,
    responses=problem_responses(401, 403, 404, 409, 413, 422, 503),
)
async def create_saved_search(
    data: SavedSearchCreate,
    session: SessionDep,
    principal: MemberAuth,
    response: Response,
    taxonomy: TaxonomyDep,
) -> SavedSearchOut:
    """Save a match search for one of your organisations; new matches come as match.found."""
    saved = await service.create_saved_search(
        session, principal=principal, data=data, taxonomy=taxonomy
    )
    return _out(response, saved)


@router.get("", response_model=Page[SavedSearchOut], responses=problem_responses(401, 422, 503))
async def list_saved_searches(
    session: SessionDep, principal: AnyAuth, page: PageDep
) -> Page[SavedSearchOut]:
    """List your saved searches (a partner: those of all its organisations), newest first."""
    result = await service.list_saved_searches(session, principal=principal, page=page)
    return to_page(result, SavedSearchOut)


@router.get(
    "/{saved_search_id}",
    response_model=SavedSearchOut,
    responses=problem_responses(401, 404, 422, 503),
)
async def get_saved_search(saved: OwnedSavedSearch, response: Response) -> SavedSearchOut:
    """Read one saved search."""
    return _out(response, saved)


@router.patch(
    "/{saved_search_id}",
    response_model=SavedSearchOut,
    responses=problem_responses(401, 403, 404, 409, 412, 413, 422, 503),
)
async def update_saved_search(
    data: SavedSearchUpdate,
    saved: OwnedSavedSearch,
    session: SessionDep,
    principal: MemberAuth,
    response: Response,
    taxonomy: TaxonomyDep,
    if_match: IfMatch = None,
) -> SavedSearchOut:
    """Change a saved search (`criteria` is replaced as a whole); send If-Match to guard
    against lost updates."""
    updated = await service.update_saved_search(
        session,
        principal=principal,
        saved=saved,
        data=data,
        if_match=if_match,
        taxonomy=taxonomy,
    )
    return _out(response, updated)


@router.delete(
    "/{saved_search_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 422, 503),
)
async def delete_saved_search(saved: OwnedSavedSearch, session: SessionDep) -> None:
    """Delete a saved search; no more alerts come from it."""
    await service.delete_saved_search(session, saved=saved)


@router.get(
    "/{saved_search_id}/matches",
    response_model=OfferMatchPage,
    responses=problem_responses(401, 404, 409, 422, 503),
)
async def saved_search_matches(
    saved: OwnedSavedSearch,
    session: SessionDep,
    principal: AnyAuth,
    feed: FeedDep,
    window: WindowDep,
    taxonomy: TaxonomyDep,
) -> OfferMatchPage:
    """Offers ranked now for the saved criteria, exactly as POST /v1/matches/search ranks."""
    return await service.saved_search_matches(
        session, feed, principal=principal, saved=saved, window=window, taxonomy=taxonomy
    )
