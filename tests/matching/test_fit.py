"""The hard filters, one at a time, and both scorers keeping exactly the offers they pass."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from app.geo.distance import haversine_km
from app.matching.fit import (
    BeyondRequestDistance,
    BeyondServiceRadius,
    CertificationMissing,
    Fit,
    NothingCovered,
    NothingInTime,
    OtherUnit,
    WindowEnded,
    assess_fit,
)
from app.matching.values import HeldCertification, OfferRecord, Want
from tests.matching.support import (
    BERLIN,
    CERTIFICATIONS,
    POTSDAM,
    SKILLS,
    TAXONOMY,
    day,
    make_offer,
    make_want,
    matching_pairs,
    offers,
    rank,
    wants,
)

POTSDAM_KM = haversine_km(*BERLIN, *POTSDAM)
# A certification with narrower codes under it (held narrower counts for the broad one).
BROAD_CERTIFICATION = next(
    code for code in CERTIFICATIONS if any(c.startswith(code + ".") for c in CERTIFICATIONS)
)
NARROWER_CERTIFICATION = next(c for c in CERTIFICATIONS if c.startswith(BROAD_CERTIFICATION + "."))
UNRELATED_SKILL = next(
    code
    for code in SKILLS
    if TAXONOMY.cross_similarity(
        "textile.sewing.medical", code, wanted_kind="skill", offered_kind="skill"
    )
    == 0.0
)


def test_an_offer_that_passes_every_filter_fits_with_what_was_measured() -> None:
    verdict = assess_fit(make_want(), make_offer(), TAXONOMY)
    assert isinstance(verdict, Fit)
    assert verdict.distance_km == pytest.approx(POTSDAM_KM)
    assert verdict.coverage == (1.0,)
    assert verdict.deliverable == 7_000 * 61 // 7  # today to needed_by (day 60), inclusive


@pytest.mark.parametrize(
    ("want", "offer", "misfit"),
    [
        (make_want(), make_offer(unit="kg"), OtherUnit(offered="kg", wanted="pieces")),
        (
            make_want(),
            make_offer(available_from=day(-30), available_until=day(-1)),
            WindowEnded(available_until=day(-1)),
        ),
        (
            make_want(required_certifications=("en-14683",)),
            make_offer(),
            CertificationMissing(code="en-14683", needed_by=day(60)),
        ),
        (
            make_want(required_certifications=("en-14683",)),
            make_offer(certifications={"en-14683": HeldCertification(valid_until=day(59))}),
            CertificationMissing(code="en-14683", needed_by=day(60)),
        ),
        (
            make_want(max_distance_km=20.0),
            make_offer(),
            BeyondRequestDistance(distance_km=POTSDAM_KM, max_distance_km=20.0),
        ),
        (
            make_want(),
            make_offer(service_radius_km=20.0),
            BeyondServiceRadius(distance_km=POTSDAM_KM, service_radius_km=20.0),
        ),
        (make_want(), make_offer(skills=(UNRELATED_SKILL,)), NothingCovered()),
        (
            make_want(needed_by=day(20)),
            make_offer(available_from=day(21)),
            NothingInTime(needed_by=day(20)),
        ),
        (
            make_want(needed_by=day(20)),
            make_offer(lead_time_days=21),
            NothingInTime(needed_by=day(20)),
        ),
    ],
    ids=[
        "unit",
        "window ended",
        "certification not held",
        "certification expires before needed_by",
        "beyond the request's distance",
        "beyond the offer's radius",
        "nothing covered",
        "starts after needed_by",
        "lead time past needed_by",
    ],
)
def test_each_hard_filter_names_itself(want: Want, offer: OfferRecord, misfit: object) -> None:
    assert assess_fit(want, offer, TAXONOMY) == misfit
    assert rank(want, [offer]) == []


def test_the_first_failing_filter_is_named() -> None:
    offer = make_offer(unit="kg", skills=(UNRELATED_SKILL,), service_radius_km=1.0)
    assert assess_fit(make_want(), offer, TAXONOMY) == OtherUnit(offered="kg", wanted="pieces")
    assert isinstance(
        assess_fit(make_want(), replace(offer, unit="pieces"), TAXONOMY), BeyondServiceRadius
    )


def test_the_taxonomy_hierarchy_counts_for_skills_and_certifications() -> None:
    broad = make_want(skills=("textile",), required_certifications=(BROAD_CERTIFICATION,))
    narrow_offer = make_offer(
        skills=("textile.sewing.medical",),
        certifications={NARROWER_CERTIFICATION: HeldCertification()},
    )
    assert isinstance(assess_fit(broad, narrow_offer, TAXONOMY), Fit)
    # The other way round a broad certification does not stand in for a narrower one.
    narrow_want = replace(broad, required_certifications=(NARROWER_CERTIFICATION,))
    broad_offer = replace(narrow_offer, certifications={BROAD_CERTIFICATION: HeldCertification()})
    assert assess_fit(narrow_want, broad_offer, TAXONOMY) == CertificationMissing(
        code=NARROWER_CERTIFICATION, needed_by=day(60)
    )


def test_booked_units_count_against_what_is_deliverable() -> None:
    offer = make_offer(capacity_total=1_000)
    assert isinstance(assess_fit(make_want(), offer, TAXONOMY), Fit)
    booked = replace(offer, reserved_quantity=1_000)
    assert assess_fit(make_want(), booked, TAXONOMY) == NothingInTime(needed_by=day(60))


@settings(max_examples=200, deadline=None)
@given(st.tuples(wants(), offers()) | matching_pairs())
def test_both_scorers_keep_exactly_the_offers_that_fit(pair: tuple[Want, OfferRecord]) -> None:
    want, offer = pair
    verdict = assess_fit(want, offer, TAXONOMY)
    event(type(verdict).__name__)  # about half fit; every filter fails somewhere
    # ``rank`` runs the vectorised scorer and the reference and asserts they agree.
    kept = rank(want, [offer], limit=1)
    assert bool(kept) == isinstance(verdict, Fit)
