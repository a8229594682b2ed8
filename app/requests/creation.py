"""New requests: one from the API, or a chunk of an import's rows at once.

Both go through ``create_requests``, so an imported row meets every rule of
POST /v1/requests (tenancy, known codes, a free ``external_ref``, dates). For a chunk,
each read it needs is one query for all its requests, the requests are inserted in one
flush and their events appended in one statement (see ``app.offers.creation``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core.dates import today, utcnow
from app.core.errors import AppError
from app.core.ids import new_id
from app.geo.service import region_near
from app.market.external_refs import HoldersLookup
from app.market.writing import Writing, new_object, write_new
from app.models import CapacityRequest
from app.organizations.acting import Posters, read_posters
from app.requests.announce import announce
from app.requests.repository import RequestRepository
from app.requests.schemas import RequestCreate
from app.requests.service import CODE_FIELDS, check_codes, check_needed_by, check_request
from app.taxonomy.vocabulary import Taxonomy


async def create_request(
    session: AsyncSession, *, principal: Principal, data: RequestCreate, taxonomy: Taxonomy
) -> CapacityRequest:
    (created,) = await create_requests(
        session, principal=principal, items=[data], taxonomy=taxonomy
    )
    if isinstance(created, AppError):
        raise created
    return created


async def create_requests(
    session: AsyncSession,
    *,
    principal: Principal,
    items: Sequence[RequestCreate],
    taxonomy: Taxonomy,
    writing: Writing = "session",
    holders_of: HoldersLookup | None = None,
) -> list[CapacityRequest | AppError]:
    """Create the requests that pass the rules; per item, the request or why it was
    refused (nothing of a refused item is written). ``writing``: see ``app.market.writing``;
    ``holders_of``: where the references in use are found (the database by default)."""
    on = today()
    repository = RequestRepository(session)
    posters = await read_posters(
        session,
        principal=principal,
        items=items,
        holders_of=holders_of or repository.holders_of_external_refs,
    )
    results: list[CapacityRequest | AppError] = []
    for data in items:
        try:
            request = await _new_request(session, posters, data, taxonomy, on=on, writing=writing)
        except AppError as exc:
            results.append(exc)
            continue
        posters.took(request)
        results.append(request)
    created = [result for result in results if not isinstance(result, AppError)]
    if await write_new(repository, created, writing):
        await announce(session, created, "request.created")
    return results


async def _new_request(
    session: AsyncSession,
    posters: Posters,
    data: RequestCreate,
    taxonomy: Taxonomy,
    *,
    on: date,
    writing: Writing,
) -> CapacityRequest:
    organization = posters.organization(data.organization_id)
    check_codes(taxonomy, data.model_dump(include=set(CODE_FIELDS)))
    check_needed_by(data.needed_by, on=on)
    posters.ensure_ref_free(organization, data.external_ref, kind="request")
    location = data.location
    # Own coordinates take the region of the nearest known postal code (None without one).
    region = await region_near(session, location.lat, location.lon) if location else None
    now = utcnow()
    request = new_object(
        CapacityRequest,
        writing,
        id=new_id("req"),
        partner_id=organization.partner_id,
        organization_id=organization.id,
        title=data.title,
        description=data.description,
        skills=data.skills,
        products=data.products,
        required_certifications=data.required_certifications,
        preferred_certifications=data.preferred_certifications,
        quantity=data.quantity,
        unit=data.unit,
        needed_by=data.needed_by,
        lat=location.lat if location else organization.lat,
        lon=location.lon if location else organization.lon,
        region=region if location else organization.region,
        max_distance_km=data.max_distance_km,
        visibility=data.visibility,
        weights=data.weights.overrides() if data.weights else None,
        alert_min_score=data.alert_min_score,
        external_ref=data.external_ref,
        status="open",
        created_at=now,
        updated_at=now,
    )
    check_request(request)
    return request
