"""An engagement needs an offer that passes the request's hard filters, the ones matching
applies: each failing filter answers 422 naming it, and matches show only what fits."""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest

from app.geo.distance import haversine_km
from tests.engagements.support import engage
from tests.fixtures.assertions import assert_invalid
from tests.fixtures.factories import (
    Market,
    days_from_today,
    make_offer,
    make_organization,
    make_request,
)

STUTTGART = {"lat": 48.7758, "lon": 9.1829}  # the request's delivery point (factories)
REUTLINGEN = {"lat": 48.4931, "lon": 9.2125}  # where the factories' organisations are
HAMBURG = {"lat": 53.5511, "lon": 9.9937}


def km(a: dict[str, float], b: dict[str, float]) -> int:
    return math.floor(haversine_km(a["lat"], a["lon"], b["lat"], b["lon"]))


async def refused(
    client: httpx.AsyncClient, market: Market, request: dict[str, Any], offer: dict[str, Any]
) -> str:
    response = await engage(client, request["id"], offer["id"], 100, market.b.headers)
    (error,) = assert_invalid(response, "offer_id")
    return error["message"]


@pytest.fixture
async def request_(client: httpx.AsyncClient, market: Market) -> dict[str, Any]:
    """20,000 surgical masks (sewing) near Stuttgart within 400 km, EN 14683 required."""
    return await make_request(client, market.b1)


async def test_an_offer_covering_no_requested_skill_or_product_is_refused(
    client: httpx.AsyncClient, market: Market, request_: dict[str, Any]
) -> None:
    offer = await make_offer(
        client, market.a1, skills=["metal.welding"], products=[], min_order_quantity=1
    )
    assert await refused(client, market, request_, offer) == (
        "the offer covers none of the requested skills or products"
    )


async def test_a_broader_request_is_covered_by_a_narrower_offer(
    client: httpx.AsyncClient, market: Market
) -> None:
    broad = await make_request(client, market.b1, skills=["textile"], products=[])
    offer = await make_offer(
        client, market.a1, skills=["textile.sewing"], products=[], min_order_quantity=1
    )
    response = await engage(client, broad["id"], offer["id"], 100, market.b.headers)
    assert response.status_code == 201, response.text


async def test_a_required_certification_must_be_held_on_needed_by(
    client: httpx.AsyncClient, market: Market, request_: dict[str, Any]
) -> None:
    needed_by = request_["needed_by"]
    uncertified = await make_organization(
        client,
        market.a,
        certifications=[{"code": "iso-13485", "valid_until": days_from_today(400)}],
    )
    lapsing = await make_organization(
        client,
        market.a,
        certifications=[{"code": "en-14683", "valid_until": days_from_today(30)}],
    )
    not_held = await make_offer(client, uncertified, certifications=[], min_order_quantity=1)
    expires_first = await make_offer(client, lapsing, min_order_quantity=1)
    for offer in (not_held, expires_first):
        assert await refused(client, market, request_, offer) == (
            f"the offer's organisation does not hold en-14683 valid on {needed_by}"
        )


async def test_the_offer_must_lie_within_the_requests_distance(
    client: httpx.AsyncClient, market: Market, request_: dict[str, Any]
) -> None:
    far = await make_offer(
        client, market.a1, location=HAMBURG, service_radius_km=2000, min_order_quantity=1
    )
    assert await refused(client, market, request_, far) == (
        f"the offer is {km(HAMBURG, STUTTGART)} km from the delivery point; "
        "the request accepts at most 400 km"
    )


async def test_the_delivery_point_must_lie_within_the_offers_radius(
    client: httpx.AsyncClient, market: Market, request_: dict[str, Any]
) -> None:
    near = await make_offer(client, market.a1, service_radius_km=10, min_order_quantity=1)
    assert await refused(client, market, request_, near) == (
        "the offer delivers within 10 km; "
        f"the delivery point is {km(REUTLINGEN, STUTTGART)} km away"
    )


async def test_the_offer_must_deliver_something_by_needed_by(
    client: httpx.AsyncClient, market: Market, request_: dict[str, Any]
) -> None:
    late = await make_offer(
        client, market.a1, available_from=days_from_today(80), min_order_quantity=1
    )
    slow = await make_offer(client, market.a1, lead_time_days=75, min_order_quantity=1)
    for offer in (late, slow):
        assert await refused(client, market, request_, offer) == (
            f"the offer can deliver nothing by {request_['needed_by']}"
        )


async def test_matches_show_exactly_the_offers_an_engagement_accepts(
    client: httpx.AsyncClient, market: Market, request_: dict[str, Any]
) -> None:
    fitting = await make_offer(client, market.a1, min_order_quantity=1)
    misfits = [
        await make_offer(client, market.a1, skills=["metal.welding"], products=[]),
        await make_offer(client, market.a1, location=HAMBURG, service_radius_km=2000),
        await make_offer(client, market.a1, service_radius_km=10),
        await make_offer(client, market.a1, available_from=days_from_today(80)),
        await make_offer(client, market.a2, capacity={"unit": "kg", "per_week": 5000}),
    ]
    matches = await client.get(f"/v1/requests/{request_['id']}/matches", headers=market.b.headers)
    assert matches.status_code == 200, matches.text
    assert [m["offer"]["id"] for m in matches.json()["data"]] == [fitting["id"]]
    for offer in misfits:
        await refused(client, market, request_, offer)
    assert (await engage(client, request_["id"], fitting["id"], 100, market.b.headers)).is_success
