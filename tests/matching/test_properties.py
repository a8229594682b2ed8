"""Monotonicity of the score, and the fast scorers' top-k equal to the references', both ways:
offers for a request (``score_offers``) and open requests for an offer (``score_requests``
and the live ``RequestIndex``)."""

from __future__ import annotations

from dataclasses import replace
from random import Random
from typing import Any

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from app.matching.candidates import build_candidates
from app.matching.demand import AfterRequest, RequestRecord
from app.matching.demand_columns import build_requests
from app.matching.demand_index import RequestIndex
from app.matching.demand_reference import reference_score_requests
from app.matching.demand_scoring import score_requests
from app.matching.reference import reference_score_offers
from app.matching.scoring import score_offers
from app.matching.values import After, HeldCertification, OfferRecord, Viewer, Want
from tests.matching.support import (
    CERTIFICATIONS,
    TAXONOMY,
    TODAY,
    day,
    demand,
    markets,
    matching_pairs,
    only,
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


@PROPERTY
@given(
    matching_pairs(),
    st.sampled_from(CERTIFICATIONS),
    st.booleans(),
    st.booleans(),
    st.integers(-30, 120),
)
def test_held_and_valid_beats_in_progress_other_things_equal(
    pair: tuple[Want, OfferRecord], code: str, required: bool, verified: bool, expected: int
) -> None:
    """The same offer with ``code`` held (valid on needed_by) or in progress, required or
    preferred: held never ranks lower, and with the default weights it scores higher
    whenever its certification factor is above 0."""
    want, offer = pair
    if required:
        codes = (*want.required_certifications, code)
        want = replace(want, required_certifications=tuple(dict.fromkeys(codes)))
    else:
        codes = (*want.preferred_certifications, code)
        want = replace(want, preferred_certifications=tuple(dict.fromkeys(codes)))
    # Only ``code`` differs: no other certificate serves it.
    others = {
        c: h for c, h in offer.certifications.items() if c != code and not c.startswith(code + ".")
    }
    waiting = replace(
        offer, certifications={**others, code: HeldCertification(expected_by=day(expected))}
    )
    held = replace(
        offer,
        certifications={
            **others,
            code: HeldCertification(valid_until=want.needed_by, verified=verified),
        },
    )
    in_progress = only(want, waiting)
    assume(in_progress is not None)
    assert in_progress is not None
    event("required" if required else "preferred")
    winner = only(want, held)
    assert winner is not None
    assert winner.score >= in_progress.score
    assert winner.breakdown["certification"] >= in_progress.breakdown["certification"]
    assert winner.deliverable_quantity >= in_progress.deliverable_quantity
    if want.weights is None and winner.breakdown["certification"] > 0.0:
        assert winner.score > in_progress.score
    if required:
        assert in_progress.breakdown["certification"] < 1.0


RANKING = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.data_too_large, HealthCheck.too_slow],
)
VIEWERS = [None, Viewer("p1"), Viewer("p2"), Viewer("p3"), Viewer(sees_all=True)]


def _size(found: list[Any]) -> str:
    """A hypothesis event: how many matches (the share of empty rankings is watched)."""
    return f"{min(len(found), 5)}{'+' if len(found) >= 5 else ''}"


@RANKING
@given(
    markets(),
    st.integers(1, 25),
    st.sampled_from([0.0, 0.0, 0.3, 0.5]),
    st.sampled_from(["en", "de"]),
    st.randoms(use_true_random=False),
    st.integers(1, 40),
    st.sampled_from([1, 3, 1024]),
    st.sampled_from(VIEWERS),
    st.sampled_from([None, None, "DE-BE"]),
)
def test_the_fast_scorer_ranks_exactly_as_the_reference(
    market: tuple[Want, list[OfferRecord]],
    limit: int,
    min_score: float,
    language: str,
    random: Random,
    leaf_size: int,
    batch_rows: int,
    viewer: Viewer | None,
    region: str | None,
) -> None:
    want, records = market
    shuffled = list(records)
    random.shuffle(shuffled)
    options: dict[str, Any] = {
        "min_score": min_score,
        "language": language,
        "viewer": viewer,
        "region": region,
    }
    candidates = build_candidates(shuffled, leaf_size=leaf_size)
    fast = score_offers(want, candidates, TAXONOMY, limit=limit, batch_rows=batch_rows, **options)
    slow = reference_score_offers(want, shuffled, TAXONOMY, limit=limit, **options)
    if slow:
        # The next page, after the last match of this one, agrees as well.
        after = After(slow[-1].score, slow[-1].offer_id)
        assert score_offers(
            want, candidates, TAXONOMY, limit=limit, after=after, batch_rows=batch_rows, **options
        ) == reference_score_offers(want, shuffled, TAXONOMY, limit=limit, after=after, **options)
    event(f"matches: {_size(fast)}")
    event(
        f"matches (any limit): {_size(reference_score_offers(want, shuffled, TAXONOMY, limit=5))}"
    )
    assert fast == slow
    assert len(fast) <= limit
    assert [(-m.score, m.offer_id) for m in fast] == sorted((-m.score, m.offer_id) for m in fast)


