"""The demo market as plain data, drawn from one ``random.Random(seed)``: no I/O.

The same seed and size give the same plan (dates move with the day it is drawn, so a
market made today is still current). Every request is drawn around an *anchor*: an
active offer of another member of the same cluster that it fits (codes it covers,
certifications its maker holds, within both distances, time to deliver), so every
request has at least one ranked match; the rest of the market then competes for it.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Literal

from app.demo.catalogue import (
    BRANDS,
    BUYERS,
    CLUSTERS,
    FAMILY_NAMES,
    LEGAL_FORMS,
    Town,
    Trade,
    towns,
)
from app.demo.trades import TRADES

Size = Literal["small", "large"]


@dataclass(frozen=True, slots=True)
class Dimensions:
    partners: int
    organizations_per_partner: int
    requests_per_partner: int
    engagements_per_partner: int
    offers_per_maker: tuple[int, int]  # drawn uniformly per maker


SIZES: dict[Size, Dimensions] = {
    "small": Dimensions(3, 14, 13, 2, (3, 5)),
    "large": Dimensions(10, 200, 200, 5, (5, 8)),
}
# About three in four members make things.
MAKER_SHARE = 0.75
MAX_NAME_DRAWS = 20
EARTH_RADIUS_KM = 6371.0088
# Degrees members scatter around their town (about 2 km); distances below keep 10 km spare.
JITTER = 0.02


@dataclass(frozen=True, slots=True)
class OrganizationPlan:
    ref: str
    name: str
    kind: Literal["manufacturer", "buyer", "both"]
    town: Town
    lat: float  # near the town's postal-code point, so members of one town do not coincide
    lon: float
    trade: str | None
    certifications: tuple[str, ...]
    contact_name: str
    # Whether the demo issues this member an organisation key (one maker, one buyer).
    gets_key: bool = False


@dataclass(frozen=True, slots=True)
class OfferPlan:
    ref: str
    organization: int  # index into PartnerPlan.organizations
    title: str
    skills: tuple[str, ...]
    products: tuple[str, ...]
    certifications: tuple[str, ...]
    unit: str
    per_week: int
    min_order_quantity: int
    lead_time_days: int
    available_from: date
    available_until: date
    service_radius_km: int
    visibility: Literal["network", "shared"]
    status: Literal["active", "paused", "draft"]


@dataclass(frozen=True, slots=True)
class RequestPlan:
    ref: str
    organization: int
    anchor: int  # index into PartnerPlan.offers: an offer it certainly matches
    title: str  # with "{label}" for the English label of ``wanted``
    wanted: str
    skills: tuple[str, ...]
    products: tuple[str, ...]
    quantity: int
    unit: str
    needed_by: date
    max_distance_km: int
    required_certifications: tuple[str, ...]
    preferred_certifications: tuple[str, ...]
    visibility: Literal["network", "shared"]


@dataclass(frozen=True, slots=True)
class EngagementPlan:
    request: int
    quantity: int
    accept: bool  # accepted by the maker (reserved) rather than left pending (held)


@dataclass(slots=True)
class PartnerPlan:
    slug: str
    name: str
    organizations: list[OrganizationPlan] = field(default_factory=list)
    offers: list[OfferPlan] = field(default_factory=list)
    requests: list[RequestPlan] = field(default_factory=list)
    engagements: list[EngagementPlan] = field(default_factory=list)


def distance_km(a: Town, b: Town) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def plan_market(*, seed: int, size: Size, today: date) -> list[PartnerPlan]:
    """Partners with their members, offers, requests and engagements, for ``seed``."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible demo, no secret
    dimensions = SIZES[size]
    names: set[str] = set()
    plans = []
    for number, cluster in enumerate(CLUSTERS[: dimensions.partners]):
        plan = PartnerPlan(slug=f"{cluster.slug}-demo-{seed}", name=f"{cluster.name} (demo)")
        prefix = f"demo-{seed}-p{number}"
        places = [towns()[city] for city in cluster.towns]
        for index in range(dimensions.organizations_per_partner):
            # The first member makes things and the second buys, whatever the draw.
            maker = rng.random() < MAKER_SHARE if index > 1 else index == 0
            ref = f"{prefix}-org-{index:04d}"
            plan.organizations.append(_organization(rng, ref, places, cluster.trades, names, maker))
        _mark_key_holders(plan.organizations)
        for index, member in enumerate(plan.organizations):
            if member.trade is not None:
                for _ in range(rng.randint(*dimensions.offers_per_maker)):
                    ref = f"{prefix}-off-{len(plan.offers):05d}"
                    plan.offers.append(_offer(rng, ref, index, member, today))
        for index in range(dimensions.requests_per_partner):
            request = _request(rng, f"{prefix}-req-{index:04d}", plan, today)
            if request is not None:
                plan.requests.append(request)
        plan.engagements = _engagements(rng, plan, dimensions.engagements_per_partner)
        plans.append(plan)
    return plans


