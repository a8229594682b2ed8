"""A request's live pending, accepted and fulfilled engagements never add up to more than
its quantity, across all the offers it engages."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.engagements.support import acted, engage, lapse
from tests.fixtures.assertions import assert_problem
from tests.fixtures.factories import Market, make_offer, make_request

WANTED = 1000


async def two_offers(client: httpx.AsyncClient, market: Market) -> list[dict[str, Any]]:
    """Two makers' offers of 2,000 units each (one buyer may hold 1,000 of each)."""
    capacity = {"unit": "pieces", "per_week": 5000, "total": 2000}
    return [
        await make_offer(client, org, capacity=capacity, min_order_quantity=1)
        for org in (market.a1, market.a2)
    ]


def assert_left(response: httpx.Response, left: int) -> None:
    problem = assert_problem(response, 409)
    assert problem["errors"] == [
        {
            "field": "quantity",
            "message": f"at most {left} units of the request are not yet engaged",
        }
    ]


async def test_holds_across_offers_never_pass_the_requests_quantity(
    client: httpx.AsyncClient, market: Market
) -> None:
    first, second = await two_offers(client, market)
    request = await make_request(client, market.b1, quantity=WANTED)
    buyer = market.b.headers
    assert (await engage(client, request["id"], first["id"], 600, buyer)).status_code == 201

    too_many = await engage(client, request["id"], second["id"], 401, buyer)
    assert_left(too_many, 400)
    assert "1000 units" in assert_problem(too_many, 409)["detail"]
    assert (await engage(client, request["id"], second["id"], 400, buyer)).status_code == 201
    assert_left(await engage(client, request["id"], first["id"], 1, buyer), 0)
    # Refused holds took nothing from the offers.
    read = await client.get(f"/v1/offers/{second['id']}", headers=market.a.headers)
    assert read.json()["held_quantity"] == 400


async def test_accepted_and_fulfilled_work_counts_lapsed_declined_and_cancelled_do_not(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    first, second = await two_offers(client, market)
    request = await make_request(client, market.b1, quantity=WANTED)
    seller, buyer = market.a.headers, market.b.headers

    async def hold(offer: dict[str, Any], quantity: int) -> str:
        response = await engage(client, request["id"], offer["id"], quantity, buyer)
        assert response.status_code == 201, response.text
        engagement_id: str = response.json()["id"]
        return engagement_id

    delivered = await hold(first, 200)
    await acted(client, delivered, "accept", seller)
    await acted(client, delivered, "fulfil", buyer)
    accepted = await hold(second, 100)
    await acted(client, accepted, "accept", seller)
    await acted(client, await hold(second, 150), "decline", seller)
    await acted(client, await hold(first, 150), "cancel", buyer)
    await lapse(session_factory, await hold(first, 250))
    await hold(second, 50)  # live and pending

    assert_left(await engage(client, request["id"], first["id"], 651, buyer), 650)
    assert (await engage(client, request["id"], first["id"], 650, buyer)).status_code == 201


async def test_the_quantity_cannot_drop_below_what_is_engaged(
    client: httpx.AsyncClient, market: Market
) -> None:
    first, _ = await two_offers(client, market)
    request = await make_request(client, market.b1, quantity=WANTED)
    assert (await engage(client, request["id"], first["id"], 600, market.b.headers)).is_success
    url = f"/v1/requests/{request['id']}"

    cut = await client.patch(url, json={"quantity": 599}, headers=market.b.headers)
    problem = assert_problem(cut, 409)
    assert problem["errors"] == [
        {"field": "quantity", "message": "must cover the 600 units engaged"}
    ]
    assert (await client.get(url, headers=market.b.headers)).json()["quantity"] == WANTED
    enough = await client.patch(url, json={"quantity": 600}, headers=market.b.headers)
    assert enough.status_code == 200, enough.text
    assert_left(await engage(client, request["id"], first["id"], 1, market.b.headers), 0)