def _live_index(records: list[RequestRecord], random: Random) -> tuple[RequestIndex, list[str]]:
    """An index of ``records`` as a worker holds it after some writes: each record is in
    the base as it is, or stale in the base and current since, or new since; some base
    records are withdrawn since. The changes arrive in batches of random sizes, some
    records changing twice, so they are spread over the layers of changes (levels of
    at most 2 and 5 records here, then the oldest). Returns the index and the withdrawn ids."""
    base: list[RequestRecord] = []
    changes: list[tuple[str, RequestRecord | None]] = []
    withdrawn = []
    for record in records:
        fate = random.choice(["base", "base", "changed", "new", "withdrawn"])
        stale = replace(record, lat=record.lat + 3.0, quantity=record.quantity + 7)
        if fate == "base":
            base.append(record)
        elif fate == "changed":
            base.append(stale)
            changes.append((record.id, record))
        elif fate == "new":
            if random.random() < 0.3:  # changed again after it was new
                changes.append((record.id, stale))
            changes.append((record.id, record))
        else:
            base.append(record)
            changes.append((record.id, None))
            withdrawn.append(record.id)
    index = RequestIndex(base, caps=(2, 5))
    while changes:
        size = random.randint(1, 4)
        index.apply(dict(changes[:size]))
        changes = changes[size:]
    return index, withdrawn


@RANKING
@given(
    demand(),
    st.integers(1, 25),
    st.sampled_from([0.0, 0.0, 0.3, 0.5]),
    st.sampled_from(["en", "de"]),
    st.randoms(use_true_random=False),
    st.sampled_from(VIEWERS),
    st.sampled_from([None, None, "DE-BE"]),
    st.sampled_from(["the offer's", "the offer's", None, "org-1"]),
    st.integers(1, 40),
    st.sampled_from([1, 3, 1024]),
)
def test_the_demand_scorer_ranks_exactly_as_the_reference(
    world: tuple[OfferRecord, list[RequestRecord]],
    limit: int,
    min_score: float,
    language: str,
    random: Random,
    viewer: Viewer | None,
    region: str | None,
    excluded: str | None,
    leaf_size: int,
    batch_rows: int,
) -> None:
    offer, records = world
    shuffled = list(records)
    random.shuffle(shuffled)
    options: dict[str, Any] = {
        "today": TODAY,
        "min_score": min_score,
        "language": language,
        "viewer": viewer,
        "region": region,
        "exclude_organization": offer.organization_id if excluded == "the offer's" else excluded,
    }
    requests = build_requests(shuffled, leaf_size=leaf_size)
    fast = score_requests(offer, requests, TAXONOMY, limit=limit, batch_rows=batch_rows, **options)
    slow = reference_score_requests(offer, shuffled, TAXONOMY, limit=limit, **options)
    event(f"matches: {_size(fast)}")
    unfiltered = reference_score_requests(offer, shuffled, TAXONOMY, today=TODAY, limit=5)
    event(f"matches (any limit): {_size(unfiltered)}")
    assert fast == slow
    assert len(fast) <= limit
    assert [(-m.score, m.request_id) for m in fast] == sorted(
        (-m.score, m.request_id) for m in fast
    )
    index, withdrawn = _live_index(shuffled, random)
    live = [record for record in shuffled if record.id not in withdrawn]
    expected = reference_score_requests(offer, live, TAXONOMY, limit=limit, **options)
    assert index.search(offer, TAXONOMY, limit=limit, **options) == expected
    if slow:
        # The next page, after the last match of this one, agrees as well.
        after = AfterRequest(slow[-1].score, slow[-1].request_id)
        assert score_requests(
            offer, requests, TAXONOMY, limit=limit, after=after, batch_rows=batch_rows, **options
        ) == reference_score_requests(
            offer, shuffled, TAXONOMY, limit=limit, after=after, **options
        )
    if expected:
        after = AfterRequest(expected[-1].score, expected[-1].request_id)
        assert index.search(
            offer, TAXONOMY, limit=limit, after=after, **options
        ) == reference_score_requests(offer, live, TAXONOMY, limit=limit, after=after, **options)
