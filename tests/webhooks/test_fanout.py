"""Fan-out: a stored event becomes one delivery per matching enabled endpoint, in the
event's transaction; partners hear of their members, organisations of themselves."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.events import publish
from app.events.outbox import Party, ResourceChanged
from app.models import Event, WebhookDelivery
from app.webhooks.fanout import type_matches
from tests.fixtures.factories import Market
from tests.webhooks.conftest import create_endpoint, emit


@pytest.mark.parametrize(
    ("patterns", "event_type", "expected"),
    [
        (["*"], "offer.created", True),
        (["offer.*"], "offer.created", True),
        (["offer.*"], "offers.created", False),
        (["offer.*"], "offer", False),
        (["match.found"], "match.found", True),
        (["match.found"], "match.foundry", False),
        (["request.*", "ping"], "ping", True),
        (["engagement.*"], "offer.updated", False),
    ],
)
def test_type_patterns(patterns: list[str], event_type: str, expected: bool) -> None:
    assert type_matches(patterns, event_type) is expected


async def _deliveries(
    session_factory: async_sessionmaker[AsyncSession],
) -> list[WebhookDelivery]:
    async with session_factory() as session:
        found = await session.execute(select(WebhookDelivery).order_by(WebhookDelivery.id))
        return list(found.scalars())


async def test_each_matching_endpoint_gets_one_delivery_with_the_event_as_body(
    client: httpx.AsyncClient, market: Market, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    partner_a = await create_endpoint(client, market.a.headers, event_types=["offer.*"])
    org_a1 = await create_endpoint(client, market.a1.headers, event_types=["*"])
    org_a2 = await create_endpoint(client, market.a2.headers, event_types=["*"])
    requests_only = await create_endpoint(client, market.a.headers, event_types=["request.*"])
    partner_b = await create_endpoint(client, market.b.headers, event_types=["*"])
    disabled = await create_endpoint(client, market.a.headers, event_types=["*"])
    await client.patch(
        f"/v1/webhook-endpoints/{disabled['id']}",
        json={"status": "disabled"},
        headers=market.a.headers,
    )
    await emit(session_factory, type="offer.created", owner=Party(market.a.id, market.a1.id))
    deliveries = await _deliveries(session_factory)
    assert sorted(d.endpoint_id for d in deliveries) == sorted([partner_a["id"], org_a1["id"]])
    assert {org_a2["id"], requests_only["id"], partner_b["id"]}.isdisjoint(
        d.endpoint_id for d in deliveries
    )
    async with session_factory() as session:
        event = (
            await session.execute(select(Event).where(Event.type == "offer.created"))
        ).scalar_one()
    for delivery in deliveries:
        body = json.loads(delivery.payload)
        assert (delivery.event_id, delivery.event_type) == (event.id, "offer.created")
        assert body["id"] == event.id
        assert body["data"] == event.data
        assert (body["partner_id"], body["organization_id"]) == (market.a.id, market.a1.id)
        assert (delivery.status, delivery.attempt) == ("pending", 0)


async def test_the_counterpart_of_an_engagement_hears_of_it_too(
    client: httpx.AsyncClient, market: Market, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    buyer = await create_endpoint(client, market.b1.headers, event_types=["engagement.*"])
    seller = await create_endpoint(client, market.a.headers, event_types=["engagement.*"])
    await emit(
        session_factory,
        type="engagement.created",
        owner=Party(market.a.id, market.a1.id),
        counterpart=Party(market.b.id, market.b1.id),
    )
    deliveries = await _deliveries(session_factory)
    assert sorted(d.endpoint_id for d in deliveries) == sorted([buyer["id"], seller["id"]])


async def test_a_rolled_back_change_queues_nothing(
    client: httpx.AsyncClient, market: Market, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await create_endpoint(client, market.a.headers)

    async def failing_change() -> None:
        async with session_factory() as session, session.begin():
            await publish(
                session,
                ResourceChanged(type="offer.created", object={}, owner=Party(market.a.id)),
            )
            assert len((await session.execute(select(WebhookDelivery))).all()) == 1
            raise RuntimeError("the change fails after its event")

    with pytest.raises(RuntimeError):
        await failing_change()
    assert await _deliveries(session_factory) == []
