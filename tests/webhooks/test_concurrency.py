"""Workers on the real engine, committing: two workers never send one delivery at the
same time (PostgreSQL: SKIP LOCKED; SQLite: one writer), and the worker embedded in the
served app delivers what the API queues."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.db import Database
from app.events.outbox import Party
from app.main import create_app
from app.models import WebhookDelivery
from app.webhooks.delivery import new_client
from app.webhooks.worker import DeliveryWorker
from tests.fixtures.database import empty_tables
from tests.fixtures.factories import make_partner
from tests.webhooks.conftest import Receiver, create_endpoint, emit

pytestmark = pytest.mark.committed

EVENTS = 60
DEADLINE_S = 30.0


@pytest.fixture
async def sessions(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    try:
        yield async_sessionmaker(engine, expire_on_commit=False)
    finally:
        await empty_tables(engine)


async def test_two_workers_never_send_one_delivery_twice(
    committed_client: httpx.AsyncClient,
    sessions: async_sessionmaker[AsyncSession],
    receiver: Receiver,
) -> None:
    partner = await make_partner(committed_client)
    await create_endpoint(committed_client, partner.headers, url=receiver.url("/ok"))
    for number in range(EVENTS):
        await emit(sessions, type="offer.created", owner=Party(partner.id), object={"n": number})
    sent_by: Counter[str] = Counter()

    async def drain(worker: DeliveryWorker) -> None:
        while handled := await worker.run_once():
            sent_by[worker.name] += handled

    async with new_client(allow_private=True, timeout_s=5) as client:
        workers = [
            DeliveryWorker(sessions, client=client, allow_private=True, name=name, batch_size=7)
            for name in ("one", "two")
        ]
        await asyncio.gather(*(drain(worker) for worker in workers))
    ids = Counter(item.headers["webhook-id"] for item in receiver.received)
    assert len(ids) == EVENTS
    assert set(ids.values()) == {1}, [event for event, count in ids.items() if count > 1]
    assert sum(sent_by.values()) == EVENTS
    async with sessions() as session:
        statuses = (await session.execute(select(WebhookDelivery.status))).scalars().all()
    assert statuses == ["succeeded"] * EVENTS


@pytest.fixture
async def served_app(settings: Settings, engine: AsyncEngine) -> AsyncIterator[FastAPI]:
    fast = settings.model_copy(update={"webhook_poll_s": 0.05, "webhook_delivery": "embedded"})
    database = Database(
        engine=engine,
        sessionmaker=async_sessionmaker(engine, expire_on_commit=False),
        autocommit_reads=not settings.is_sqlite,
    )
    app = create_app(fast, database=database)
    try:
        async with app.router.lifespan_context(app):
            yield app
    finally:
        await empty_tables(engine)


async def test_the_embedded_worker_delivers_a_ping(served_app: FastAPI, receiver: Receiver) -> None:
    transport = httpx.ASGITransport(app=served_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://capmatch.test") as client:
        partner = await make_partner(client)
        endpoint = await create_endpoint(client, partner.headers, url=receiver.url("/ok"))
        ping = await client.post(
            f"/v1/webhook-endpoints/{endpoint['id']}/test", headers=partner.headers
        )
        assert ping.status_code == 202
        deadline = time.monotonic() + DEADLINE_S
        while not receiver.received:
            assert time.monotonic() < deadline, "the embedded worker sent nothing"
            await asyncio.sleep(0.05)
        body: dict[str, Any] = json.loads(receiver.received[0].body)
        assert body["type"] == "ping"
        metrics = await client.get("/metrics")
        assert "capmatch_webhook_claims_total" in metrics.text
