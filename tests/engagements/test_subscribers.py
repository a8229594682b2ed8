"""Offers that stop taking work and requests that close give up their pending holds; a
hold on an offer that is not active cannot be accepted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.dates import today
from app.models import Offer
from tests.engagements.support import (
    TOTAL,
    Deal,
    act,
    acted,
    engage,
    engaged,
    history,
    lapse,
    make_deal,
    offer_counts,
)
from tests.fixtures.assertions import assert_problem
from tests.fixtures.factories import Market, make_offer, make_request

CREATED = (None, "pending", "buyer", None)


async def pending_accepted_and_lapsed(
    client: httpx.AsyncClient, deal: Deal, sessions: async_sessionmaker[AsyncSession]
) -> tuple[str, str, str]:
    """A live hold of 100, accepted work of 200 and a lapsed hold of 300 on the deal's offer."""
    pending = (await engaged(client, deal, 100))["id"]
    accepted = (await engaged(client, deal, 200))["id"]
    await acted(client, accepted, "accept", deal.seller)
    lapsed = (await engaged(client, deal, 300))["id"]
    await lapse(sessions, lapsed)
    return pending, accepted, lapsed


@pytest.mark.parametrize(
    ("change", "note"),
    [
        ({"status": "paused"}, "the offer was paused"),
        ({"status": "draft"}, "the offer was set back to draft"),
        (None, "the offer was closed"),  # DELETE
    ],
)
async def test_an_offer_that_stops_taking_work_releases_its_pending_holds(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
    change: dict[str, str] | None,
    note: str,
) -> None:
    deal = await make_deal(client, market)
    pending, accepted, lapsed = await pending_accepted_and_lapsed(client, deal, session_factory)
    url = f"/v1/offers/{deal.offer['id']}"

    if change is None:
        response = await client.delete(url, headers=deal.seller)
    else:
        response = await client.patch(url, json=change, headers=deal.seller)
    assert response.status_code == 200, response.text
    assert (response.json()["reserved_quantity"], response.json()["held_quantity"]) == (200, 0)

    assert await history(client, pending, deal.buyer) == [
        CREATED,
        ("pending", "cancelled", "system", note),
    ]
    assert (await history(client, lapsed, deal.buyer))[-1] == (
        "pending",
        "expired",
        "system",
        "the hold lapsed",
    )
    assert len(await history(client, accepted, deal.buyer)) == 2  # accepted work stays
    assert await offer_counts(client, deal.offer["id"], deal.seller) == (200, 0, TOTAL - 200)
    if change is not None:  # back on the market, the released units can be held again
        resumed = await client.patch(url, json={"status": "active"}, headers=deal.seller)
        assert resumed.status_code == 200, resumed.text
        await engaged(client, deal, 400)
        assert await offer_counts(client, deal.offer["id"], deal.seller) == (200, 400, 400)


async def test_pausing_leaves_other_offers_holds_alone(
    client: httpx.AsyncClient, market: Market
) -> None:
    deal = await make_deal(client, market)
    other = await make_offer(client, market.a2, min_order_quantity=1)
    await engaged(client, deal, 100)
    elsewhere = await engage(client, deal.request["id"], other["id"], 100, deal.buyer)
    assert elsewhere.status_code == 201, elsewhere.text

    paused = await client.patch(
        f"/v1/offers/{deal.offer['id']}", json={"status": "paused"}, headers=deal.seller
    )
    assert paused.status_code == 200, paused.text
    read = await client.get(f"/v1/engagements/{elsewhere.json()['id']}", headers=deal.buyer)
    assert read.json()["status"] == "pending"
    assert (await offer_counts(client, other["id"], market.a.headers))[1] == 100


