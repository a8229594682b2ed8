"""Holds racing for one offer or one request, and closing racing with holds, with real
transactions (every request commits).

The suite runs on SQLite and on PostgreSQL (CAPMATCH_TEST_DATABASE_URL), so this
race runs on both.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from app.models import Engagement, Offer
from tests.engagements.support import act, engage
from tests.fixtures.factories import (
    OrgCtx,
    make_offer,
    make_organization,
    make_partner,
    make_request,
)

ATTEMPTS = 200
UNITS = 7
TOTAL = 1000
BUYERS = 20  # so the fair-share cap (500 units per buyer) never binds before capacity


@pytest.mark.committed
async def test_two_hundred_concurrent_holds_never_overbook(
    committed_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    client = committed_client
    maker_partner, buyer_partner = await make_partner(client), await make_partner(client)
    maker = await make_organization(client, maker_partner)
    offer = await make_offer(
        client,
        maker,
        capacity={"unit": "pieces", "per_week": 100, "total": TOTAL},
        min_order_quantity=1,
    )
    requests = [
        await make_request(client, await make_organization(client, buyer_partner))
        for _ in range(BUYERS)
    ]

    responses = await asyncio.gather(
        *(
            engage(
                client,
                requests[attempt % BUYERS]["id"],
                offer["id"],
                UNITS,
                buyer_partner.headers,
            )
            for attempt in range(ATTEMPTS)
        )
    )

    statuses = [response.status_code for response in responses]
    assert set(statuses) <= {201, 409}, [r.text for r in responses if r.status_code >= 500][:3]
    won = statuses.count(201)
    assert won == TOTAL // UNITS  # every unit that fits was handed out, none more
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        stored = await session.get(Offer, offer["id"])
        assert stored is not None
        rows = await session.scalar(
            select(func.coalesce(func.sum(Engagement.quantity), 0)).where(
                Engagement.offer_id == offer["id"], Engagement.status == "pending"
            )
        )
    assert stored.held_quantity == rows == won * UNITS <= TOTAL
    assert stored.reserved_quantity == 0
    read = await client.get(f"/v1/offers/{offer['id']}", headers=maker_partner.headers)
    assert read.json()["remaining_quantity"] == TOTAL - won * UNITS


async def _offers(client: httpx.AsyncClient, maker: OrgCtx, count: int) -> list[dict[str, Any]]:
    capacity = {"unit": "pieces", "per_week": 100, "total": TOTAL}
    return [
        await make_offer(client, maker, capacity=capacity, min_order_quantity=1)
        for _ in range(count)
    ]


async def _pending_units(engine: AsyncEngine, *conditions: Any) -> tuple[int, int]:
    """(engagements, units) of the pending engagements matching ``conditions``."""
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        row = (
            await session.execute(
                select(func.count(), func.coalesce(func.sum(Engagement.quantity), 0)).where(
                    Engagement.status == "pending", *conditions
                )
            )
        ).one()
    return int(row[0]), int(row[1])


@pytest.mark.committed
async def test_concurrent_holds_on_one_request_never_pass_its_quantity(
    committed_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    client = committed_client
    maker_partner, buyer_partner = await make_partner(client), await make_partner(client)
    offers = await _offers(client, await make_organization(client, maker_partner), 20)
    request = await make_request(
        client, await make_organization(client, buyer_partner), quantity=100
    )

    responses = await asyncio.gather(
        *(engage(client, request["id"], o["id"], 30, buyer_partner.headers) for o in offers)
    )

    statuses = [response.status_code for response in responses]
    assert sorted(statuses) == [201] * 3 + [409] * 17, [r.text for r in responses][:3]
    refused = [r.json() for r in responses if r.status_code == 409]
    assert all(p["errors"][0]["message"].startswith("at most 10 units") for p in refused)
    assert await _pending_units(engine, Engagement.request_id == request["id"]) == (3, 90)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        held = await session.scalar(
            select(func.sum(Offer.held_quantity)).where(Offer.id.in_([o["id"] for o in offers]))
        )
    assert held == 90


@pytest.mark.committed
async def test_closing_offers_while_their_holds_are_accepted_never_deadlocks(
    committed_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    """Accept locks the offer before the engagement, as closing the offer does."""
    client = committed_client
    maker_partner, buyer_partner = await make_partner(client), await make_partner(client)
    offers = await _offers(client, await make_organization(client, maker_partner), 10)
    request = await make_request(client, await make_organization(client, buyer_partner))
    holds = []
    for offer in offers:
        response = await engage(client, request["id"], offer["id"], UNITS, buyer_partner.headers)
        assert response.status_code == 201, response.text
        holds.append(response.json()["id"])

    answers = await asyncio.gather(
        *(
            call
            for offer, hold in zip(offers, holds, strict=True)
            for call in (
                act(client, hold, "accept", maker_partner.headers),
                client.delete(f"/v1/offers/{offer['id']}", headers=maker_partner.headers),
            )
        )
    )

    accepts, closes = answers[0::2], answers[1::2]
    assert [r.status_code for r in closes] == [200] * len(offers), [r.text for r in closes]
    assert {r.status_code for r in accepts} <= {200, 409}, [r.text for r in accepts]
    for offer, hold, accepted in zip(offers, holds, accepts, strict=True):
        read = await client.get(f"/v1/engagements/{hold}", headers=buyer_partner.headers)
        counts = await client.get(f"/v1/offers/{offer['id']}", headers=maker_partner.headers)
        reserved = counts.json()["reserved_quantity"]
        if accepted.status_code == 200:  # the accept came first; the work stays
            assert (read.json()["status"], reserved) == ("accepted", UNITS)
        else:  # the close came first and released the hold
            assert read.json()["status"] == "cancelled"
            assert read.json()["history"][-1]["note"] == "the offer was closed"
            assert reserved == 0
        assert counts.json()["held_quantity"] == 0
    assert await _pending_units(engine, Engagement.request_id == request["id"]) == (0, 0)


@pytest.mark.committed
async def test_cancelling_a_request_while_it_takes_holds_never_deadlocks(
    committed_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    """Holds lock their request before the offer, as cancelling the request does."""
    client = committed_client
    maker_partner, buyer_partner = await make_partner(client), await make_partner(client)
    offers = await _offers(client, await make_organization(client, maker_partner), 10)
    request = await make_request(client, await make_organization(client, buyer_partner))
    first = await engage(client, request["id"], offers[0]["id"], UNITS, buyer_partner.headers)
    assert first.status_code == 201, first.text

    answers = await asyncio.gather(
        client.delete(f"/v1/requests/{request['id']}", headers=buyer_partner.headers),
        *(engage(client, request["id"], o["id"], UNITS, buyer_partner.headers) for o in offers),
    )

    assert answers[0].status_code == 200, answers[0].text
    assert {r.status_code for r in answers[1:]} <= {201, 409}, [r.text for r in answers[1:]]
    assert await _pending_units(engine, Engagement.request_id == request["id"]) == (0, 0)
    for offer in offers:
        counts = await client.get(f"/v1/offers/{offer['id']}", headers=maker_partner.headers)
        assert counts.json()["held_quantity"] == 0


@pytest.mark.committed
async def test_organisations_closing_together_with_holds_on_each_other_never_deadlock(
    committed_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    """Each closing organisation cancels its requests before it closes its offers (request
    rows, then offer rows): two closing at once, each holding the other's capacity, queue
    instead of deadlocking."""
    client = committed_client
    pairs = []
    for _ in range(4):
        partner = await make_partner(client)
        first = await make_organization(client, partner)
        second = await make_organization(client, partner)
        first_offers, second_offers = (
            await _offers(client, first, 3),
            await _offers(client, second, 3),
        )
        first_request, second_request = (
            await make_request(client, first),
            await make_request(client, second),
        )
        for request, offers in ((first_request, second_offers), (second_request, first_offers)):
            for offer in offers:
                response = await engage(client, request["id"], offer["id"], UNITS, partner.headers)
                assert response.status_code == 201, response.text
        pairs.append((partner, first, second))

    answers = await asyncio.gather(
        *(
            client.delete(f"/v1/organizations/{organization.id}", headers=partner.headers)
            for partner, first, second in pairs
            for organization in (first, second)
        )
    )

    assert [r.status_code for r in answers] == [200] * len(answers), [r.text for r in answers]
    closed = [organization.id for _, first, second in pairs for organization in (first, second)]
    assert await _pending_units(engine, Engagement.buyer_organization_id.in_(closed)) == (0, 0)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        held = await session.scalar(
            select(func.coalesce(func.sum(Offer.held_quantity), 0)).where(
                Offer.organization_id.in_(closed)
            )
        )
    assert held == 0
