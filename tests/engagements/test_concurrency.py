"""Holds racing for one offer, with real transactions (every request commits).

The suite runs on SQLite and on PostgreSQL (CAPMATCH_TEST_DATABASE_URL), so this
race runs on both.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from app.models import Engagement, Offer
from tests.engagements.support import engage
from tests.fixtures.factories import make_offer, make_organization, make_partner, make_request

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
