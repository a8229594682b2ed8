"""Helpers of the engagement tests: a maker's offer, a buyer's request, calls on both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import Engagement
from tests.fixtures.factories import Market, make_offer, make_request

TOTAL = 1000  # units of the offers these tests engage (an explicit total)


@dataclass(frozen=True)
class Deal:
    """Partner a's organisation a1 offers; partner b's organisation b1 asks."""

    market: Market
    offer: dict[str, Any]
    request: dict[str, Any]

    @property
    def seller(self) -> dict[str, str]:
        return self.market.a.headers

    @property
    def buyer(self) -> dict[str, str]:
        return self.market.b.headers


async def make_deal(
    client: httpx.AsyncClient, market: Market, *, total: int = TOTAL, wanted: int = TOTAL
) -> Deal:
    offer = await make_offer(
        client,
        market.a1,
        capacity={"unit": "pieces", "per_week": 5000, "total": total},
        min_order_quantity=1,
    )
    request = await make_request(client, market.b1, quantity=wanted)
    return Deal(market=market, offer=offer, request=request)


async def engage(
    client: httpx.AsyncClient,
    request_id: str,
    offer_id: str,
    quantity: int,
    headers: dict[str, str],
    **extra: Any,
) -> httpx.Response:
    return await client.post(
        f"/v1/requests/{request_id}/engagements",
        json={"offer_id": offer_id, "quantity": quantity, **extra},
        headers=headers,
    )


async def engaged(
    client: httpx.AsyncClient, deal: Deal, quantity: int, **extra: Any
) -> dict[str, Any]:
    response = await engage(
        client, deal.request["id"], deal.offer["id"], quantity, deal.buyer, **extra
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def act(
    client: httpx.AsyncClient,
    engagement_id: str,
    action: str,
    headers: dict[str, str],
    note: str | None = None,
) -> httpx.Response:
    body = {"note": note} if note is not None else None
    url = f"/v1/engagements/{engagement_id}/{action}"
    return await client.post(url, json=body, headers=headers)


async def acted(
    client: httpx.AsyncClient, engagement_id: str, action: str, headers: dict[str, str]
) -> dict[str, Any]:
    response = await act(client, engagement_id, action, headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def offer_counts(
    client: httpx.AsyncClient, offer_id: str, headers: dict[str, str]
) -> tuple[int, int, int]:
    """(reserved, held, remaining) as GET /v1/offers/{id} reads them."""
    response = await client.get(f"/v1/offers/{offer_id}", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    return body["reserved_quantity"], body["held_quantity"], body["remaining_quantity"]


async def lapse(sessions: async_sessionmaker[AsyncSession], engagement_id: str) -> None:
    """Time passes for one hold: its expiry lies in the past (nothing is swept)."""
    async with sessions() as session, session.begin():
        await session.execute(
            update(Engagement)
            .where(Engagement.id == engagement_id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )


async def history(
    client: httpx.AsyncClient, engagement_id: str, headers: dict[str, str]
) -> list[tuple[str | None, str, str, str | None]]:
    """(from, to, actor, note) of every transition, oldest first."""
    response = await client.get(f"/v1/engagements/{engagement_id}", headers=headers)
    assert response.status_code == 200, response.text
    return [
        (e["from_status"], e["to_status"], e["actor"], e["note"])
        for e in response.json()["history"]
    ]
