"""Monotonicity of the score, and the fast scorer's top-k equal to the reference's."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from app.matching.candidates import build_candidates
from app.matching.reference import reference_score_offers
from app.matching.scoring import score_offers
from app.matching.values import After, HeldCertification, OfferRecord, Viewer, Want
from tests.matching.support import (
    CERTIFICATIONS,
    TAXONOMY,
    day,
    matching_pairs,
    offers,
    only,
    wants,
)

PROPERTY = settings(max_examples=75, deadline=None)


@PROPERTY
@given(matching_pairs(), st.floats(0.0, 1.0))
def test_moving_an_offer_closer_never_lowers_its_score(
    pair: tuple[Want, OfferRecord], fraction: float
) -> None:
    want, offer = pair
    # Along the request's meridian the distance grows with the latitude difference.
    far = replace(offer, lon=want.lon)
    closer = replace(far, lat=want.lat + (far.lat - want.lat) * fraction)
    far_match = only(want, far)
    assume(far_match is not None)
    assert far_match is not None
    closer_match = only(want, closer)
    assert closer_match is not None
    assert closer_match.distance_km <= far_match.distance_km
    assert closer_match.score >= far_match.score


@PROPERTY
@given(matching_pairs(), st.sampled_from(CERTIFICATIONS), st.booleans())
def test_adding_a_preferred_certification_never_lowers_the_score(
    pair: tuple[Want, OfferRecord], code: str, verified: bool
) -> None:
    want, offer = pair
    preferred = tuple(dict.fromkeys((*want.preferred_certifications, code)))
    want = replace(want, preferred_certifications=preferred)
    assume(code not in offer.certifications)
    before = only(want, offer)
    assume(before is not None)
    assert before is not None
    held = {**offer.certifications, code: HeldCertification(verified=verified)}
    after = only(want, replace(offer, certifications=held))
    assert after is not None
    assert after.score >= before.score
    assert after.breakdown["certification"] >= before.breakdown["certification"]


@PROPERTY
@given(matching_pairs(), st.integers(1, 5_000), st.integers(0, 50_000))
def test_more_capacity_never_lowers_the_score(
    pair: tuple[Want, OfferRecord], more_per_week: int, more_total: int
) -> None:
    want, offer = pair
    before = only(want, offer)
    assume(before is not None)
    assert before is not None
    bigger = replace(
        offer,
        capacity_per_week=offer.capacity_per_week + more_per_week,
        capacity_total=None if offer.capacity_total is None else offer.capacity_total + more_total,
    )
    after = only(want, bigger)
    assert after is not None
    assert after.score >= before.score
    assert after.deliverable_quantity >= before.deliverable_quantity


@PROPERTY
@given(matching_pairs(), st.sampled_from(CERTIFICATIONS), st.booleans())
def test_removing_a_required_certification_removes_the_match(
    pair: tuple[Want, OfferRecord], code: str, verified: bool
) -> None:
    want, offer = pair
    want = replace(want, required_certifications=(code,))
    held = {
        **offer.certifications,
        code: HeldCertification(valid_until=day(400), verified=verified),
    }
    offer = replace(offer, certifications=held)
    assume(only(want, offer) is not None)
    # Removing it also removes the more specific codes that would satisfy it.
    kept = {c: h for c, h in held.items() if c != code and not c.startswith(code + ".")}
    assert only(want, replace(offer, certifications=kept)) is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.data_too_large])
@given(
    wants(),
    st.integers(0, 120).flatmap(lambda n: st.tuples(*(offers(f"offer-{i:03d}") for i in range(n)))),
    st.integers(1, 25),
    st.sampled_from([0.0, 0.0, 0.3, 0.5]),
    st.sampled_from(["en", "de"]),
    st.randoms(use_true_random=False),
    st.integers(1, 40),
    st.sampled_from([1, 3, 1024]),
    st.sampled_from([None, Viewer("p1"), Viewer("p2"), Viewer("p3"), Viewer(sees_all=True)]),
    st.sampled_from([None, None, "DE-BE"]),
)
def test_the_fast_scorer_ranks_exactly_as_the_reference(
    want: Want,
    records: tuple[OfferRecord, ...],
    limit: int,
    min_score: float,
    language: str,
    random: object,
    leaf_size: int,
    batch_rows: int,
    viewer: Viewer | None,
    region: str | None,
) -> None:
    shuffled = list(records)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    options = {"min_score": min_score, "language": language, "viewer": viewer, "region": region}
    candidates = build_candidates(shuffled, leaf_size=leaf_size)
    fast = score_offers(want, candidates, TAXONOMY, limit=limit, batch_rows=batch_rows, **options)  # type: ignore[arg-type]
    slow = reference_score_offers(want, shuffled, TAXONOMY, limit=limit, **options)  # type: ignore[arg-type]
    if slow:
        # The next page, after the last match of this one, agrees as well.
        after = After(slow[-1].score, slow[-1].offer_id)
        assert score_offers(
            want,
            candidates,
            TAXONOMY,
            limit=limit,
            after=after,
            batch_rows=batch_rows,
            **options,  # type: ignore[arg-type]
        ) == reference_score_offers(want, shuffled, TAXONOMY, limit=limit, after=after, **options)  # type: ignore[arg-type]
    event(f"matches: {min(len(fast), 5)}{'+' if len(fast) >= 5 else ''}")
    assert fast == slow
    assert len(fast) <= limit
    assert [(-m.score, m.offer_id) for m in fast] == sorted((-m.score, m.offer_id) for m in fast)
