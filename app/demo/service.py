"""Writing a planned demo market through the domains' own services.

Everything goes through the services a partner's API calls reach (organisations,
offers, requests, engagements, keys), acting as the partner, so the rules, the tenancy
checks and the events (outbox, webhooks, alerts) are those of real traffic.

Idempotent per seed: each partner's market (the partner, its members, their offers,
requests, engagements and keys) is written in one transaction, and the partner's slug
names the seed. A partner that exists already was written whole by an earlier run and
is left alone; a run that stopped half-way committed only whole partners, and the next
run adds the missing ones. Every row also carries a seed-derived ``external_ref``, so
imports can update the demo rows and a stray second write would be refused (409).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.principal import Principal, remember_principal
from app.auth.schemas import ApiKeyCreate
from app.auth.service import KeyOwner, issue_key
from app.core.config import Settings
from app.core.dates import today
from app.demo.gatherings import write_gatherings
from app.demo.plan import OfferPlan, OrganizationPlan, PartnerPlan, RequestPlan
from app.engagements.schemas import EngagementCreate
from app.engagements.service import create_engagement, transition
from app.geo.schemas import Address, Location
from app.offers.creation import create_offer
from app.offers.schemas import Capacity, OfferCreate
from app.organizations.schemas import CertificationIn, Contact, OrganizationCreate
from app.organizations.service import create_organization
from app.partners.schemas import PartnerCreate
from app.partners.service import create_partner, find_partner_by_slug
from app.requests.creation import create_request
from app.requests.schemas import RequestCreate
from app.taxonomy.vocabulary import Taxonomy

# Certificates of demo members run this long: required ones must be valid on needed_by.
CERTIFICATE_YEARS = 3


@dataclass(frozen=True, slots=True)
class IssuedKey:
    kind: str  # "partner" or "organization"
    name: str  # the partner's or the organisation's name
    owner_id: str
    api_key: str


@dataclass(slots=True)
class PartnerOutcome:
    slug: str
    name: str
    id: str
    created: bool
    keys: list[IssuedKey] = field(default_factory=list)
    organizations: int = 0
    offers: int = 0
    requests: list[str] = field(default_factory=list)  # ids, in plan order
    engagements: int = 0
    events: int = 0
    notices: int = 0


Progress = Callable[[int], None]


async def write_market(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    plans: list[PartnerPlan],
    settings: Settings,
    taxonomy: Taxonomy,
    progress: Progress | None = None,
) -> list[PartnerOutcome]:
    """Write every planned partner that does not exist yet; one transaction each."""
    step = progress or (lambda _: None)
    outcomes = []
    for plan in plans:
        async with sessionmaker() as session:
            existing = await find_partner_by_slug(session, plan.slug)
            if existing is not None:
                outcomes.append(PartnerOutcome(plan.slug, existing.name, existing.id, False))
                step(rows_of(plan))
                continue
            outcome = await _write_partner(session, plan, settings, taxonomy, step)
            await session.commit()
            outcomes.append(outcome)
    return outcomes


def rows_of(plan: PartnerPlan) -> int:
    """What a partner's market counts for in the progress bar."""
    return 1 + len(plan.organizations) + len(plan.offers) + len(plan.requests)


