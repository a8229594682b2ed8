"""Builders and hypothesis strategies shared by the matching tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from functools import cache
from typing import Any

from hypothesis import strategies as st

from app.matching.candidates import build_candidates
from app.matching.demand import RequestRecord
from app.matching.reference import reference_score_offers
from app.matching.reliability import NEWCOMER, TrackRecord
from app.matching.scoring import score_offers
from app.matching.values import HeldCertification, Match, OfferRecord, Want
from app.taxonomy.loading import load_taxonomy

TAXONOMY = load_taxonomy()
TODAY = date(2026, 1, 5)
BERLIN = (52.52, 13.405)
POTSDAM = (52.3906, 13.0645)  # ~27 km from Berlin
HAMBURG = (53.5511, 9.9937)  # ~255 km from Berlin


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def make_want(**changes: Any) -> Want:
    values: dict[str, Any] = {
        "skills": ("textile.sewing.medical",),
        "products": (),
        "quantity": 10_000,
        "needed_by": day(60),
        "lat": BERLIN[0],
        "lon": BERLIN[1],
        "today": TODAY,
    }
    values.update(changes)
    return Want(**values)


def make_offer(offer_id: str = "o1", **changes: Any) -> OfferRecord:
    values: dict[str, Any] = {
        "id": offer_id,
        "lat": POTSDAM[0],
        "lon": POTSDAM[1],
        "skills": ("textile.sewing.medical",),
        "products": (),
        "capacity_per_week": 7_000,
        "available_from": TODAY,
        "available_until": day(120),
    }
    values.update(changes)
    return OfferRecord(**values)


def rank(
    want: Want, offers: Sequence[OfferRecord], *, limit: int = 20, **options: Any
) -> list[Match]:
    """The fast scorer's answer, checked against the reference on every call."""
    fast = score_offers(want, build_candidates(offers), TAXONOMY, limit=limit, **options)
    slow = reference_score_offers(want, offers, TAXONOMY, limit=limit, **options)
    assert fast == slow
    # One offer per group, scored one group at a time: every group bound and the
    # early stop are exercised too.
    grouped = build_candidates(offers, leaf_size=1)
    assert score_offers(want, grouped, TAXONOMY, limit=limit, batch_rows=1, **options) == slow
    return fast


def only(want: Want, offer: OfferRecord) -> Match | None:
    matches = rank(want, [offer], limit=1)
    return matches[0] if matches else None


def with_certifications(offer: OfferRecord, **held: HeldCertification) -> OfferRecord:
    return replace(offer, certifications={**offer.certifications, **held})


SKILLS = TAXONOMY.codes("skill")
PRODUCTS = TAXONOMY.codes("product")
CERTIFICATIONS = TAXONOMY.codes("certification")


# Half the codes come from one corner of the vocabulary so random offers often match.
FOCUS = {
    "skill": [c for c in SKILLS if c.startswith(("textile", "plastics"))],
    "product": [c for c in PRODUCTS if c.startswith(("mask", "gown", "face-shield"))],
}


def codes(
    pool: list[str], max_size: int, *, min_size: int = 0, focus: list[str] | None = None
) -> st.SearchStrategy[tuple[str, ...]]:
    element = st.sampled_from(pool)
    if focus:
        element = st.sampled_from(focus) | element
    return st.lists(element, min_size=min_size, max_size=max_size, unique=True).map(tuple)


# Held (valid until some day, or open-ended), or in progress, expected some day: before
# today, in time for some requests, too late for others.
HELD = st.builds(
    HeldCertification,
    valid_until=st.none() | st.integers(-30, 200).map(day),
    verified=st.booleans(),
)
IN_PROGRESS = st.builds(HeldCertification, expected_by=st.integers(-30, 150).map(day))
held_certifications: st.SearchStrategy[Mapping[str, HeldCertification]] = st.dictionaries(
    st.sampled_from(["iso-13485", "ce.mdr", "en-14683"]) | st.sampled_from(CERTIFICATIONS),
    HELD | IN_PROGRESS,
    max_size=4,
)


# A seller's history: mostly none (a newcomer), else a few dozen engagements at most.
TRACKS = st.just(NEWCOMER) | st.builds(
    TrackRecord,
    fulfilled=st.integers(0, 30),
    failed=st.integers(0, 10),
    answered_fast=st.integers(0, 30),
    answered_late=st.integers(0, 10),
    lapsed=st.integers(0, 10),
)


# Strategies are built once: a strategy validates itself on its first draw, which cost
# more than the drawing when the composites below built new ones for every offer.
SKILL_CODES = codes(SKILLS, 3, focus=FOCUS["skill"])
PRODUCT_CODES = {size: codes(PRODUCTS, 3, min_size=size, focus=FOCUS["product"]) for size in (0, 1)}
LATITUDES = st.floats(49.0, 54.0)
LONGITUDES = st.floats(7.0, 14.0)
NEAR = st.floats(-1.0, 1.0)  # degrees around a point: up to about 130 km
RADII = st.none() | st.floats(50.0, 800.0)
WIDE_RADII = st.none() | st.floats(200.0, 600.0)
TOTALS = st.none() | st.integers(0, 100_000)
PARTNERS = st.sampled_from(["p1", "p2"])
REGIONS = st.sampled_from([None, "DE-BE", "DE-BW"])
UNITS = st.sampled_from(["pieces"] * 9 + ["kg"])


