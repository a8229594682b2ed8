"""Builders and hypothesis strategies shared by the matching tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from app.matching.candidates import build_candidates
from app.matching.reference import reference_score_offers
from app.matching.scoring import score_offers
from app.matching.values import HeldCertification, Match, OfferRecord, Want
from app.taxonomy.vocabulary import load_taxonomy

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


held_certifications: st.SearchStrategy[Mapping[str, HeldCertification]] = st.dictionaries(
    st.sampled_from(["iso-13485", "ce.mdr", "en-14683"]) | st.sampled_from(CERTIFICATIONS),
    st.builds(
        HeldCertification,
        valid_until=st.none() | st.integers(-30, 200).map(day),
        verified=st.booleans(),
    ),
    max_size=4,
)


@st.composite
def offers(draw: st.DrawFn, offer_id: str = "o1") -> OfferRecord:
    skills = draw(codes(SKILLS, 3, focus=FOCUS["skill"]))
    products = draw(codes(PRODUCTS, 3, min_size=0 if skills else 1, focus=FOCUS["product"]))
    start = draw(st.integers(-30, 60))
    return OfferRecord(
        id=offer_id,
        lat=draw(st.floats(49.0, 54.0)),
        lon=draw(st.floats(7.0, 14.0)),
        skills=skills,
        products=products,
        capacity_per_week=draw(st.integers(0, 5_000)),
        capacity_total=draw(st.none() | st.integers(0, 100_000)),
        reserved_quantity=draw(st.integers(0, 1_000)),
        available_from=day(start),
        available_until=day(start + draw(st.integers(0, 200))),
        lead_time_days=draw(st.integers(0, 30)),
        min_order_quantity=draw(st.integers(1, 20_000)),
        service_radius_km=draw(st.none() | st.floats(50.0, 800.0)),
        certifications=draw(held_certifications),
        partner_id=draw(st.sampled_from(["p1", "p2"])),
        shared=draw(st.integers(0, 3)) > 0,
        region=draw(st.sampled_from([None, "DE-BE", "DE-BW"])),
        unit=draw(st.sampled_from(["pieces"] * 9 + ["kg"])),
    )


weight_overrides = st.none() | st.dictionaries(
    st.sampled_from(["skill", "certification", "distance", "capacity", "time"]),
    st.floats(0.0, 1.0),
    max_size=5,
).filter(lambda w: sum(w.values()) > 0 or len(w) < 5)


@st.composite
def wants(draw: st.DrawFn) -> Want:
    skills = draw(codes(SKILLS, 3, focus=FOCUS["skill"]))
    products = draw(codes(PRODUCTS, 3, min_size=0 if skills else 1, focus=FOCUS["product"]))
    return Want(
        skills=skills,
        products=products,
        quantity=draw(st.integers(1, 30_000)),
        needed_by=day(draw(st.integers(0, 120))),
        lat=draw(st.floats(49.0, 54.0)),
        lon=draw(st.floats(7.0, 14.0)),
        today=TODAY,
        required_certifications=draw(st.just(()) | st.just(()) | codes(CERTIFICATIONS, 1)),
        preferred_certifications=draw(codes(CERTIFICATIONS, 3)),
        max_distance_km=draw(st.none() | st.floats(100.0, 800.0)),
        weights=draw(weight_overrides),
    )


@st.composite
def matching_pairs(draw: st.DrawFn) -> tuple[Want, OfferRecord]:
    """A request and an offer that usually pass every hard filter (for monotonicity tests)."""
    want = draw(wants())
    offer = draw(offers())
    needed_by = (want.needed_by - TODAY).days
    start = draw(st.integers(-30, max(0, needed_by - 1)))
    held = {
        **offer.certifications,
        **{
            code: HeldCertification(verified=draw(st.booleans()))
            for code in want.required_certifications
        },
    }
    offer = replace(
        offer,
        lat=want.lat + draw(st.floats(-1.0, 1.0)),
        lon=want.lon + draw(st.floats(-1.0, 1.0)),
        skills=tuple(dict.fromkeys((*want.skills, *offer.skills))),
        products=tuple(dict.fromkeys((*want.products, *offer.products))),
        capacity_per_week=draw(st.integers(100, 5_000)),
        reserved_quantity=draw(st.integers(0, 100)),
        capacity_total=draw(st.none() | st.integers(1_000, 100_000)),
        available_from=day(start),
        available_until=day(max(needed_by, 0) + draw(st.integers(0, 100))),
        lead_time_days=draw(st.integers(0, max(0, needed_by - max(start, 0)))),
        service_radius_km=draw(st.none() | st.floats(200.0, 600.0)),
        certifications=held,
    )
    return replace(want, max_distance_km=draw(st.none() | st.floats(200.0, 800.0))), offer
