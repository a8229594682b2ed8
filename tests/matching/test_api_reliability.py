"""Trust from history over HTTP (API.md): ``breakdown.reliability`` and its reason, and an
engagement's state change reaching every offer of the seller in the index.

The ``market`` fixture: partner a's organisation a1 makes, partner b's b1 buys.
"""

from __future__ import annotations

import httpx
import pytest

from app.matching.reliability import PRIOR_MEAN, TrackRecord
from tests.engagements.support import acted, engage
from tests.fixtures.factories import Market
from tests.matching.test_api import offer, request, request_matches

NEWCOMER_REASON = "no completed engagements yet (reliability: the newcomer's prior)"


async def test_a_fulfilled_engagement_raises_the_sellers_reliability_on_all_its_offers(
    client: httpx.AsyncClient, market: Market
) -> None:
    engaged = await offer(client, market.a1, min_order_quantity=1)
    other = await offer(client, market.a1, title="The seller's other line")  # not engaged
    wanted = await request(client, market.b1)
    body = await request_matches(client, wanted["id"], market.b.headers)
    assert {item["breakdown"]["reliability"] for item in body["data"]} == {PRIOR_MEAN}
    assert all(NEWCOMER_REASON in item["reasons"] for item in body["data"])

    response = await engage(client, wanted["id"], engaged["id"], 100, market.b.headers)
    assert response.status_code == 201, response.text
    engagement = response.json()["id"]
    await acted(client, engagement, "accept", market.a.headers)
    await acted(client, engagement, "fulfil", market.b.headers)

    later = await request(client, market.b1)
    body = await request_matches(client, later["id"], market.b.headers)
    by_offer = {item["offer"]["id"]: item for item in body["data"]}
    expected = TrackRecord(fulfilled=1, answered_fast=1).reliability
    for offer_id in (engaged["id"], other["id"]):
        assert by_offer[offer_id]["breakdown"]["reliability"] == pytest.approx(expected)
        assert "fulfilled 1 of 1 engagements" in by_offer[offer_id]["reasons"]
    german = await client.get(
        f"/v1/requests/{later['id']}/matches",
        headers={**market.b.headers, "Accept-Language": "de"},
    )
    assert "hat 1 von 1 Aufträgen erfüllt" in german.json()["data"][0]["reasons"]


async def test_an_accepted_engagement_cancelled_lowers_it(
    client: httpx.AsyncClient, market: Market
) -> None:
    made = await offer(client, market.a1, min_order_quantity=1)
    spare = await offer(client, market.a1, title="The seller's other line")
    wanted = await request(client, market.b1)
    response = await engage(client, wanted["id"], made["id"], 100, market.b.headers)
    engagement = response.json()["id"]
    await acted(client, engagement, "accept", market.a.headers)
    await acted(client, engagement, "cancel", market.a.headers)

    body = await request_matches(client, wanted["id"], market.b.headers)
    (item,) = [i for i in body["data"] if i["offer"]["id"] == spare["id"]]
    expected = TrackRecord(failed=1, answered_fast=1).reliability
    assert item["breakdown"]["reliability"] == pytest.approx(expected)
    assert expected < PRIOR_MEAN
    assert "fulfilled 0 of 1 engagements" in item["reasons"]


async def test_a_weight_for_reliability_is_accepted_like_the_others(
    client: httpx.AsyncClient, market: Market
) -> None:
    await offer(client, market.a1)
    only_trust = {"skill": 0, "certification": 0, "distance": 0, "capacity": 0, "time": 0}
    wanted = await request(client, market.b1, weights={**only_trust, "reliability": 1})
    (item,) = (await request_matches(client, wanted["id"], market.b.headers))["data"]
    assert item["score"] == pytest.approx(PRIOR_MEAN)
    refused = await client.patch(
        f"/v1/requests/{wanted['id']}",
        json={"weights": {"reliability": 2}},
        headers=market.b.headers,
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "weights.reliability"