@cache
def between(low: int, high: int) -> st.SearchStrategy[int]:
    """``st.integers(low, high)``, one strategy per range."""
    return st.integers(low, high)


@st.composite
def offers(draw: st.DrawFn, offer_id: str = "o1") -> OfferRecord:
    skills = draw(SKILL_CODES)
    products = draw(PRODUCT_CODES[0 if skills else 1])
    start = draw(between(-30, 60))
    return OfferRecord(
        id=offer_id,
        lat=draw(LATITUDES),
        lon=draw(LONGITUDES),
        skills=skills,
        products=products,
        capacity_per_week=draw(between(0, 5_000)),
        capacity_total=draw(TOTALS),
        reserved_quantity=draw(between(0, 1_000)),
        available_from=day(start),
        available_until=day(start + draw(between(0, 200))),
        lead_time_days=draw(between(0, 30)),
        min_order_quantity=draw(between(1, 20_000)),
        service_radius_km=draw(RADII),
        certifications=draw(held_certifications),
        track=draw(TRACKS),
        partner_id=draw(PARTNERS),
        shared=draw(between(0, 3)) > 0,
        region=draw(REGIONS),
        unit=draw(UNITS),
    )


weight_overrides = st.none() | st.dictionaries(
    st.sampled_from(["skill", "certification", "distance", "capacity", "time"]),
    st.floats(0.0, 1.0),
    max_size=5,
).filter(lambda w: sum(w.values()) > 0 or len(w) < 5)


REQUIRED = st.just(()) | st.just(()) | codes(CERTIFICATIONS, 1)
PREFERRED = codes(CERTIFICATIONS, 3)
MAX_DISTANCES = st.none() | st.floats(100.0, 800.0)


@st.composite
def wants(draw: st.DrawFn) -> Want:
    skills = draw(SKILL_CODES)
    products = draw(PRODUCT_CODES[0 if skills else 1])
    return Want(
        skills=skills,
        products=products,
        quantity=draw(between(1, 30_000)),
        needed_by=day(draw(between(0, 120))),
        lat=draw(LATITUDES),
        lon=draw(LONGITUDES),
        today=TODAY,
        required_certifications=draw(REQUIRED),
        preferred_certifications=draw(PREFERRED),
        max_distance_km=draw(MAX_DISTANCES),
        weights=draw(weight_overrides),
    )


def _some(draw: st.DrawFn, items: Sequence[Any]) -> list[Any]:
    """A non-empty subset of ``items``, in their order (one integer drawn: a bit mask)."""
    mask = draw(between(1, 2 ** len(items) - 1))
    return [item for i, item in enumerate(items) if mask >> i & 1]


def _aimed_window(draw: st.DrawFn, needed_by: date) -> dict[str, Any]:
    """An offer window, capacity and lead time that can deliver something by ``needed_by``."""
    days = (needed_by - TODAY).days
    start = draw(between(-30, max(0, days - 1)))
    return {
        "capacity_per_week": draw(between(100, 5_000)),
        "reserved_quantity": draw(between(0, 100)),
        "capacity_total": draw(AIMED_TOTALS),
        "available_from": day(start),
        "available_until": day(max(days, 0) + draw(between(0, 100))),
        "lead_time_days": draw(between(0, max(0, days - max(start, 0)))),
    }


AIMED_TOTALS = st.none() | st.integers(1_000, 100_000)
AIMED_DISTANCES = st.none() | st.floats(200.0, 800.0)


@st.composite
def aimed_offer(draw: st.DrawFn, want: Want, offer: OfferRecord) -> OfferRecord:
    """``offer`` moved so that it usually passes ``want``'s hard filters: near, naming some
    wanted codes, in time, holding the required certifications, in the wanted unit."""
    wanted = _some(draw, want.wanted)
    days = (want.needed_by - TODAY).days
    # Required ones held, or in progress expected before needed_by (in time or not,
    # depending on the lead time drawn below).
    required = st.builds(HeldCertification, verified=st.booleans()) | st.builds(
        HeldCertification, expected_by=st.integers(-10, max(days, 0)).map(day)
    )
    held = {
        **offer.certifications,
        **{code: draw(required) for code in want.required_certifications},
    }
    return replace(
        offer,
        lat=want.lat + draw(NEAR),
        lon=want.lon + draw(NEAR),
        skills=tuple(dict.fromkeys((*(c for k, c in wanted if k == "skill"), *offer.skills))),
        products=tuple(dict.fromkeys((*(c for k, c in wanted if k == "product"), *offer.products))),
        service_radius_km=draw(WIDE_RADII),
        certifications=held,
        unit=want.unit,
        **_aimed_window(draw, want.needed_by),
    )


