"""The demo market's plan: deterministic per seed, plausible, and every request anchored."""

from __future__ import annotations

from datetime import date

from app.demo.catalogue import CLUSTERS, towns
from app.demo.plan import SIZES, distance_km, plan_market
from app.demo.trades import TRADES
from app.taxonomy.loading import load_taxonomy

TODAY = date(2026, 11, 29)


def test_the_same_seed_gives_the_same_market_and_another_seed_another() -> None:
    first = plan_market(seed=7, size="small", today=TODAY)
    assert plan_market(seed=7, size="small", today=TODAY) == first
    other = plan_market(seed=8, size="small", today=TODAY)
    assert {plan.slug for plan in other}.isdisjoint(plan.slug for plan in first)
    names = [member.name for plan in first for member in plan.organizations]
    assert names != [member.name for plan in other for member in plan.organizations]


def test_the_small_market_has_the_sizes_the_docs_promise() -> None:
    plans = plan_market(seed=2020, size="small", today=TODAY)
    assert len(plans) == 3
    organizations = sum(len(plan.organizations) for plan in plans)
    offers = sum(len(plan.offers) for plan in plans)
    requests = sum(len(plan.requests) for plan in plans)
    assert 35 <= organizations <= 45
    assert 90 <= offers <= 180
    assert 30 <= requests <= 45
    assert all(plan.engagements for plan in plans)
    # Organisation names are unique across the market.
    names = [member.name for plan in plans for member in plan.organizations]
    assert len(set(names)) == len(names)


def test_the_large_market_plans_ten_partners() -> None:
    plans = plan_market(seed=1, size="large", today=TODAY)
    assert len(plans) == SIZES["large"].partners == len(CLUSTERS)
    assert sum(len(plan.organizations) for plan in plans) == 2000
    assert 8000 <= sum(len(plan.offers) for plan in plans) <= 12000
    assert sum(len(plan.requests) for plan in plans) >= 1900


def test_every_code_is_in_the_vocabulary_and_every_town_is_shipped() -> None:
    taxonomy = load_taxonomy()
    for trade in TRADES.values():
        taxonomy.check(
            [
                ("skill", "skills", list(trade.skills), ()),
                ("product", "products", list(trade.products), ()),
                ("certification", "certifications", list(trade.certifications), ()),
            ]
        )
    shipped = towns()
    assert len(shipped) >= 100
    assert {town.country for town in shipped.values()} == {"DE", "AT", "CH"}
    for cluster in CLUSTERS:
        assert set(cluster.towns) <= set(shipped), cluster.slug
        assert set(cluster.trades) <= set(TRADES)


def test_every_request_fits_its_anchor() -> None:
    for plan in plan_market(seed=11, size="small", today=TODAY):
        for request in plan.requests:
            anchor = plan.offers[request.anchor]
            maker = plan.organizations[anchor.organization]
            buyer = plan.organizations[request.organization]
            assert anchor.status == "active"
            assert request.organization != anchor.organization
            assert set(request.skills) <= set(anchor.skills)
            assert set(request.products) <= set(anchor.products)
            assert set(request.required_certifications) <= set(maker.certifications)
            assert request.unit == anchor.unit
            distance = distance_km(buyer.town, maker.town)
            assert distance < min(anchor.service_radius_km, request.max_distance_km)
            assert request.needed_by > anchor.available_from
