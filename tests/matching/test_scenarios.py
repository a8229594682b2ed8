"""Expected orderings on small, realistic marketplaces."""

from __future__ import annotations

from app.matching.values import HeldCertification, Match
from tests.matching.support import HAMBURG, day, make_offer, make_want, rank, with_certifications

ISO_13485 = {"iso-13485": HeldCertification(valid_until=day(365), verified=True)}


def ids(matches: list[Match]) -> list[str]:
    return [m.offer_id for m in matches]


def test_a_required_certification_filters_out_the_uncertified() -> None:
    certified = with_certifications(make_offer("certified"), **ISO_13485)
    uncertified = make_offer("uncertified")
    want = make_want(required_certifications=("iso-13485",))
    assert ids(rank(want, [uncertified, certified])) == ["certified"]
    # Without the requirement both match, and they tie on everything else.
    assert ids(rank(make_want(), [uncertified, certified])) == ["certified", "uncertified"]


def test_a_preferred_certification_ranks_the_certified_first() -> None:
    certified = with_certifications(make_offer("z-certified"), **ISO_13485)
    want = make_want(preferred_certifications=("iso-13485",))
    assert ids(rank(want, [make_offer("a-plain"), certified])) == ["z-certified", "a-plain"]


def test_too_small_capacity_ranks_below_sufficient() -> None:
    want = make_want(quantity=20_000, needed_by=day(30))
    small = make_offer("a-small", capacity_per_week=1_000)
    enough = make_offer("z-enough", capacity_per_week=7_000)
    matches = rank(want, [small, enough])
    assert ids(matches) == ["z-enough", "a-small"]
    assert matches[0].breakdown["capacity"] == 1.0
    assert matches[1].breakdown["capacity"] < 0.5


def test_nearer_ranks_first_all_else_equal() -> None:
    near, far = make_offer("z-near"), make_offer("a-far", lat=HAMBURG[0], lon=HAMBURG[1])
    assert ids(rank(make_want(), [far, near])) == ["z-near", "a-far"]


def test_expired_offers_never_appear() -> None:
    offers = [
        make_offer("expired", available_from=day(-60), available_until=day(-1)),
        make_offer("open"),
    ]
    assert ids(rank(make_want(), offers)) == ["open"]


def test_a_request_naming_a_product_finds_offers_naming_only_skills() -> None:
    want = make_want(skills=(), products=("mask.surgical",))
    offers = [
        make_offer("meltblown", skills=("textile.nonwoven.meltblown",)),
        make_offer("welding", skills=("metal.welding",)),
        make_offer("surgical-masks", skills=(), products=("mask.surgical",)),
    ]
    matches = rank(want, offers)
    assert ids(matches) == ["surgical-masks", "meltblown"]
    assert matches[1].breakdown["skill"] == 0.8  # via the skills that make the product


def test_a_request_naming_a_skill_finds_offers_naming_only_products() -> None:
    want = make_want(skills=("textile.nonwoven.meltblown",))
    offers = [
        make_offer("ffp2", skills=(), products=("mask.ffp2",)),
        make_offer("valves", skills=(), products=("ventilator-part.valve",)),
    ]
    assert ids(rank(want, offers)) == ["ffp2"]


def test_ties_that_round_up_are_broken_by_id_across_groups() -> None:
    # skill = (1.0 + 0.3 + 0.1) / 3 = 0.4666...: the score rounds up to 0.466667, above the
    # raw bound of its group. The early stop must still score every tied group, so the
    # smallest ids win whatever order the groups come in (``rank`` runs groups of one).
    want = make_want(
        skills=("textile.sewing.medical", "textile.sewing.garments", "textile.cutting"),
        weights={
            "skill": 1.0,
            "certification": 0.0,
            "distance": 0.0,
            "capacity": 0.0,
            "time": 0.0,
            "reliability": 0.0,
        },
    )
    offers = [
        make_offer(f"tie-{i}", lat=48.0 + (7 * i % 8) * 0.5, lon=8.0 + (3 * i % 8) * 0.5)
        for i in range(8)
    ]
    matches = rank(want, offers, limit=2)
    assert ids(matches) == ["tie-0", "tie-1"]
    assert [m.score for m in matches] == [0.466667, 0.466667]