@st.composite
def matching_pairs(draw: st.DrawFn) -> tuple[Want, OfferRecord]:
    """A request and an offer that usually pass every hard filter (for monotonicity tests)."""
    want = draw(wants())
    offer = draw(aimed_offer(want, draw(offers())))
    # Every wanted code: the monotonicity tests change one factor of a full match.
    offer = replace(
        offer,
        skills=tuple(dict.fromkeys((*want.skills, *offer.skills))),
        products=tuple(dict.fromkeys((*want.products, *offer.products))),
    )
    return replace(want, max_distance_km=draw(AIMED_DISTANCES)), offer


@cache
def _how_many(most: int) -> st.SearchStrategy[int]:
    """At least ten rows: hypothesis favours the low end of a range, and with a handful
    of rows a test's filters leave most rankings empty. (Smaller cases: test_factors,
    test_scenarios and the monotonicity properties rank one to a few rows.)"""
    return between(min(10, most), most)


@st.composite
def markets(draw: st.DrawFn, max_offers: int = 120) -> tuple[Want, list[OfferRecord]]:
    """A request and offers, every other one aimed at it (random offers alone rarely
    pass every hard filter: most rankings would be empty and prove little)."""
    want = draw(wants())
    records = []
    for i in range(draw(_how_many(max_offers))):
        offer = draw(offers(f"offer-{i:03d}"))
        if i % 2 == 0:  # a drawn boolean is False too often (hypothesis tries zeros)
            offer = draw(aimed_offer(want, offer))
        records.append(offer)
    return want, records


# --- the request direction: open requests for one offer ------------------------------------

ORGANIZATIONS = ("org-1", "org-2", "org-3")
ORGANIZATION_IDS = st.sampled_from(ORGANIZATIONS)


@st.composite
def request_records(draw: st.DrawFn, request_id: str = "r1") -> RequestRecord:
    want = draw(wants())
    return RequestRecord(
        id=request_id,
        lat=want.lat,
        lon=want.lon,
        skills=want.skills,
        products=want.products,
        quantity=want.quantity,
        needed_by=want.needed_by,
        unit=draw(UNITS),
        required_certifications=want.required_certifications,
        preferred_certifications=want.preferred_certifications,
        max_distance_km=want.max_distance_km,
        weights=want.weights,
        organization_id=draw(ORGANIZATION_IDS),
        partner_id=draw(PARTNERS),
        shared=draw(between(0, 3)) > 0,
        region=draw(REGIONS),
    )


@st.composite
def aimed_request(draw: st.DrawFn, offer: OfferRecord, request: RequestRecord) -> RequestRecord:
    """``request`` moved so that ``offer`` usually passes its hard filters: near, wanting
    some of the offer's codes, needed after the offer can start, requiring only what the
    offer's organisation holds, in the offer's unit."""
    offered = [("skill", c) for c in offer.skills] + [("product", c) for c in offer.products]
    wanted = _some(draw, offered)[:3]
    skills = tuple(dict.fromkeys((*(c for k, c in wanted if k == "skill"), *request.skills)))
    products = tuple(dict.fromkeys((*(c for k, c in wanted if k == "product"), *request.products)))
    start = max(offer.available_from, TODAY + timedelta(days=offer.lead_time_days))
    latest = max(start, min(offer.available_until, day(150)))
    # Counted back from the latest date: hypothesis favours small numbers, and a request
    # needed on the first day the offer can deliver is an edge case, not the rule.
    span = (latest - start).days
    needed_by = latest - timedelta(days=draw(between(0, span)))
    held = sorted(offer.certifications)
    pick = draw(between(-1, len(held) - 1))  # -1: nothing required
    required = (held[pick],) if pick >= 0 else ()
    return replace(
        request,
        lat=offer.lat + draw(NEAR),
        lon=offer.lon + draw(NEAR),
        skills=skills,
        products=products,
        needed_by=max(needed_by, TODAY),
        unit=offer.unit,
        required_certifications=required,
        max_distance_km=draw(AIMED_DISTANCES),
    )


@st.composite
def demand(draw: st.DrawFn, max_requests: int = 80) -> tuple[OfferRecord, list[RequestRecord]]:
    """An offer (active today) and open requests, every other one aimed at it."""
    offer = draw(offers("the-offer"))
    until = max(offer.available_until, day(draw(between(0, 150))))
    offer = replace(
        offer,
        organization_id=draw(ORGANIZATION_IDS),
        available_until=until,
        # Something to deliver (a random offer often has nothing: then every ranking is empty).
        capacity_per_week=draw(between(100, 5_000)),
        capacity_total=draw(AIMED_TOTALS),
        reserved_quantity=draw(between(0, 10)),  # a day's production is at least 14
    )
    records = []
    for i in range(draw(_how_many(max_requests))):
        request = draw(request_records(f"req-{i:03d}"))
        if i % 2 == 0:  # a drawn boolean is False too often (hypothesis tries zeros)
            request = draw(aimed_request(offer, request))
        records.append(request)
    return offer, records
