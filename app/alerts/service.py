"""Saved searches: a stored match search per organisation, ranked on demand."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.repository import SavedSearchRepository
from app.alerts.schemas import SavedSearchCreate, SavedSearchUpdate
from app.auth.principal import Principal
from app.core.dates import today, utcnow
from app.core.errors import FieldError, InvalidInput, NotFound
from app.core.ids import new_id
from app.core.pagination import PageParams, Window, window
from app.core.schemas import patch_changes
from app.matching import service as matching
from app.matching.feed import MatchFeed
from app.matching.schemas import MatchSearch, OfferMatchPage
from app.models import Organization, SavedSearch
from app.organizations.acting import acting_organization
from app.requests.service import CODE_FIELDS, check_codes
from app.taxonomy.vocabulary import Taxonomy
from app.web.http import check_if_match


class SavedSearchNotFound(NotFound):
    pass


def criteria_of(saved: SavedSearch) -> MatchSearch:
    """The stored criteria as the search body, for the saved search's organisation."""
    # The place stored with it (the organisation's when saved), as its alerts use it.
    place = {"location": {"lat": saved.lat, "lon": saved.lon}}
    return MatchSearch.model_validate(
        {**place, **saved.criteria, "organization_id": saved.organization_id}
    )


def _check_criteria(
    criteria: MatchSearch, organization: Organization, taxonomy: Taxonomy
) -> tuple[dict[str, Any], float, float]:
    """The rules of ``POST /v1/matches/search``; the criteria to store and the place."""
    try:
        check_codes(taxonomy, criteria.model_dump(include=set(CODE_FIELDS)))
    except InvalidInput as error:  # name the field where the body has it
        errors = [
            FieldError(field=f"criteria.{item.field}", message=item.message)
            for item in error.errors or ()
        ]
        raise InvalidInput(error.detail, errors=errors) from error
    if not criteria.skills and not criteria.products:
        raise InvalidInput.at("criteria.skills", "name at least one skill or product")
    if criteria.needed_by < today():
        raise InvalidInput.at("criteria.needed_by", "lies in the past")
    if criteria.organization_id not in (None, organization.id):
        raise InvalidInput.at("criteria.organization_id", "must be the saved search's organisation")
    if criteria.location is not None:
        lat, lon = criteria.location.lat, criteria.location.lon
    elif organization.lat is None or organization.lon is None:
        raise InvalidInput.at("criteria.location", "the organisation has no location; give one")
    else:
        lat, lon = organization.lat, organization.lon
    stored = criteria.model_dump(mode="json", exclude_unset=True)
    stored.pop("organization_id", None)
    return stored, lat, lon


async def create_saved_search(
    session: AsyncSession, *, principal: Principal, data: SavedSearchCreate, taxonomy: Taxonomy
) -> SavedSearch:
    organization = await acting_organization(
        session, principal=principal, organization_id=data.organization_id
    )
    criteria, lat, lon = _check_criteria(data.criteria, organization, taxonomy)
    now = utcnow()
    saved = SavedSearch(
        id=new_id("srch"),
        partner_id=organization.partner_id,
        organization_id=organization.id,
        name=data.name,
        criteria=criteria,
        min_score=data.min_score,
        lat=lat,
        lon=lon,
        created_at=now,
        updated_at=now,
    )
    return await SavedSearchRepository(session).add(saved)


async def get_owned_saved_search(
    session: AsyncSession, *, principal: Principal, saved_search_id: str
) -> SavedSearch:
    """A saved search of the caller (its organisation, or one of its partner's): else 404."""
    saved = await SavedSearchRepository(session).get_owned(saved_search_id, principal)
    if saved is None:
        raise SavedSearchNotFound(f"Saved search {saved_search_id} not found.")
    return saved


async def list_saved_searches(
    session: AsyncSession, *, principal: Principal, page: PageParams
) -> Window[SavedSearch]:
    rows = await SavedSearchRepository(session).list_page(principal, page)
    return window(rows, page, lambda saved: saved.id)


async def update_saved_search(
    session: AsyncSession,
    *,
    principal: Principal,
    saved: SavedSearch,
    data: SavedSearchUpdate,
    if_match: str | None,
    taxonomy: Taxonomy,
) -> SavedSearch:
    check_if_match(if_match, saved.version)
    changes = patch_changes(data)
    if "criteria" in changes:
        organization = await acting_organization(
            session, principal=principal, organization_id=saved.organization_id
        )
        saved.criteria, saved.lat, saved.lon = _check_criteria(
            changes.pop("criteria"), organization, taxonomy
        )
    for field, value in changes.items():
        setattr(saved, field, value)
    saved.updated_at = utcnow()
    await session.flush()
    return saved


async def delete_saved_search(session: AsyncSession, *, saved: SavedSearch) -> None:
    """Delete the saved search and forget which offers it was alerted about."""
    await SavedSearchRepository(session).delete(saved)


async def saved_search_matches(
    session: AsyncSession,
    feed: MatchFeed,
    *,
    principal: Principal,
    saved: SavedSearch,
    window: matching.RankWindow,
    taxonomy: Taxonomy,
) -> OfferMatchPage:
    """Offers ranked now for the saved criteria, exactly as ``POST /v1/matches/search``."""
    return await matching.search_matches(
        session,
        feed,
        principal=principal,
        data=criteria_of(saved),
        window=window,
        taxonomy=taxonomy,
    )
