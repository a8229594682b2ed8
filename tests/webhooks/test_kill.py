"""A ``capmatch worker`` process killed with SIGKILL mid-batch loses nothing: its claims
come back when their lease ends and another worker sends them."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.api import register_hooks
from app.core.config import Settings
from app.events.outbox import Party
from app.models import Partner, WebhookDelivery, WebhookEndpoint
from app.webhooks.delivery import new_client
from app.webhooks.directory import DIRECTORY
from app.webhooks.signing import new_secret
from app.webhooks.worker import DeliveryWorker
from tests.fixtures.database import empty_tables
from tests.webhooks.conftest import Clock, Receiver, emit

pytestmark = pytest.mark.committed

EVENTS = 20
DEADLINE_S = 60.0


@pytest.fixture
async def sessions(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    register_hooks()  # the outbox and the fan-out, as the app and the worker have them
    try:
        yield async_sessionmaker(engine, expire_on_commit=False)
    finally:
        await empty_tables(engine)


async def _setup(sessions: async_sessionmaker[AsyncSession], url: str) -> None:
    async with sessions() as session, session.begin():
        session.add(Partner(id="par_kill", name="Kill", slug="kill", status="active"))
        await session.flush()
        session.add(
            WebhookEndpoint(
                id="whe_kill",
                partner_id="par_kill",
                url=url,
                event_types=["*"],
                status="enabled",
                secret=new_secret(),
            )
        )
    # Saved behind the service's back: tell this process's fan-out directory.
    DIRECTORY.forget()
    for number in range(EVENTS):
        await emit(sessions, type="offer.created", owner=Party("par_kill"), object={"n": number})


async def test_a_killed_worker_loses_nothing(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], receiver: Receiver
) -> None:
    # The receiver holds every request for HANG_S: the process is killed while its whole
    # batch is in flight, after claiming and before recording anything.
    await _setup(sessions, receiver.url("/hang"))
    env = {
        **os.environ,
        "CAPMATCH_DATABASE_URL": settings.database_url,
        "CAPMATCH_ENVIRONMENT": "test",
        "CAPMATCH_WEBHOOK_POLL_S": "0.05",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from app.cli import main; main(['worker'])",
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + DEADLINE_S
        while len(receiver.received) < EVENTS:
            assert process.returncode is None, "the worker process ended by itself"
            assert time.monotonic() < deadline, f"the worker sent {len(receiver.received)}"
            await asyncio.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    async with sessions() as session:
        rows = (await session.execute(select(WebhookDelivery))).scalars().all()
    assert {row.status for row in rows} == {"pending"}
    assert all(row.claimed_by is not None for row in rows)  # claimed, never recorded

    async with sessions() as session, session.begin():
        endpoint = await session.get(WebhookEndpoint, "whe_kill")
        assert endpoint is not None
        endpoint.url = receiver.url("/ok")
    receiver.clear()
    async with new_client(allow_private=True, timeout_s=5) as client:
        clock = Clock()
        rescuer = DeliveryWorker(
            sessions, client=client, allow_private=True, name="rescuer", clock=clock
        )
        assert await rescuer.run_once() == 0  # the dead worker's leases still run
        clock.advance(seconds=61)
        handled = 0
        while batch := await rescuer.run_once():
            handled += batch
    assert handled == EVENTS
    assert len({item.headers["webhook-id"] for item in receiver.received}) == EVENTS
    async with sessions() as session:
        statuses = (await session.execute(select(WebhookDelivery.status))).scalars().all()
    assert statuses == ["succeeded"] * EVENTS
