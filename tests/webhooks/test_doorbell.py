"""The doorbell: a commit that queued deliveries wakes this process's idle workers, so
they do not wait for their next poll."""

from __future__ import annotations

import asyncio
from typing import Any

from app.core.background import Stop
from app.events.outbox import Party
from app.webhooks.doorbell import DOORBELL, Doorbell
from tests.fixtures.factories import Market, make_offer
from tests.webhooks.conftest import Clock, Receiver, create_endpoint, emit

NEVER_S = 3600.0  # a poll that never comes within the test


async def test_a_ring_reaches_every_listener_while_it_listens() -> None:
    bell = Doorbell()
    with bell.listening() as first, bell.listening() as second:
        bell.ring()
        await asyncio.wait_for(asyncio.gather(first.wait(), second.wait()), timeout=10)
    bell.ring()  # nobody listens: nothing to do, nothing fails


async def test_a_ring_wakes_an_idle_worker_before_its_poll(
    client: Any,
    market: Market,
    session_factory: Any,
    make_worker: Any,
    receiver: Receiver,
    clock: Clock,
) -> None:
    await create_endpoint(client, market.a.headers, url=receiver.url("/ok"))
    worker = make_worker()
    stop = Stop()
    running = asyncio.create_task(worker.run(stop, poll_s=NEVER_S))
    try:
        await asyncio.sleep(0.1)  # idle now, waiting for its poll an hour away
        await emit(session_factory, type="offer.created", owner=Party(market.a.id, market.a1.id))
        clock.catch_up()  # the worker's clock stood still since its first round
        DOORBELL.ring()  # what the commit of a request that queued deliveries does
        async with asyncio.timeout(10):
            while not receiver.received:  # noqa: ASYNC110 (the receiver runs in a thread)
                await asyncio.sleep(0.01)
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=10)
    assert [item.path for item in receiver.received] == ["/ok"]


async def test_a_request_that_queues_deliveries_rings_when_it_commits(
    client: Any, market: Market, receiver: Receiver
) -> None:
    await create_endpoint(client, market.a.headers, url=receiver.url("/ok"))
    with DOORBELL.listening() as bell:
        await make_offer(client, market.b1)  # partner b has no endpoint: no delivery
        assert not bell.is_set()
        await make_offer(client, market.a1)
        await asyncio.wait_for(bell.wait(), timeout=10)
