"""The fan-out's directory of partners with endpoints: no query for the others, a saved
endpoint counts at once in this process, and a stale entry costs a query, never a loss."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.events.outbox import Party
from app.models import WebhookDelivery, WebhookEndpoint
from app.webhooks.directory import DIRECTORY, Directory
from app.webhooks.signing import new_secret
from tests.fixtures.factories import Market
from tests.webhooks.conftest import create_endpoint, emit


async def test_a_new_endpoint_receives_the_next_event_at_once(
    client: httpx.AsyncClient, market: Market, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    # The directory was loaded before the endpoint existed (and within its TTL).
    async with session_factory() as session:
        assert not await DIRECTORY.any_of(session, [market.a.id])
    endpoint = await create_endpoint(client, market.a.headers, event_types=["*"])
    await emit(session_factory, type="offer.created", owner=Party(market.a.id, market.a1.id))
    async with session_factory() as session:
        deliveries = (await session.scalars(select(WebhookDelivery))).all()
    assert [delivery.endpoint_id for delivery in deliveries] == [endpoint["id"]]


async def test_a_disabled_endpoint_still_listed_costs_a_query_not_a_delivery(
    client: httpx.AsyncClient, market: Market, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    endpoint = await create_endpoint(client, market.b.headers, event_types=["*"])
    async with session_factory() as session:
        assert await DIRECTORY.any_of(session, [market.b.id])
    response = await client.patch(
        f"/v1/webhook-endpoints/{endpoint['id']}",
        json={"status": "disabled"},
        headers=market.b.headers,
    )
    assert response.status_code == 200, response.text
    await emit(session_factory, type="offer.created", owner=Party(market.b.id, market.b1.id))
    async with session_factory() as session:
        assert (await session.scalars(select(WebhookDelivery))).all() == []


async def test_it_reloads_after_its_ttl_and_not_before(
    market: Market, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    fresh, lasting = Directory(ttl_s=0.0), Directory(ttl_s=3600.0)
    async with session_factory() as session, session.begin():
        assert not await fresh.any_of(session, [market.a.id])
        assert not await lasting.any_of(session, [market.a.id])
        # Saved behind the service's back, as another process would.
        session.add(
            WebhookEndpoint(
                id="whe_ttl",
                partner_id=market.a.id,
                url="https://example.org/hooks",
                event_types=["*"],
                status="enabled",
                secret=new_secret(),
            )
        )
        await session.flush()
        assert await fresh.any_of(session, [market.a.id])
        assert not await lasting.any_of(session, [market.a.id])
        lasting.forget()
        assert await lasting.any_of(session, [market.a.id])
