"""Each factor, hard filter and rule of the scorer on small hand-made cases."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.geo.distance import haversine_km, haversine_km_array
from app.matching.candidates import build_candidates
from app.matching.scoring import score_offers
from app.matching.values import (
    DEFAULT_WEIGHTS,
    DISTANCE_SCALE_KM,
    MOQ_PENALTY,
    HeldCertification,
    Kind,
    Labelled,
    quantise,
    quantise_array,
    resolve_weights,
)
from tests.matching.support import (
    BERLIN,
    HAMBURG,
    TAXONOMY,
    day,
    make_offer,
    make_want,
    only,
    rank,
    with_certifications,
)

# -- weights ---------------------------------------------------------------------------


def test_default_weights_are_normalised_to_sum_one() -> None:
    # 1.05: reliability (0.05) joined the five factors that summed to 1.
    assert math.isclose(sum(DEFAULT_WEIGHTS.values()), 1.05)
    weights = resolve_weights()
    assert math.isclose(sum(weights.values()), 1.0)
    assert weights == pytest.approx({name: w / 1.05 for name, w in DEFAULT_WEIGHTS.items()})


def test_overrides_merge_with_defaults_and_are_normalised() -> None:
    weights = resolve_weights({"skill": 1.0, "time": 0.0})
    assert math.isclose(sum(weights.values()), 1.0)
    assert weights["time"] == 0.0
    assert weights["skill"] == pytest.approx(1.0 / 1.6)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"price": 0.5}, "unknown weight 'price'"),
        ({"skill": 1.5}, "between 0 and 1"),
        ({"skill": -0.1}, "between 0 and 1"),
        ({"skill": math.nan}, "between 0 and 1"),
        ({name: 0.0 for name in DEFAULT_WEIGHTS}, "greater than 0"),
    ],
)
def test_invalid_weights_are_refused(overrides: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        resolve_weights(overrides)
    with pytest.raises(ValueError, match=message):
        make_want(weights=overrides)


def test_a_request_needs_a_code_and_a_quantity() -> None:
    with pytest.raises(ValueError, match="skill or product"):
        make_want(skills=(), products=())
    with pytest.raises(ValueError, match="quantity"):
        make_want(quantity=0)


def test_weights_change_the_ranking() -> None:
    near_small = make_offer("near", capacity_per_week=700)
    far_big = make_offer("far", lat=HAMBURG[0], lon=HAMBURG[1])
    by_distance = rank(make_want(weights={"distance": 1.0, "capacity": 0.0}), [near_small, far_big])
    by_capacity = rank(make_want(weights={"distance": 0.0, "capacity": 1.0}), [near_small, far_big])
    assert [m.offer_id for m in by_distance] == ["near", "far"]
    assert [m.offer_id for m in by_capacity] == ["far", "near"]


# -- rounding and distance ---------------------------------------------------------------


@given(st.floats(0.0, 1.0))
def test_quantise_is_the_same_in_python_and_numpy(value: float) -> None:
    assert quantise(value) == float(quantise_array(np.array([value]))[0])


@settings(max_examples=100)
@given(
    st.floats(-89.0, 89.0), st.floats(-180.0, 180.0), st.floats(-89.0, 89.0), st.floats(-180, 180)
)
def test_vectorised_haversine_agrees_with_geo(
    lat1: float, lon1: float, lat2: float, lon2: float
) -> None:
    vectorised = haversine_km_array(lat1, lon1, np.array([lat2]), np.array([lon2]))[0]
    assert vectorised == pytest.approx(haversine_km(lat1, lon1, lat2, lon2), abs=1e-6)


def test_distance_decays_smoothly_with_the_documented_scale() -> None:
    match = only(make_want(), make_offer())
    assert match is not None
    expected = math.exp(-match.distance_km / DISTANCE_SCALE_KM)
    assert match.breakdown["distance"] == pytest.approx(expected, abs=1e-5)
    assert match.distance_km == pytest.approx(27.0, abs=1.0)


def test_max_distance_and_service_radius_are_hard_limits() -> None:
    far = make_offer(lat=HAMBURG[0], lon=HAMBURG[1])
    assert only(make_want(), far) is not None
    assert only(make_want(max_distance_km=200.0), far) is None
    assert only(make_want(max_distance_km=300.0), far) is not None
    assert only(make_want(), replace(far, service_radius_km=200.0)) is None
    assert only(make_want(), replace(far, service_radius_km=300.0)) is not None


def test_an_offer_at_the_delivery_point_scores_full_distance() -> None:
    match = only(make_want(), make_offer(lat=BERLIN[0], lon=BERLIN[1]))
    assert match is not None
    assert match.distance_km == 0.0
    assert match.breakdown["distance"] == 1.0


# -- capacity and time -------------------------------------------------------------------


def test_deliverable_is_per_week_over_usable_days_minus_reserved() -> None:
    want = make_want(quantity=2_000, needed_by=day(13))  # 14 usable days from today
    match = only(want, make_offer(capacity_per_week=700, reserved_quantity=400))
    assert match is not None
    assert match.deliverable_quantity == 1_000
    assert match.breakdown["capacity"] == 0.5


def test_an_explicit_total_caps_what_is_deliverable() -> None:
    want = make_want(quantity=2_000, needed_by=day(13))
    match = only(want, make_offer(capacity_per_week=700, capacity_total=500, reserved_quantity=400))
    assert match is not None
    assert match.deliverable_quantity == 100


def test_lead_time_shortens_the_window_and_the_head_start() -> None:
    want = make_want(quantity=1_000, needed_by=day(20))
    match = only(want, make_offer(capacity_per_week=700, lead_time_days=13))
    assert match is not None
    assert match.deliverable_quantity == 800  # days 13..20, both ends inclusive
    assert match.breakdown["time"] == 0.5  # starts 7 of the 14 full-score days ahead


def test_time_is_full_with_two_weeks_to_spare() -> None:
    match = only(make_want(needed_by=day(14)), make_offer())
    assert match is not None
    assert match.breakdown["time"] == 1.0


def test_nothing_deliverable_in_time_is_not_a_match() -> None:
    want = make_want(needed_by=day(10))
    assert only(want, make_offer(available_from=day(11))) is None
    assert only(want, make_offer(lead_time_days=11)) is None
    assert only(want, make_offer(capacity_per_week=7_000, reserved_quantity=11_000)) is None
    assert only(want, make_offer(capacity_total=0)) is None


def test_a_minimum_order_above_the_quantity_scores_low() -> None:
    want = make_want(quantity=1_000)
    match = only(want, make_offer(min_order_quantity=5_000))
    assert match is not None
    assert match.breakdown["capacity"] == pytest.approx(MOQ_PENALTY)
    assert any("minimum order" in reason for reason in match.reasons)


# -- skills and products -----------------------------------------------------------------


def test_coverage_is_the_mean_of_the_best_similarity_per_wanted_code() -> None:
    want = make_want(skills=("textile.sewing.medical", "textile.ultrasonic-welding"))
    match = only(want, make_offer(skills=("textile.sewing.medical", "textile.sewing")))
    assert match is not None
    partial = max(
        TAXONOMY.similarity("textile.ultrasonic-welding", offered)
        for offered in ("textile.sewing.medical", "textile.sewing")
    )
    assert partial == 0.3  # the sibling textile.sewing beats the cousin

    assert match.breakdown["skill"] == quantise((1.0 + partial) / 2)
    assert match.reasons[0] == "covers 2 of 2 wanted skills/products (1 partly)"


def test_a_related_skill_counts_through_the_hierarchy_and_transfers() -> None:
    want = make_want(skills=("textile.sewing.medical",))
    upholstery = only(want, make_offer(skills=("textile.sewing.upholstery",)))
    assert upholstery is not None
    assert upholstery.breakdown["skill"] == 0.7  # the documented transfer


def test_no_covered_code_is_not_a_match() -> None:
    assert only(make_want(), make_offer(skills=("metal.welding",))) is None


class _NothingAlike:
    """A vocabulary in which no code serves any other (labels as the real one)."""

    def similarity(self, wanted: str, offered: str, *, kind: Kind = "skill") -> float:
        return 0.0

    def cross_similarity(
        self, wanted: str, offered: str, *, wanted_kind: Kind, offered_kind: Kind
    ) -> float:
        return 0.0

    def get(self, kind: Kind, code: str) -> Labelled | None:
        return TAXONOMY.get(kind, code)


def test_similarities_kept_with_an_index_follow_a_new_taxonomy() -> None:
    candidates = build_candidates([make_offer()])
    want = make_want()
    assert score_offers(want, candidates, TAXONOMY, limit=5)
    assert score_offers(want, candidates, _NothingAlike(), limit=5) == []
    assert score_offers(want, candidates, TAXONOMY, limit=5)


# -- certifications ----------------------------------------------------------------------


def test_preferred_certifications_weigh_verified_more() -> None:
    want = make_want(preferred_certifications=("iso-13485", "en-14683"))
    base = make_offer()
    none = only(want, base)
    unverified = only(want, with_certifications(base, **{"iso-13485": HeldCertification()}))
    verified = only(
        want, with_certifications(base, **{"iso-13485": HeldCertification(verified=True)})
    )
    assert none is not None
    assert unverified is not None
    assert verified is not None
    assert none.breakdown["certification"] == 0.0
    assert unverified.breakdown["certification"] == 0.35
    assert verified.breakdown["certification"] == 0.5
    assert "holds ISO 13485 medical devices QMS (verified)" in verified.reasons
    assert "lacks EN 14683 medical face masks" in verified.reasons


def test_no_preferred_certifications_scores_full() -> None:
    match = only(make_want(), make_offer())
    assert match is not None
    assert match.breakdown["certification"] == 1.0


def test_a_certification_expiring_before_needed_by_does_not_count() -> None:
    want = make_want(required_certifications=("iso-13485",), needed_by=day(60))
    expiring = with_certifications(
        make_offer(), **{"iso-13485": HeldCertification(valid_until=day(59))}
    )
    lasting = with_certifications(
        make_offer(), **{"iso-13485": HeldCertification(valid_until=day(60))}
    )
    assert only(want, expiring) is None
    assert only(want, lasting) is not None


def test_a_more_specific_certification_satisfies_a_general_one() -> None:
    want = make_want(required_certifications=("ce",))
    offer = with_certifications(make_offer(), **{"ce.mdr": HeldCertification(verified=True)})
    assert only(want, offer) is not None
    general = with_certifications(make_offer(), ce=HeldCertification())
    assert only(make_want(required_certifications=("ce.mdr",)), general) is None


# -- status, visibility, ordering, options -----------------------------------------------


def test_expired_offers_never_match() -> None:
    want = make_want()
    assert only(want, make_offer(available_from=day(-30), available_until=day(-1))) is None


def test_the_caller_can_mask_out_candidates() -> None:
    offers = [make_offer("a"), make_offer("b")]
    allowed = np.array([False, True])
    matches = score_offers(
        make_want(), build_candidates(offers), TAXONOMY, limit=5, allowed=allowed
    )
    assert [m.offer_id for m in matches] == ["b"]


def test_ties_are_broken_by_offer_id() -> None:
    offers = [make_offer(offer_id) for offer_id in ("c", "a", "d", "b")]
    assert [m.offer_id for m in rank(make_want(), offers)] == ["a", "b", "c", "d"]
    assert [m.offer_id for m in rank(make_want(), offers, limit=2)] == ["a", "b"]


def test_limit_and_min_score() -> None:
    offers = [make_offer("near"), make_offer("far", lat=HAMBURG[0], lon=HAMBURG[1])]
    scores = {m.offer_id: m.score for m in rank(make_want(), offers)}
    assert scores["near"] > scores["far"]
    assert [m.offer_id for m in rank(make_want(), offers, min_score=scores["near"])] == ["near"]
    assert rank(make_want(), offers, limit=0) == []
    assert rank(make_want(), []) == []


def test_scores_are_rounded_and_within_bounds() -> None:
    match = only(make_want(), make_offer())
    assert match is not None
    assert 0.0 <= match.score <= 1.0
    assert set(match.breakdown) == set(DEFAULT_WEIGHTS)
    assert all(0.0 <= value <= 1.0 for value in match.breakdown.values())
    assert match.score == quantise(match.score)


def test_reasons_in_english_and_german() -> None:
    want = make_want(required_certifications=("iso-13485",), quantity=20_000)
    offer = with_certifications(make_offer(), **{"iso-13485": HeldCertification(verified=True)})
    english = rank(want, [offer])[0].reasons
    german = rank(want, [offer], language="de")[0].reasons
    assert english == [
        "covers 1 of 1 wanted skills/products",
        "holds ISO 13485 medical devices QMS",
        "27 km from delivery point",
        "can deliver all 20,000 by 2026-03-06",
        "can start 2026-01-05, 60 days before needed",
        "no completed engagements yet (reliability: the newcomer's prior)",
    ]
    assert german == [
        "deckt 1 von 1 gesuchten Fähigkeiten/Produkten ab",
        "erfüllt die Pflichtzertifizierung ISO 13485 QM-System für Medizinprodukte",
        "27 km vom Lieferort entfernt",
        "kann die ganze Menge (20.000) bis 06.03.2026 liefern",
        "Lieferbeginn ab 05.01.2026, 60 Tage vor dem Bedarfstermin",
        "noch keine abgeschlossenen Aufträge (Vertrauen: Startwert)",
    ]


# -- the index's storage -------------------------------------------------------------------


def test_ids_store_their_shared_start_once_and_still_compare_as_whole_ids() -> None:
    ids = ["off_01KA", "off_01KB", "off_01KC"]
    candidates = build_candidates([make_offer(offer_id) for offer_id in reversed(ids)])
    assert candidates.id_prefix == "off_01K"
    assert candidates.ids.dtype.itemsize == 1
    assert [candidates.offer_id(row) for row in range(3)] == ids
    assert candidates.offer_ids(np.arange(3)) == ids
    assert candidates.row_of("off_01KB") == 1
    assert candidates.row_of("off_01MB") is None
    assert candidates.row_of("off") is None
    rows = np.arange(3)
    # Cursors from another index (its own shared start) compare the same way.
    for cursor in ("off_01KA", "off_01K", "off_", "off_01J", "off_01M", "", "zzz", "off_01KC"):
        expected = [offer_id > cursor for offer_id in ids]
        assert candidates.ids_after(rows, cursor).tolist() == expected, cursor


@given(
    st.lists(st.text("ab_01", min_size=1, max_size=6), min_size=1, max_size=8, unique=True),
    st.text("ab_01", max_size=7),
)
@settings(max_examples=200, deadline=None)
def test_id_order_survives_dropping_the_shared_start(ids: list[str], cursor: str) -> None:
    candidates = build_candidates([make_offer(offer_id) for offer_id in ids])
    rows = np.arange(len(ids))
    assert candidates.offer_ids(rows) == sorted(ids)
    assert candidates.ids_after(rows, cursor).tolist() == [i > cursor for i in sorted(ids)]
    assert all(candidates.row_of(offer_id) == sorted(ids).index(offer_id) for offer_id in ids)


def test_small_numbers_are_stored_narrow_and_large_ones_wide() -> None:
    small = build_candidates([make_offer("o1", lead_time_days=7, reserved_quantity=10)])
    assert small.lead_time_days.dtype == np.int8
    assert small.reserved.dtype == np.int8
    huge = 3_000_000_000  # booked units past 32 bits: engagements can add up to that
    offer = make_offer(
        "o2", capacity_per_week=1_000_000_000, available_until=day(400), reserved_quantity=huge
    )
    wide = build_candidates([offer])
    assert wide.reserved.dtype == np.int64
    match = only(make_want(quantity=1_000), offer)
    assert match is not None  # 57e9 over the window minus 3e9 booked: plenty left