async def _write_partner(
    session: AsyncSession,
    plan: PartnerPlan,
    settings: Settings,
    taxonomy: Taxonomy,
    step: Progress,
) -> PartnerOutcome:
    created = await create_partner(session, data=PartnerCreate(name=plan.name, slug=plan.slug))
    outcome = PartnerOutcome(plan.slug, created.name, created.id, True)
    outcome.keys.append(IssuedKey("partner", created.name, created.id, created.api_key))
    principal = Principal(kind="partner", key_id=created.api_key_id, partner_id=created.id)
    remember_principal(session, principal)  # events name the partner's key as their actor
    step(1)
    on = today()
    organization_ids = []
    for member in plan.organizations:
        organization = await create_organization(
            session, principal=principal, data=_organization(member, on), taxonomy=taxonomy
        )
        organization_ids.append(organization.id)
        if member.gets_key:
            owner = KeyOwner(partner_id=created.id, organization_id=organization.id)
            key = await issue_key(session, owner=owner, data=ApiKeyCreate(name="demo"))
            outcome.keys.append(
                IssuedKey("organization", member.name, organization.id, key.api_key)
            )
        step(1)
    offer_ids = []
    for offer in plan.offers:
        made = await create_offer(
            session,
            principal=principal,
            data=_offer(offer, organization_ids[offer.organization]),
            taxonomy=taxonomy,
        )
        offer_ids.append(made.id)
        step(1)
    for request in plan.requests:
        made_request = await create_request(
            session,
            principal=principal,
            data=_request(request, organization_ids[request.organization], taxonomy),
            taxonomy=taxonomy,
        )
        outcome.requests.append(made_request.id)
        step(1)
    for engagement in plan.engagements:
        request = plan.requests[engagement.request]
        made_engagement = await create_engagement(
            session,
            principal=principal,
            request_id=outcome.requests[engagement.request],
            data=EngagementCreate(
                offer_id=offer_ids[request.anchor],
                quantity=engagement.quantity,
                message=f"Could you deliver {engagement.quantity:,} {request.unit} "
                f"by {request.needed_by:%d.%m.%Y}?",
            ),
            settings=settings,
            taxonomy=taxonomy,
        )
        if engagement.accept:
            await transition(
                session,
                principal=principal,
                engagement_id=made_engagement.id,
                action="accept",
                note="Confirmed, we can deliver.",
            )
    outcome.events, outcome.notices = await write_gatherings(
        session,
        principal=principal,
        plan=plan,
        organization_ids=organization_ids,
        taxonomy=taxonomy,
        on=on,
    )
    outcome.organizations = len(organization_ids)
    outcome.offers = len(offer_ids)
    outcome.engagements = len(plan.engagements)
    return outcome


def _organization(member: OrganizationPlan, on: date) -> OrganizationCreate:
    town = member.town
    valid_until = on.replace(year=on.year + CERTIFICATE_YEARS, day=1)
    slug = "".join(ch for ch in member.ref if ch.isalnum())
    return OrganizationCreate(
        name=member.name,
        kind=member.kind,
        location=Location(lat=member.lat, lon=member.lon),
        address=Address(postal_code=town.postal_code, city=town.city, country=town.country),
        certifications=[
            CertificationIn(code=code, valid_until=valid_until) for code in member.certifications
        ],
        contact=Contact(name=member.contact_name, email=f"{slug}@example.org"),
        external_ref=member.ref,
    )


def _offer(offer: OfferPlan, organization_id: str) -> OfferCreate:
    return OfferCreate(
        organization_id=organization_id,
        title=offer.title,
        skills=list(offer.skills),
        products=list(offer.products),
        certifications=list(offer.certifications),
        capacity=Capacity(unit=offer.unit, per_week=offer.per_week),
        min_order_quantity=offer.min_order_quantity,
        lead_time_days=offer.lead_time_days,
        available_from=offer.available_from,
        available_until=offer.available_until,
        service_radius_km=offer.service_radius_km,
        visibility=offer.visibility,
        status=offer.status,
        external_ref=offer.ref,
    )


def _request(request: RequestPlan, organization_id: str, taxonomy: Taxonomy) -> RequestCreate:
    term = taxonomy.get("product" if request.products else "skill", request.wanted)
    return RequestCreate(
        organization_id=organization_id,
        title=request.title.format(label=term.label_en if term else request.wanted),
        skills=list(request.skills),
        products=list(request.products),
        quantity=request.quantity,
        unit=request.unit,
        needed_by=request.needed_by,
        max_distance_km=request.max_distance_km,
        required_certifications=list(request.required_certifications),
        preferred_certifications=list(request.preferred_certifications),
        visibility=request.visibility,
        external_ref=request.ref,
    )
