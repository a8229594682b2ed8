"""The production chain search (``app.matching.chains``) against a brute-force oracle.

The oracle (``tests/matching/chain_oracle.py``) walks every team the rules allow, one
offer per step, in plain Python; with pools and beam wide enough to hold everything the
fast search must find the same best chains, and with its defaults every chain it
returns must keep every rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, replace
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.geo.distance import haversine_km
from app.matching.candidates import build_candidates
from app.matching.chain_pool import ChainWant
from app.matching.chain_reasons import chain_reasons
from app.matching.chains import Chain, find_chains
from app.matching.values import (
    HeldCertification,
    OfferRecord,
    Viewer,
    quantise,
)
from tests.matching.chain_oracle import agree, oracle
from tests.matching.support import TAXONOMY, TODAY, between, day

STUTTGART = (48.7758, 9.1829)
MASK = "mask.surgical"
MASK_RECIPE = TAXONOMY.product_recipe(MASK)  # meltblown, medical sewing, welding
GOWN = "gown.isolation"
GOWN_RECIPE = TAXONOMY.product_recipe(GOWN)  # spunbond, sewing
HUGE = 10**6  # pools and beam that hold every offer and partial: the search is exhaustive


def want(**changes: Any) -> ChainWant:
    values: dict[str, Any] = {
        "quantity": 20_000,
        "unit": "pieces",
        "needed_by": day(70),
        "today": TODAY,
        "lat": STUTTGART[0],
        "lon": STUTTGART[1],
        "max_distance_km": 400.0,
        "required_certifications": (),
    }
    values.update(changes)
    return ChainWant(**values)


def offer(offer_id: str, skill: str, **changes: Any) -> OfferRecord:
    values: dict[str, Any] = {
        "id": offer_id,
        "lat": STUTTGART[0] - 0.2,
        "lon": STUTTGART[1],
        "skills": (skill,),
        "products": (),
        "capacity_per_week": 7_000,
        "available_from": TODAY,
        "available_until": day(120),
        "lead_time_days": 7,
        "service_radius_km": 300.0,
        "partner_id": "p1",
    }
    values.update(changes)
    return OfferRecord(**values)


def chains(
    offers: Sequence[OfferRecord],
    wanted: ChainWant,
    recipes: Sequence[tuple[str, Sequence[str]]] = ((MASK, MASK_RECIPE),),
    **options: Any,
) -> list[Chain]:
    options.setdefault("limit", 20)
    return find_chains([(build_candidates(offers), None)], wanted, recipes, **options)


# --- hand-made cases -----------------------------------------------------------------------


def three_firms() -> list[OfferRecord]:
    return [
        offer("meltblown", "textile.nonwoven.meltblown", lead_time_days=5, capacity_per_week=3_500),
        offer("sewing", "textile.sewing.medical", lead_time_days=3, lat=48.6),
        offer("welding", "textile.ultrasonic-welding", lead_time_days=4, lat=48.7),
    ]


def test_three_firms_make_a_mask_in_material_order() -> None:
    wanted = want(quantity=50_000)
    [chain] = chains(three_firms(), wanted)
    assert [s.offer_id for s in chain.steps] == ["meltblown", "sewing", "welding"]
    assert [s.skill for s in chain.steps] == list(MASK_RECIPE)
    # each step starts when the one before is ready: today + 5, then + 3, then + 4
    assert [s.starts_on for s in chain.steps] == [day(5), day(8), day(12)]
    assert chain.ready_by == day(12)
    # meltblown makes 3,500 a week from day 5 to day 70 (66 days): the bottleneck
    assert chain.steps[0].deliverable_quantity == 33_000
    assert chain.quantity == 33_000
    assert chain.breakdown["quantity"] == quantise(33_000 / 50_000)
    agree([chain], oracle(three_firms(), wanted, [(MASK, MASK_RECIPE)]))


def test_the_quantity_is_at_most_what_is_wanted() -> None:
    [chain] = chains(three_firms(), want(quantity=20_000))
    assert chain.quantity == 20_000
    assert chain.breakdown["quantity"] == 1.0


def test_a_step_out_of_the_delivering_steps_radius_breaks_the_chain() -> None:
    far = [*three_firms()[:1], replace(three_firms()[1], lat=STUTTGART[0] + 1.5), three_firms()[2]]
    # sewing is ~190 km north of meltblown; meltblown delivers 100 km at most
    assert chains([replace(far[0], service_radius_km=100.0), *far[1:]], want()) == []
    assert len(chains(far, want())) == 1  # 300 km is enough


def test_an_upstream_step_farther_than_its_radius_from_the_delivery_point_still_counts() -> None:
    # Meltblown ~86 km south of Stuttgart delivers 60 km at most: enough for the sewer
    # ~44 km north of it, which takes the material on.
    firms = three_firms()
    south = [
        replace(firms[0], lat=48.0, service_radius_km=60.0),
        replace(firms[1], lat=48.4),
        firms[2],
    ]
    [chain] = chains(south, want())
    assert chain.steps[0].distance_km < 60.0 < haversine_km(48.0, STUTTGART[1], *STUTTGART)


def test_the_last_step_must_reach_the_delivery_point_and_hold_the_required_certificates() -> None:
    firms = three_firms()
    assert chains(firms, want(max_distance_km=5.0)) == []
    assert chains(firms, want(required_certifications=("en-14683",))) == []
    held = {"en-14683": HeldCertification(valid_until=day(100))}
    # upstream steps need not hold it; the last one must, valid on needed_by
    certified = [*firms[:2], replace(firms[2], certifications=held)]
    assert len(chains(certified, want(required_certifications=("en-14683",)))) == 1
    assert chains(certified, want(required_certifications=("en-14683",), needed_by=day(101))) == []


def test_a_required_certificate_in_progress_counts_from_its_expected_date() -> None:
    if "expected_by" not in {f.name for f in fields(HeldCertification)}:
        pytest.skip("certifications in progress are not in this tree yet")
    firms = three_firms()
    wanted = want(required_certifications=("en-14683",))

    def expected(on: int) -> list[OfferRecord]:
        in_progress = cast(Any, HeldCertification)(expected_by=day(on))  # newer field
        held = {"en-14683": in_progress}
        return [*firms[:2], replace(firms[2], certifications=held)]

    [chain] = chains(expected(30), wanted)
    assert chain.steps[-1].starts_on == day(30)  # not before the certificate is issued
    assert chain.steps[-1].certificates_expected == day(30)
    assert chain.steps[0].certificates_expected is None
    reasons = chain_reasons(
        chain, TAXONOMY, "en", needed_by=wanted.needed_by, required=("en-14683",)
    )
    assert (
        f"the last step has EN 14683 medical face masks from {day(30)} (in progress until then)"
        in reasons
    )
    assert chain.ready_by == day(30)
    # expected_by + lead time (4 days) after needed_by: it does not count
    assert chains(expected(67), wanted) == []


def test_a_chain_too_slow_for_needed_by_is_not_proposed() -> None:
    assert chains(three_firms(), want(needed_by=day(11))) == []
    assert len(chains(three_firms(), want(needed_by=day(12)))) == 1


def test_an_upstream_step_in_another_unit_takes_part_but_not_in_the_bottleneck() -> None:
    firms = three_firms()
    in_kg = [replace(firms[0], unit="kg", capacity_per_week=10), *firms[1:]]
    [chain] = chains(in_kg, want())
    assert chain.steps[0].unit == "kg"
    assert chain.quantity == 20_000
    # the last step must deliver in the request's unit
    assert chains([*firms[:2], replace(firms[2], unit="kg")], want()) == []


def test_no_chain_when_one_offer_covers_every_skill() -> None:
    firms = three_firms()
    alone = offer("all", "textile.sewing.medical", skills=MASK_RECIPE)
    assert chains([*firms, alone], want()) == []
    # naming the product is not covering its skills (API.md counts skills)
    named = replace(firms[1], products=("mask.surgical",))
    assert len(chains([firms[0], named, firms[2]], want())) == 1
    # one that could not deliver it (too far) does not count
    far = replace(alone, lat=53.5, service_radius_km=100.0)
    assert len(chains([*firms, far], want())) == 1


def test_an_offer_takes_one_step_and_invisible_or_own_offers_none() -> None:
    both = offer("both", "x", skills=("textile.nonwoven.meltblown", "textile.sewing.medical"))
    # "both" may not be meltblown and sewing at once: without another sewer, no chain
    assert chains([both, three_firms()[2]], want()) == []
    [chain] = chains([both, *three_firms()[1:]], want())
    assert [s.offer_id for s in chain.steps] == ["both", "sewing", "welding"]
    hidden = replace(three_firms()[0], shared=False, partner_id="p2")
    assert chains([hidden, *three_firms()[1:]], want(), viewer=Viewer(partner_id="p1")) == []
    assert len(chains([hidden, *three_firms()[1:]], want(), viewer=Viewer(partner_id="p2"))) == 1
    assert chains(three_firms(), want(), excluded=["sewing"]) == []


def test_best_first_ties_by_the_steps_offer_ids_and_the_same_every_time() -> None:
    twins = [*three_firms(), replace(three_firms()[1], id="sewing-2")]
    found = chains(twins, want())
    assert [[s.offer_id for s in c.steps] for c in found] == [
        ["meltblown", "sewing", "welding"],
        ["meltblown", "sewing-2", "welding"],
    ]
    assert found[0].score == found[1].score
    assert chains(list(reversed(twins)), want()) == found


# --- properties ----------------------------------------------------------------------------

SKILLS = st.sampled_from([*MASK_RECIPE, *GOWN_RECIPE, "textile.sewing", "textile.cutting"])


@st.composite
def markets(draw: st.DrawFn) -> tuple[list[OfferRecord], ChainWant]:
    wanted = want(
        quantity=draw(between(1_000, 60_000)),
        needed_by=day(100 - draw(between(0, 90))),  # mostly far off: chains take time
        max_distance_km=draw(st.none() | st.floats(50.0, 400.0)),
        required_certifications=draw(st.sampled_from([(), (), ("en-14683",)])),
    )
    records = []
    for i in range(draw(between(4, 14))):
        start = draw(between(-10, 30))
        skills = tuple(dict.fromkeys(draw(st.lists(SKILLS, min_size=1, max_size=1 + (i % 4 == 0)))))
        records.append(
            offer(
                f"o{i:02d}",
                skills[0],
                skills=skills,
                products=(("mask.surgical",) if draw(between(0, 7)) == 0 else ()),
                lat=STUTTGART[0] + draw(st.floats(-1.0, 1.0)),
                lon=STUTTGART[1] + draw(st.floats(-1.0, 1.0)),
                capacity_per_week=draw(between(0, 8_000))
                if i % 3 == 0
                else draw(between(500, 8_000)),
                capacity_total=draw(st.none() | between(0, 50_000)),
                reserved_quantity=draw(between(0, 1_000)),
                available_from=day(start),
                available_until=day(start + draw(between(0, 150))),
                lead_time_days=draw(between(0, 14)),
                service_radius_km=draw(st.none() | st.floats(20.0, 300.0)),
                unit=draw(st.sampled_from(["pieces"] * 5 + ["kg"])),
                partner_id=draw(st.sampled_from(["p1", "p2"])),
                shared=draw(between(0, 3)) > 0,
                certifications=draw(
                    st.sampled_from([{}, {"en-14683": HeldCertification(valid_until=day(60))}])
                ),
            )
        )
    return records, wanted


RECIPES = [(MASK, MASK_RECIPE), (GOWN, GOWN_RECIPE)]


@settings(max_examples=150, deadline=None)
@given(
    markets(),
    st.sampled_from([None, Viewer(partner_id="p1")]),
    st.sets(st.sampled_from(["o00", "o01"])),
)
def test_an_exhaustive_search_finds_exactly_the_oracles_chains(
    market: tuple[list[OfferRecord], ChainWant], viewer: Viewer | None, excluded: set[str]
) -> None:
    records, wanted = market
    found = chains(
        records,
        wanted,
        RECIPES,
        viewer=viewer,
        excluded=excluded,
        limit=10,
        pool_size=HUGE,
        beam=HUGE,
    )
    agree(found, oracle(records, wanted, RECIPES, viewer=viewer, excluded=excluded)[:10])


@settings(max_examples=150, deadline=None)
@given(markets(), st.sampled_from([None, Viewer(partner_id="p1")]))
def test_every_chain_keeps_every_rule_and_comes_in_order(
    market: tuple[list[OfferRecord], ChainWant], viewer: Viewer | None
) -> None:
    records, wanted = market
    found = chains(records, wanted, RECIPES, viewer=viewer, pool_size=4, beam=2)
    allowed = {
        ids: (score, quantity, ready_by)
        for score, ids, quantity, ready_by in oracle(records, wanted, RECIPES, viewer=viewer)
    }
    for chain in found:
        ids = tuple(step.offer_id for step in chain.steps)
        assert ids in allowed  # a team the rules allow, with their quantity and ready date
        score, quantity, ready_by = allowed[ids]
        assert abs(chain.score - score) <= 2e-6
        assert (chain.quantity, chain.ready_by) == (quantity, ready_by)
        assert 0.0 <= chain.score <= 1.0
    assert [c.sort_key for c in found] == sorted(c.sort_key for c in found)
