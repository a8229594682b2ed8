"""The request direction on small hand-made cases: each rule read from the offer's side.

Every ranking is checked against the reference pair ranking (``rank_demand``), and
from the live index with the requests split over its base and delta.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from app.matching.demand import AfterRequest, DemandMatch, RequestRecord
from app.matching.demand_columns import build_requests
from app.matching.demand_index import RequestIndex
from app.matching.demand_reference import reference_score_requests
from app.matching.demand_scoring import score_requests
from app.matching.values import FACTORS, HeldCertification, OfferRecord, Viewer
from tests.matching.support import BERLIN, HAMBURG, POTSDAM, TAXONOMY, TODAY, day, make_offer


def make_request(request_id: str = "r1", **changes: Any) -> RequestRecord:
    values: dict[str, Any] = {
        "id": request_id,
        "lat": BERLIN[0],
        "lon": BERLIN[1],
        "skills": ("textile.sewing.medical",),
        "products": (),
        "quantity": 10_000,
        "needed_by": day(60),
        "organization_id": "buyer",
        "partner_id": "p1",
    }
    values.update(changes)
    return RequestRecord(**values)


def rank_demand(
    offer: OfferRecord, requests: list[RequestRecord], *, limit: int = 20, **options: Any
) -> list[DemandMatch]:
    """The fast answer, checked against the reference and the live index on every call."""
    fast = score_requests(
        offer, build_requests(requests), TAXONOMY, today=TODAY, limit=limit, **options
    )
    slow = reference_score_requests(offer, requests, TAXONOMY, today=TODAY, limit=limit, **options)
    assert fast == slow
    # One request per group, scored one group at a time: every bound and the early stop
    # are exercised too.
    grouped = build_requests(requests, leaf_size=1)
    assert (
        score_requests(offer, grouped, TAXONOMY, today=TODAY, limit=limit, batch_rows=1, **options)
        == slow
    )
    index = RequestIndex(requests[::2])
    index.apply({request.id: request for request in requests[1::2]})
    assert index.search(offer, TAXONOMY, today=TODAY, limit=limit, **options) == slow
    return fast


def ids(matches: list[DemandMatch]) -> list[str]:
    return [m.request_id for m in matches]


OFFER = make_offer("the-offer", organization_id="maker")


def test_nearer_and_larger_fits_rank_first_ties_by_request_id() -> None:
    near = make_request("b-near", lat=POTSDAM[0], lon=POTSDAM[1])
    twin = make_request("a-near", lat=POTSDAM[0], lon=POTSDAM[1])
    far = make_request("c-far", lat=HAMBURG[0], lon=HAMBURG[1])
    matches = rank_demand(OFFER, [far, near, twin])
    assert ids(matches) == ["a-near", "b-near", "c-far"]
    assert matches[0].score == matches[1].score > matches[2].score
    assert matches[0].distance_km == pytest.approx(0.0)


def test_a_request_needed_today_matches_an_offer_that_can_deliver_today() -> None:
    offer = replace(OFFER, available_from=day(-10), lead_time_days=0)
    today = make_request("today", needed_by=TODAY)
    yesterday = make_request("yesterday", needed_by=day(-1))
    matches = rank_demand(offer, [today, yesterday])
    assert ids(matches) == ["today"]
    assert matches[0].deliverable_quantity == 7_000 // 7  # one day of production
    assert matches[0].breakdown["time"] == 0.0
    # with a lead time it can deliver nothing today
    assert rank_demand(replace(offer, lead_time_days=1), [today]) == []


def test_each_request_is_judged_by_its_own_date_and_quantity() -> None:
    offer = replace(OFFER, capacity_per_week=7_000, available_from=TODAY, available_until=day(30))
    soon = make_request("soon", needed_by=day(6), quantity=7_000)
    later = make_request("later", needed_by=day(13), quantity=7_000)
    after_window = make_request("after", needed_by=day(90), quantity=7_000)
    matches = {m.request_id: m for m in rank_demand(offer, [soon, later, after_window])}
    assert matches["soon"].deliverable_quantity == 7_000
    assert matches["later"].deliverable_quantity == 14_000
    assert matches["after"].deliverable_quantity == 31_000  # the whole window
    assert matches["soon"].breakdown["capacity"] == 1.0


def test_required_certifications_are_valid_on_each_requests_needed_by() -> None:
    offer = replace(
        OFFER,
        certifications={"ce.mdr": HeldCertification(valid_until=day(40), verified=True)},
    )
    early = make_request("early", required_certifications=("ce",), needed_by=day(30))
    late = make_request("late", required_certifications=("ce",), needed_by=day(50))
    other = make_request("other", required_certifications=("iso-13485",), needed_by=day(30))
    none = make_request("none", needed_by=day(50))
    assert ids(rank_demand(offer, [early, late, other, none])) == ["early", "none"]


def test_preferred_certifications_credit_per_request() -> None:
    offer = replace(
        OFFER,
        certifications={
            "iso-13485": HeldCertification(valid_until=day(40), verified=True),
            "en-14683": HeldCertification(verified=False),
        },
    )
    wants_both = make_request("both", preferred_certifications=("iso-13485", "en-14683"))
    wants_iso_early = make_request(
        "iso-early", preferred_certifications=("iso-13485",), needed_by=day(30)
    )
    matches = {m.request_id: m for m in rank_demand(offer, [wants_both, wants_iso_early])}
    # needed on day 60 the ISO certificate has run out; EN 14683 is held, unverified
    assert matches["both"].breakdown["certification"] == pytest.approx(0.35)
    assert "lacks ISO 13485 medical devices QMS" in matches["both"].reasons
    assert matches["iso-early"].breakdown["certification"] == 1.0


def test_both_distance_limits_apply() -> None:
    offer = replace(OFFER, service_radius_km=100.0)
    hamburg = make_request("hamburg", lat=HAMBURG[0], lon=HAMBURG[1])  # ~255 km
    tight = make_request("tight", max_distance_km=10.0)  # Potsdam is ~27 km away
    near = make_request("near", max_distance_km=50.0)
    assert ids(rank_demand(offer, [hamburg, tight, near])) == ["near"]
    assert set(ids(rank_demand(replace(offer, service_radius_km=None), [hamburg, near]))) == {
        "hamburg",
        "near",
    }


def test_codes_units_and_dead_offers() -> None:
    welding = make_request("welding", skills=("metal.welding",))
    masks = make_request("masks", skills=(), products=("mask.surgical",))
    kilos = make_request("kilos", unit="kg")
    both = [welding, masks, kilos]
    got = rank_demand(OFFER, both)
    assert ids(got) == ["masks"]
    assert 0.0 < got[0].breakdown["skill"] < 1.0  # sewing makes masks: cross-kind credit
    assert ids(rank_demand(replace(OFFER, unit="kg"), both)) == ["kilos"]
    expired = replace(OFFER, available_from=day(-60), available_until=day(-1))
    assert rank_demand(expired, both) == []
    assert rank_demand(OFFER, []) == []


def test_each_request_weighs_with_its_own_weights() -> None:
    by_distance = make_request("by-distance", weights={"distance": 1.0, "skill": 0.0})
    default = make_request("default")
    matches = {m.request_id: m for m in rank_demand(OFFER, [by_distance, default])}
    weights = {
        "distance": 1.0,
        "skill": 0.0,
        "certification": 0.15,
        "capacity": 0.2,
        "time": 0.1,
        "reliability": 0.05,
    }
    total = sum(weights.values())
    expected = sum(weights[k] * matches["by-distance"].breakdown[k] for k in weights) / total
    assert matches["by-distance"].score == pytest.approx(expected, abs=1e-6)
    assert matches["default"].score != matches["by-distance"].score


def test_visibility_region_exclusion_and_paging() -> None:
    requests = [
        make_request("r-1", partner_id="p1", shared=False, region="DE-BE"),
        make_request("r-2", partner_id="p2", shared=False),
        make_request("r-3", partner_id="p2", region="DE-BE"),
        make_request("r-4", organization_id="maker", region="DE-BE"),
        make_request("r-5", lat=POTSDAM[0], lon=POTSDAM[1], partner_id="p2", shared=False),
    ]
    assert set(ids(rank_demand(OFFER, requests, viewer=Viewer("p1")))) == {"r-1", "r-3", "r-4"}
    assert set(ids(rank_demand(OFFER, requests, viewer=Viewer("p2")))) == {
        "r-2",
        "r-3",
        "r-4",
        "r-5",
    }
    assert len(rank_demand(OFFER, requests, viewer=Viewer(sees_all=True))) == 5
    assert ids(rank_demand(OFFER, requests, region="DE-BE", exclude_organization="maker")) == [
        "r-1",
        "r-3",
    ]
    assert rank_demand(OFFER, requests, region="DE-HH") == []
    everything = rank_demand(OFFER, requests, exclude_organization="maker")
    assert "r-4" not in ids(everything)
    first = rank_demand(OFFER, requests, limit=2, exclude_organization="maker")
    after = AfterRequest(first[-1].score, first[-1].request_id)
    rest = rank_demand(OFFER, requests, after=after, exclude_organization="maker")
    assert first + rest == everything


def test_a_withdrawn_or_changed_request_leaves_the_index() -> None:
    near = make_request("near", lat=POTSDAM[0], lon=POTSDAM[1])
    far = make_request("far", lat=HAMBURG[0], lon=HAMBURG[1])
    index = RequestIndex([near, far])
    assert ids(index.search(OFFER, TAXONOMY, today=TODAY, limit=5)) == ["near", "far"]
    index.apply({"near": None, "far": replace(far, lat=POTSDAM[0], lon=POTSDAM[1])})
    assert len(index) == 1
    assert index.changed_count == 2
    [moved] = index.search(OFFER, TAXONOMY, today=TODAY, limit=5)
    assert moved.request_id == "far"
    assert moved.distance_km == pytest.approx(0.0)
    # time passes: a request past its date drops out without a write
    later = TODAY + timedelta(days=61)
    assert index.search(OFFER, TAXONOMY, today=later, limit=5) == []


def test_the_index_reports_the_size_of_its_arrays() -> None:
    small = RequestIndex([make_request(f"r{i}") for i in range(10)])
    large = RequestIndex([make_request(f"r{i}") for i in range(1000)])
    assert 0 < small.nbytes < large.nbytes
    before = large.nbytes
    large.apply({"new": make_request("new")})
    assert large.nbytes > before  # the delta counts too


def test_ties_that_round_up_are_broken_by_request_id_across_groups() -> None:
    # skill = (1.0 + 0.3 + 0.1) / 3 rounds up to 0.466667, above its group's raw bound:
    # the early stop must still score every tied group (``rank_demand`` runs groups of one).
    only_skill = dict.fromkeys(FACTORS, 0.0) | {"skill": 1.0}
    requests = [
        make_request(
            f"tie-{i}",
            skills=("textile.sewing.medical", "textile.sewing.garments", "textile.cutting"),
            weights=only_skill,
            lat=52.0 + (7 * i % 8) * 0.1,
            lon=13.0 + (3 * i % 8) * 0.1,
        )
        for i in range(8)
    ]
    matches = rank_demand(OFFER, requests, limit=2)
    assert ids(matches) == ["tie-0", "tie-1"]
    assert [m.score for m in matches] == [0.466667, 0.466667]
