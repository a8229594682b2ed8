"""Buyers' requests: what is needed, how many, by when, where, with which certificates."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core.dates import today, utcnow
from app.core.errors import Conflict, InvalidInput, NotFound
from app.core.events import publish
from app.core.pagination import PageParams, Window, window
from app.core.schemas import patch_changes
from app.geo.service import region_near
from app.market.export import export_chunks
from app.market.external_refs import ensure_free
from app.market.listing import MarketFilters
from app.models import CapacityRequest
from app.organizations.acting import acting_organization
from app.requests.announce import announce
from app.requests.events import RequestQuantityCut, RequestsClosed
from app.requests.repository import RequestRepository
from app.requests.rules import OPEN_STATUSES, covers
from app.requests.schemas import RequestRow, RequestUpdate
from app.tabular.export import Sessions
from app.tabular.writing import Chunks
from app.taxonomy.codes import CodeKind, search_terms
from app.taxonomy.vocabulary import Taxonomy
from app.web.http import check_if_match


class RequestNotFound(NotFound):
    pass


class RequestCancelled(Conflict):
    title = "Request is cancelled"


def check_request(request: CapacityRequest) -> None:
    """Rules on the complete request, after a create or a merged PATCH."""
    if not request.skills and not request.products:
        raise InvalidInput.at("skills", "name at least one skill or product")
    overlap = set(request.required_certifications) & set(request.preferred_certifications)
    if overlap:
        raise InvalidInput.at(
            "preferred_certifications",
            f"{', '.join(sorted(overlap))} already required; list a code in one place only",
        )
    request.search_codes = search_terms(
        [
            ("skill", request.skills),
            ("product", request.products),
            (
                "certification",
                [*request.required_certifications, *request.preferred_certifications],
            ),
        ]
    )


CODE_FIELDS: dict[str, CodeKind] = {
    "skills": "skill",
    "products": "product",
    "required_certifications": "certification",
    "preferred_certifications": "certification",
}


def check_codes(
    taxonomy: Taxonomy, lists: dict[str, Any], *, current: CapacityRequest | None = None
) -> None:
    """Every code must be known; a deprecated one only where the request already had it."""
    taxonomy.check(
        (kind, name, lists[name], getattr(current, name) if current is not None else ())
        for name, kind in CODE_FIELDS.items()
        if lists.get(name) is not None
    )


def check_needed_by(needed_by: date, *, on: date) -> None:
    if needed_by < on:
        raise InvalidInput.at("needed_by", "lies in the past")


def export_requests(
    sessions: Sessions, *, principal: Principal, filters: MarketFilters, csv_lines: bool = False
) -> Chunks:
    """Every request the list would show, as export rows in chunks (read when iterated)."""
    return export_chunks(
        RequestRepository, sessions, principal=principal, filters=filters, csv_lines=csv_lines
    )


async def get_visible_request(
    session: AsyncSession, *, principal: Principal, request_id: str
) -> RequestRow:
    request = await RequestRepository(session).get_visible(request_id, principal)
    if request is None:
        raise RequestNotFound(f"Request {request_id} not found.")
    return request


async def get_owned_request(
    session: AsyncSession, *, principal: Principal, request_id: str
) -> CapacityRequest:
    """A request the caller owns, its row locked for the change to come (the request comes
    first in the lock order: request, then offers, then engagements)."""
    request = await RequestRepository(session).get_owned_for_update(request_id, principal)
    if request is None:
        raise RequestNotFound(f"Request {request_id} not found.")
    return request


async def get_owned_request_row(
    session: AsyncSession, *, principal: Principal, request_id: str
) -> RequestRow:
    """``get_owned_request`` as a plain row (nothing on the request changes), locked."""
    request = await RequestRepository(session).get_owned_row_for_update(request_id, principal)
    if request is None:
        raise RequestNotFound(f"Request {request_id} not found.")
    return request


async def lock_request(session: AsyncSession, request_id: str) -> None:
    """Lock the request's row before its engagements' offers (changes on its owner's behalf,
    or by the other side of an engagement)."""
    await RequestRepository(session).get_for_update(request_id)


async def lock_open_requests_of(session: AsyncSession, organization_id: str) -> list[str]:
    """Lock the organisation's open requests in id order; their ids."""
    return await RequestRepository(session).open_ids_of_organization(organization_id, lock=True)


async def owned_open_requests(
    session: AsyncSession,
    *,
    principal: Principal,
    filters: MarketFilters,
    request_ids: Collection[str] | None = None,
    limit: int,
) -> Sequence[CapacityRequest]:
    """Open, unexpired requests the caller owns (the admin: all), in id order."""
    open_filters = replace(filters, statuses=("open",))
    return await RequestRepository(session).owned_open(
        principal=principal, filters=open_filters, request_ids=request_ids, limit=limit, on=today()
    )