@pytest.mark.parametrize(
    ("close", "note"),
    [
        ("delete", "the request was cancelled"),
        ("fulfilled", "the request was fulfilled"),
    ],
)
async def test_a_closed_request_releases_its_holds_on_every_offer(
    client: httpx.AsyncClient, market: Market, close: str, note: str
) -> None:
    deal = await make_deal(client, market)
    other_offer = await make_offer(client, market.a2, min_order_quantity=1)
    other_request = await make_request(client, market.b2, quantity=TOTAL)
    mine = (await engaged(client, deal, 100))["id"]
    also_mine = await engage(client, deal.request["id"], other_offer["id"], 50, deal.buyer)
    assert also_mine.status_code == 201, also_mine.text
    theirs = await engage(client, other_request["id"], deal.offer["id"], 70, deal.buyer)
    assert theirs.status_code == 201, theirs.text

    url = f"/v1/requests/{deal.request['id']}"
    if close == "delete":
        response = await client.delete(url, headers=deal.buyer)
    else:
        response = await client.patch(url, json={"status": close}, headers=deal.buyer)
    assert response.status_code == 200, response.text

    for engagement_id in (mine, also_mine.json()["id"]):
        assert (await history(client, engagement_id, deal.buyer))[-1] == (
            "pending",
            "cancelled",
            "system",
            note,
        )
    assert (await offer_counts(client, deal.offer["id"], deal.seller))[1] == 70
    assert (await offer_counts(client, other_offer["id"], deal.seller))[1] == 0
    still = await client.get(f"/v1/engagements/{theirs.json()['id']}", headers=deal.buyer)
    assert still.json()["status"] == "pending"


async def test_closing_an_organisation_releases_holds_on_its_offers_and_of_its_requests(
    client: httpx.AsyncClient, market: Market
) -> None:
    seller, buyer = market.a.headers, market.b.headers
    a1_offer = await make_offer(client, market.a1, min_order_quantity=1)
    b1_offer = await make_offer(client, market.b1, min_order_quantity=1)
    a2_request = await make_request(client, market.a2)
    b1_request = await make_request(client, market.b1)
    b2_request = await make_request(client, market.b2)
    # b1 both offers and asks; a1 only offers.
    asked_by_b1 = await engage(client, b1_request["id"], a1_offer["id"], 100, buyer)
    asked_of_b1 = await engage(client, a2_request["id"], b1_offer["id"], 60, seller)
    asked_of_a1 = await engage(client, b2_request["id"], a1_offer["id"], 40, buyer)
    for response in (asked_by_b1, asked_of_b1, asked_of_a1):
        assert response.status_code == 201, response.text

    closed = await client.delete(f"/v1/organizations/{market.b1.id}", headers=buyer)
    assert closed.status_code == 200, closed.text
    assert (await history(client, asked_by_b1.json()["id"], buyer))[-1][1:] == (
        "cancelled",
        "system",
        "the request was cancelled",
    )
    assert (await history(client, asked_of_b1.json()["id"], seller))[-1][1:] == (
        "cancelled",
        "system",
        "the offer was closed",
    )
    assert (await offer_counts(client, b1_offer["id"], buyer))[1] == 0
    assert (await offer_counts(client, a1_offer["id"], seller))[1] == 40  # b2's stays

    closed = await client.delete(f"/v1/organizations/{market.a1.id}", headers=seller)
    assert closed.status_code == 200, closed.text
    assert (await history(client, asked_of_a1.json()["id"], buyer))[-1][3] == (
        "the offer was closed"
    )
    assert (await offer_counts(client, a1_offer["id"], seller))[1] == 0


async def set_offer(
    sessions: async_sessionmaker[AsyncSession], offer_id: str, **values: Any
) -> None:
    """Write the offer's row directly, past the service (and so past its events)."""
    async with sessions() as session, session.begin():
        await session.execute(update(Offer).where(Offer.id == offer_id).values(**values))


@pytest.mark.parametrize(
    ("values", "status"),
    [
        (
            {
                "available_from": today() - timedelta(days=10),
                "available_until": today() - timedelta(days=1),
            },
            "expired",
        ),
        ({"status": "paused"}, "paused"),  # as held before pausing released holds
    ],
)
async def test_a_hold_on_an_offer_that_is_not_active_cannot_be_accepted(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
    values: dict[str, Any],
    status: str,
) -> None:
    deal = await make_deal(client, market)
    hold = (await engaged(client, deal, 100))["id"]
    await set_offer(session_factory, deal.offer["id"], **values)

    problem = assert_problem(await act(client, hold, "accept", deal.seller), 409)
    assert f"is {status}" in problem["detail"]
    assert problem["errors"] == [{"field": "offer_id", "message": f"the offer is {status}"}]
    assert (await offer_counts(client, deal.offer["id"], deal.seller))[0] == 0
    # The buyer can still withdraw it.
    assert (await acted(client, hold, "cancel", deal.buyer))["status"] == "cancelled"