def _organization(
    rng: random.Random,
    ref: str,
    places: list[Town],
    trades: tuple[str, ...],
    names: set[str],
    maker: bool,
) -> OrganizationPlan:
    town = rng.choice(places)
    trade_key = rng.choice(trades) if maker else None
    family = rng.choice(FAMILY_NAMES)
    name = ""
    # Draw again on a clash; later draws pair two families ("Huber & Moser ..."), and a
    # number makes the name unique if even that clashes (a large market, one small town).
    for attempt in range(MAX_NAME_DRAWS + 1):
        owner = rng.choice(FAMILY_NAMES) if attempt else family
        if attempt >= MAX_NAME_DRAWS // 2:
            owner = f"{owner} & {rng.choice(FAMILY_NAMES)}"
        if trade_key is None:
            name = rng.choice(BUYERS).format(city=town.city, name=owner)
        else:
            first = rng.choice((owner, rng.choice(BRANDS), town.city))
            name = f"{first} {TRADES[trade_key].noun} {rng.choice(LEGAL_FORMS[town.country])}"
        if attempt == MAX_NAME_DRAWS:
            name = f"{name} {len(names) + 1}"
        if name not in names:
            break
    names.add(name)
    trade = TRADES[trade_key] if trade_key else None
    held = tuple(c for c in trade.certifications if rng.random() < 0.8) if trade else ()
    kind: Literal["manufacturer", "buyer", "both"] = (
        "buyer" if trade is None else rng.choice(("manufacturer", "manufacturer", "both"))
    )
    return OrganizationPlan(
        ref=ref,
        name=name,
        kind=kind,
        town=town,
        lat=round(town.lat + rng.uniform(-JITTER, JITTER), 4),
        lon=round(town.lon + rng.uniform(-JITTER, JITTER), 4),
        trade=trade_key,
        certifications=held,
        contact_name=f"{rng.choice('ABCDEFGHJKLMNPRSTUW')}. {family}",
    )


def _mark_key_holders(members: list[OrganizationPlan]) -> None:
    """The first maker and the first pure buyer get an organisation key each."""
    for wanted in (lambda m: m.trade is not None, lambda m: m.kind == "buyer"):
        index = next(i for i, member in enumerate(members) if wanted(member))
        members[index] = replace(members[index], gets_key=True)


