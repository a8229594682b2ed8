"""Partners (cluster portals): the tenants of capmatch, managed by the operator."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.cache import forget_cached_keys
from app.auth.principal import Principal
from app.auth.schemas import ApiKeyCreate
from app.auth.service import KeyOwner, issue_key
from app.core.dates import utcnow
from app.core.errors import Conflict, NotFound
from app.core.events import Audited, publish
from app.core.ids import new_id
from app.core.pagination import PageParams, Window, window
from app.core.schemas import patch_changes
from app.models import Partner
from app.partners.repository import PartnerRepository
from app.partners.schemas import PartnerCreate, PartnerCreated, PartnerOut, PartnerUpdate
from app.web.http import check_if_match


class PartnerNotFound(NotFound):
    pass


class SlugTaken(Conflict):
    title = "Slug already taken"


async def create_partner(session: AsyncSession, *, data: PartnerCreate) -> PartnerCreated:
    repository = PartnerRepository(session)
    if await repository.slug_taken(data.slug):
        raise SlugTaken(f"A partner with slug '{data.slug}' exists already.")
    now = utcnow()
    partner = Partner(
        id=new_id("par"),
        name=data.name,
        slug=data.slug,
        status="active",
        created_at=now,
        updated_at=now,
    )
    try:
        async with session.begin_nested():
            await repository.add(partner)
    except IntegrityError as exc:  # a concurrent create took the slug
        raise SlugTaken(f"A partner with slug '{data.slug}' exists already.") from exc
    await _audit(session, "partner.created", partner)
    key = await issue_key(
        session, owner=KeyOwner(partner_id=partner.id), data=ApiKeyCreate(name="initial")
    )
    return PartnerCreated(
        **PartnerOut.model_validate(partner).model_dump(), api_key=key.api_key, api_key_id=key.id
    )


async def get_partner(session: AsyncSession, *, principal: Principal, partner_id: str) -> Partner:
    """The admin sees every partner; a partner key sees only its own.

    An organisation key acts for its organisation only: it must not read its
    partner or manage the partner's keys (a ``cmp_`` key acts for every sibling).
    """
    own = principal.kind == "partner" and principal.partner_id == partner_id
    if not principal.is_admin and not own:
        raise PartnerNotFound(f"Partner {partner_id} not found.")
    partner = await PartnerRepository(session).get(partner_id)
    if partner is None:
        raise PartnerNotFound(f"Partner {partner_id} not found.")
    return partner


async def find_partner_by_slug(session: AsyncSession, slug: str) -> Partner | None:
    """The partner with this slug, if any (for tools that make partners idempotently)."""
    return await PartnerRepository(session).by_slug(slug)


async def list_partners(
    session: AsyncSession, *, page: PageParams, status: str | None
) -> Window[Partner]:
    rows = await PartnerRepository(session).list_page(page=page, status=status)
    return window(rows, page, lambda partner: partner.id)


async def update_partner(
    session: AsyncSession, *, partner: Partner, data: PartnerUpdate, if_match: str | None
) -> Partner:
    check_if_match(if_match, partner.version)
    changes = {
        field: value
        for field, value in patch_changes(data).items()
        if getattr(partner, field) != value
    }
    for field, value in changes.items():
        setattr(partner, field, value)
    if "status" in changes:
        forget_cached_keys(session)
    await session.flush()
    if changes:
        await _audit(session, "partner.updated", partner)
    return partner


async def deactivate_partner(
    session: AsyncSession, *, partner: Partner, if_match: str | None
) -> Partner:
    """Soft delete: the partner and all its keys stop working; its data stays."""
    check_if_match(if_match, partner.version)
    if partner.status != "inactive":
        partner.status = "inactive"
        forget_cached_keys(session)
        await session.flush()
        await _audit(session, "partner.deactivated", partner)
    return partner


async def _audit(session: AsyncSession, type: str, partner: Partner) -> None:
    """Partner changes are the operator's: into the event feed like any other change."""
    shown = PartnerOut.model_validate(partner).model_dump(mode="json")
    await publish(session, Audited(type=type, object=shown, partner_id=partner.id))


async def id_of_slug(session: AsyncSession, slug: str) -> str | None:
    """The id of the partner with this slug (``capmatch import --partner``)."""
    partner = await find_partner_by_slug(session, slug)
    return partner.id if partner is not None else None