async def list_requests(
    session: AsyncSession, *, principal: Principal, filters: MarketFilters, page: PageParams
) -> Window[CapacityRequest]:
    rows = await RequestRepository(session).list_page(
        principal=principal, filters=filters, page=page, on=today()
    )
    return window(rows, page, lambda request: request.id)


async def update_request(
    session: AsyncSession,
    *,
    principal: Principal,
    request: CapacityRequest,
    data: RequestUpdate,
    if_match: str | None,
    taxonomy: Taxonomy,
) -> CapacityRequest:
    check_if_match(if_match, request.version)
    if request.status == "cancelled":
        raise RequestCancelled(f"Request {request.id} is cancelled; it cannot change.")
    # The organisation must still be one this key acts for (and not closed). Checked before
    # the request changes: a query after them would autoflush and bump the version twice.
    await acting_organization(session, principal=principal, organization_id=request.organization_id)
    changes = patch_changes(data)
    check_codes(taxonomy, changes, current=request)
    if changes.get("external_ref") is not None:
        await ensure_free(
            RequestRepository(session).holder_of_external_ref,
            kind="request",
            partner_id=request.partner_id,
            ref=changes["external_ref"],
            own_id=request.id,
        )
    if "quantity" in changes and changes["quantity"] < request.quantity:
        await publish(
            session, RequestQuantityCut(request_id=request.id, quantity=changes["quantity"])
        )
    if "location" in changes:
        location = changes.pop("location")
        region = await region_near(session, location.lat, location.lon)
        request.lat, request.lon, request.region = location.lat, location.lon, region
    if "needed_by" in changes:
        check_needed_by(changes["needed_by"], on=today())
    if "weights" in changes:
        changes["weights"] = changes["weights"].overrides() if changes["weights"] else None
    if changes.get("status") == "cancelled":
        request.closed_at = utcnow()
    was = request.status
    for field, value in changes.items():
        setattr(request, field, value)
    check_request(request)
    request.updated_at = utcnow()
    await session.flush()
    await _closed(session, request, was=was)
    await announce(session, [request], _change(was, request.status))
    return request


async def cancel_request(
    session: AsyncSession, *, request: CapacityRequest, if_match: str | None
) -> CapacityRequest:
    """Soft delete: the request reads ``cancelled``; its history stays."""
    check_if_match(if_match, request.version)
    if request.status != "cancelled":
        was = request.status
        now = utcnow()
        request.status = "cancelled"
        request.closed_at = now
        request.updated_at = now
        await session.flush()
        await _closed(session, request, was=was)
        await announce(session, [request], "request.closed")
    return request


def _change(was: str, now: str) -> str:
    """The event type of a change from status ``was`` to ``now``: leaving the market
    (cancelled, fulfilled) is ``request.closed``."""
    return (
        "request.closed" if was in OPEN_STATUSES and now not in OPEN_STATUSES else "request.updated"
    )


async def _closed(session: AsyncSession, request: CapacityRequest, *, was: str) -> None:
    """A request its owner takes off the market (``RequestsClosed``)."""
    if was == "open" and request.status != "open":
        await publish(session, RequestsClosed(request_ids=(request.id,), status=request.status))


async def settle_request(session: AsyncSession, request_id: str, *, accepted: int) -> None:
    """The request reads fulfilled while ``accepted`` units cover it (and open again if not)."""
    request = await RequestRepository(session).get_for_update(request_id)
    now = utcnow()
    covered = covers(accepted, request.quantity)
    was = request.status
    if covered and was == "open":
        request.status, request.closed_at, request.updated_at = "fulfilled", now, now
    elif not covered and was == "fulfilled":
        request.status, request.closed_at, request.updated_at = "open", None, now
    await session.flush()
    if request.status != was:
        await announce(session, [request], _change(was, request.status))


async def id_of_external_ref(session: AsyncSession, *, partner_id: str, ref: str) -> str | None:
    """The id of the partner's request holding ``ref`` (imports upsert by it)."""
    return await RequestRepository(session).holder_of_external_ref(partner_id, ref)


async def ids_of_external_refs(
    session: AsyncSession, *, partner_id: str, refs: Collection[str]
) -> dict[str, str]:
    """``external_ref`` -> id of the partner's requests holding one of ``refs``."""
    return await RequestRepository(session).holders_of_external_refs(partner_id, refs)


async def owned_requests(
    session: AsyncSession, *, principal: Principal, request_ids: Collection[str]
) -> dict[str, CapacityRequest]:
    """The requests among these ids that ``principal`` may change, their rows locked."""
    return await RequestRepository(session).get_owned_many_for_update(request_ids, principal)