def _offer(
    rng: random.Random, ref: str, index: int, member: OrganizationPlan, today: date
) -> OfferPlan:
    trade: Trade = TRADES[member.trade or ""]
    skills = tuple(sorted(rng.sample(trade.skills, rng.randint(1, len(trade.skills)))))
    products = (
        tuple(sorted(rng.sample(trade.products, rng.randint(1, len(trade.products)))))
        if trade.products and rng.random() < 0.8
        else ()
    )
    low, high = trade.per_week
    per_week = _round(rng.randint(low, high))
    start = today + timedelta(days=rng.randint(-20, 10))
    statuses: tuple[Literal["active", "paused", "draft"], ...] = ("active", "paused", "draft")
    status = rng.choices(statuses, weights=(88, 6, 6))[0]
    return OfferPlan(
        ref=ref,
        organization=index,
        title=rng.choice(trade.titles).format(shifts=rng.randint(2, 3)),
        skills=skills,
        products=products,
        certifications=tuple(c for c in member.certifications if rng.random() < 0.7),
        unit=trade.unit,
        per_week=per_week,
        min_order_quantity=max(1, _round(per_week // rng.choice((20, 10, 5)))),
        lead_time_days=rng.choice((0, 3, 5, 7, 10, 14)),
        available_from=start,
        available_until=start + timedelta(days=rng.randint(60, 240)),
        service_radius_km=rng.randint(*trade.radius_km),
        visibility="network" if rng.random() < 0.2 else "shared",
        status=status,
    )


def _request(rng: random.Random, ref: str, plan: PartnerPlan, today: date) -> RequestPlan | None:
    active = [i for i, offer in enumerate(plan.offers) if offer.status == "active"]
    if not active:
        return None
    anchor_index = rng.choice(active)
    anchor = plan.offers[anchor_index]
    maker = plan.organizations[anchor.organization]
    # Buyers within the anchor's reach; pure buyers first, as a crisis market had them.
    reach = [
        i
        for i, member in enumerate(plan.organizations)
        if i != anchor.organization
        and member.kind != "manufacturer"
        and distance_km(member.town, maker.town) < anchor.service_radius_km - 10
    ]
    if not reach:
        return None
    buyer_index = rng.choice(reach)
    buyer = plan.organizations[buyer_index]
    distance = distance_km(buyer.town, maker.town)
    wanted = rng.sample((*anchor.skills, *anchor.products), 1)
    skills = tuple(code for code in wanted if code in anchor.skills)
    products = tuple(code for code in wanted if code in anchor.products)
    # Only certificates the anchor's maker holds can be required; it holds them open-ended.
    required = tuple(c for c in maker.certifications if rng.random() < 0.3)
    preferred = tuple(
        c
        for c in TRADES[maker.trade or ""].certifications
        if c not in required and rng.random() < 0.3
    )
    start = max(anchor.available_from, today + timedelta(days=anchor.lead_time_days))
    needed_by = start + timedelta(days=rng.randint(28, 90))
    # Shortages: about a third of the requests want more than their anchor can make.
    weeks = max(1, (min(needed_by, anchor.available_until) - start).days // 7)
    quantity = _round(int(anchor.per_week * weeks * rng.choice((0.2, 0.5, 0.8, 1.5, 3.0))))
    quantity = max(quantity, anchor.min_order_quantity * 2)
    label = (products or skills)[0]
    return RequestPlan(
        ref=ref,
        organization=buyer_index,
        anchor=anchor_index,
        title=f"{{label}}: {quantity:,} {anchor.unit} for {buyer.town.city}",
        wanted=label,
        skills=skills,
        products=products,
        quantity=quantity,
        unit=anchor.unit,
        needed_by=needed_by,
        max_distance_km=int(distance) + rng.choice((50, 100, 200, 400)),
        required_certifications=required,
        preferred_certifications=preferred,
        visibility="network" if anchor.visibility == "network" else "shared",
    )


def _engagements(rng: random.Random, plan: PartnerPlan, count: int) -> list[EngagementPlan]:
    """Holds of requests on their anchors: a small share of the offer, over its minimum."""
    used_offers: set[int] = set()
    engagements: list[EngagementPlan] = []
    for index, request in enumerate(plan.requests):
        if len(engagements) == count:
            break
        anchor = plan.offers[request.anchor]
        if request.anchor in used_offers:
            continue
        quantity = min(request.quantity, anchor.per_week)
        if quantity < anchor.min_order_quantity:
            continue
        used_offers.add(request.anchor)
        engagements.append(EngagementPlan(index, quantity, accept=rng.random() < 0.5))
    return engagements


def _round(value: int) -> int:
    """Round to two significant digits, as people write quantities (12,000, not 12,347)."""
    if value < 100:
        return max(1, value)
    scale = 10 ** (len(str(value)) - 2)
    return int(round(value / scale) * scale)
