"""The delivery worker with a clock the test moves: signed sends, the retry schedule,
giving up, disabling an endpoint after 5 days of failures, leases, metrics."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks.webhooks import Webhook

from app.core.background import Stop
from app.core.config import Settings
from app.events.outbox import Party
from app.models import Event, WebhookDelivery, WebhookEndpoint
from app.webhooks.metrics import WebhookMetrics
from app.webhooks.schedule import MAX_ATTEMPTS, RETRY_DELAYS_S
from tests.fixtures.factories import Market
from tests.webhooks.conftest import SHORT_TIMEOUT_S, Clock, Receiver, create_endpoint, emit


async def _delivery(
    session_factory: async_sessionmaker[AsyncSession], endpoint_id: str
) -> WebhookDelivery:
    async with session_factory() as session:
        found = await session.execute(
            select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
        )
        return found.scalar_one()


async def _endpoint(
    session_factory: async_sessionmaker[AsyncSession], endpoint_id: str
) -> WebhookEndpoint:
    async with session_factory() as session:
        endpoint = await session.get(WebhookEndpoint, endpoint_id)
        assert endpoint is not None
        return endpoint


async def test_a_delivery_is_signed_and_verifies_also_during_rotation(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    make_worker: Any,
    clock: Clock,
) -> None:
    endpoint = await create_endpoint(client, market.a.headers, url=receiver.url("/ok"))
    await emit(session_factory, type="offer.created", owner=Party(market.a.id, market.a1.id))
    assert await make_worker().run_once() == 1
    [received] = receiver.received
    verified = Webhook(endpoint["secret"]).verify(received.body, received.headers)
    async with session_factory() as session:
        event = (
            await session.execute(select(Event).where(Event.type == "offer.created"))
        ).scalar_one()
    assert received.headers["webhook-id"] == event.id
    assert verified["id"] == event.id
    assert verified["type"] == "offer.created"
    assert verified["data"] == event.data
    delivery = await _delivery(session_factory, endpoint["id"])
    assert (delivery.status, delivery.attempt, delivery.response_status) == ("succeeded", 1, 200)
    assert delivery.next_attempt_at is None
    assert delivery.claimed_by is None

    rotated = await client.post(
        f"/v1/webhook-endpoints/{endpoint['id']}/rotate-secret", headers=market.a.headers
    )
    receiver.clear()
    await client.post(f"/v1/webhook-endpoints/{endpoint['id']}/test", headers=market.a.headers)
    clock.catch_up()
    assert await make_worker().run_once() == 1
    [ping] = receiver.received
    assert len(ping.headers["webhook-signature"].split(" ")) == 2
    assert Webhook(endpoint["secret"]).verify(ping.body, ping.headers)["type"] == "ping"
    assert Webhook(rotated.json()["secret"]).verify(ping.body, ping.headers)["type"] == "ping"


async def test_failures_follow_the_schedule_then_the_delivery_fails(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    make_worker: Any,
    clock: Clock,
) -> None:
    endpoint = await create_endpoint(client, market.a.headers, url=receiver.url("/fail"))
    await emit(session_factory, type="offer.created", owner=Party(market.a.id))
    worker = make_worker()
    for attempt, delay in enumerate(RETRY_DELAYS_S, start=1):
        assert await worker.run_once() == 1
        delivery = await _delivery(session_factory, endpoint["id"])
        assert (delivery.status, delivery.attempt, delivery.response_status) == (
            "pending",
            attempt,
            500,
        )
        assert delivery.error == "answered 500"
        assert delivery.next_attempt_at == clock.now + timedelta(seconds=delay)
        clock.advance(seconds=delay - 1)
        assert await worker.run_once() == 0  # not due yet
        clock.advance(seconds=1)
    assert await worker.run_once() == 1
    delivery = await _delivery(session_factory, endpoint["id"])
    assert (delivery.status, delivery.attempt, delivery.next_attempt_at) == (
        "failed",
        MAX_ATTEMPTS,
        None,
    )
    clock.advance(days=30)
    assert await worker.run_once() == 0
    assert len(receiver.received) == MAX_ATTEMPTS


async def test_a_timeout_and_a_redirect_are_retried_and_a_manual_retry_sends_now(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    make_worker: Any,
    clock: Clock,
) -> None:
    slow = await create_endpoint(client, market.a.headers, url=receiver.url("/slow"))
    moved = await create_endpoint(client, market.a1.headers, url=receiver.url("/moved"))
    await emit(session_factory, type="offer.created", owner=Party(market.a.id, market.a1.id))
    worker = make_worker(timeout_s=SHORT_TIMEOUT_S)
    assert await worker.run_once() == 2
    for endpoint in (slow, moved):
        delivery = await _delivery(session_factory, endpoint["id"])
        assert (delivery.status, delivery.attempt) == ("pending", 1)
        assert delivery.next_attempt_at is not None
    assert (await _delivery(session_factory, slow["id"])).error == "no answer within 1 s"
    assert (await _delivery(session_factory, moved["id"])).response_status == 301
    assert await worker.run_once() == 0
    delivery = await _delivery(session_factory, moved["id"])
    retried = await client.post(
        f"/v1/webhook-endpoints/{moved['id']}/deliveries/{delivery.id}/retry",
        headers=market.a1.headers,
    )
    assert retried.status_code == 202
    # Due at once, at the real time of the retry (the slow one only 5 s after its attempt).
    clock.set(datetime.fromisoformat(retried.json()["next_attempt_at"]))
    assert await worker.run_once() == 1
    assert (await _delivery(session_factory, moved["id"])).attempt == 2


async def test_five_days_of_failures_disable_the_endpoint_with_an_event(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    make_worker: Any,
    clock: Clock,
) -> None:
    failing = await create_endpoint(client, market.a1.headers, url=receiver.url("/fail"))
    watcher = await create_endpoint(
        client, market.a.headers, url=receiver.url("/ok"), event_types=["webhook_endpoint.*"]
    )
    worker = make_worker()
    await emit(session_factory, type="offer.created", owner=Party(market.a.id, market.a1.id))
    assert await worker.run_once() == 1
    started = (await _endpoint(session_factory, failing["id"])).failing_since
    assert started == clock.now
    for _ in range(4):  # one new failing event a day; each fails at once
        clock.advance(days=1)
        await emit(session_factory, type="offer.updated", owner=Party(market.a.id, market.a1.id))
        await worker.run_once()
        assert (await _endpoint(session_factory, failing["id"])).status == "enabled"
    clock.advance(days=1)
    await emit(session_factory, type="offer.updated", owner=Party(market.a.id, market.a1.id))
    await worker.run_once()
    endpoint = await _endpoint(session_factory, failing["id"])
    assert endpoint.status == "disabled"
    async with session_factory() as session:
        event = (
            await session.execute(select(Event).where(Event.type == "webhook_endpoint.disabled"))
        ).scalar_one()
    assert event.data["object"]["id"] == failing["id"]
    assert (event.partner_id, event.organization_id) == (market.a.id, market.a1.id)
    # The event is itself delivered, to the partner's endpoint that asked for it.
    receiver.clear()
    assert await worker.run_once() == 1
    [received] = receiver.received
    assert json.loads(received.body)["type"] == "webhook_endpoint.disabled"
    assert received.path == "/ok"
    assert watcher["id"] != failing["id"]
    # A disabled endpoint's deliveries wait; enabling it clears the streak.
    clock.advance(days=1)
    assert await worker.run_once() == 0
    enabled = await client.patch(
        f"/v1/webhook-endpoints/{failing['id']}",
        json={"status": "enabled"},
        headers=market.a1.headers,
    )
    assert enabled.json()["failing_since"] is None


async def test_a_success_ends_the_failure_streak(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    make_worker: Any,
    clock: Clock,
) -> None:
    endpoint = await create_endpoint(client, market.a.headers, url=receiver.url("/fail"))
    await emit(session_factory, type="offer.created", owner=Party(market.a.id))
    await make_worker().run_once()
    assert (await _endpoint(session_factory, endpoint["id"])).failing_since is not None
    await client.patch(
        f"/v1/webhook-endpoints/{endpoint['id']}",
        json={"url": receiver.url("/ok")},
        headers=market.a.headers,
    )
    await client.post(f"/v1/webhook-endpoints/{endpoint['id']}/test", headers=market.a.headers)
    clock.catch_up()
    assert await make_worker().run_once() == 1
    assert (await _endpoint(session_factory, endpoint["id"])).failing_since is None


async def test_a_lease_keeps_others_off_until_it_ends_and_a_lost_lease_writes_nothing(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    make_worker: Any,
    clock: Clock,
) -> None:
    endpoint = await create_endpoint(client, market.a.headers, url=receiver.url("/ok"))
    await emit(session_factory, type="offer.created", owner=Party(market.a.id))
    first = make_worker("first", lease=timedelta(seconds=60))
    second = make_worker("second")
    [job] = await first.claim()  # then "killed": it never sends nor records
    assert await second.claim() == []
    clock.advance(seconds=59)
    assert await second.claim() == []
    clock.advance(seconds=2)
    [again] = await second.claim()
    assert again.delivery_id == job.delivery_id
    attempt = await second.send(again)
    await second.record([(again, attempt)])
    late = await first.send(job)
    await first.record([(job, late)])  # the first worker's lease is gone: ignored
    delivery = await _delivery(session_factory, endpoint["id"])
    assert (delivery.status, delivery.attempt) == ("succeeded", 1)


async def test_metrics_count_claims_outcomes_and_lag(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    make_worker: Any,
    clock: Clock,
) -> None:
    registry = CollectorRegistry()
    metrics = WebhookMetrics(registry)
    await create_endpoint(client, market.a.headers, url=receiver.url("/ok"))
    await create_endpoint(client, market.a1.headers, url=receiver.url("/fail"))
    await emit(session_factory, type="offer.created", owner=Party(market.a.id, market.a1.id))
    clock.advance(seconds=30)
    worker = make_worker(metrics=metrics)
    assert await worker.run_once() == 2

    def value(name: str, **labels: str) -> float:
        found = registry.get_sample_value(name, labels)
        return 0.0 if found is None else found

    assert value("capmatch_webhook_claims_total") == 2
    assert value("capmatch_webhook_deliveries_total", outcome="succeeded") == 1
    assert value("capmatch_webhook_deliveries_total", outcome="retrying") == 1
    assert 29 <= value("capmatch_webhook_delivery_lag_seconds") <= 31
    clock.advance(days=1)
    await worker.run_once()
    await worker.run_once()
    assert value("capmatch_webhook_delivery_lag_seconds") == 0


async def test_the_loop_survives_a_failing_round_and_stops_when_asked(
    make_worker: Any, caplog: pytest.LogCaptureFixture
) -> None:
    worker = make_worker()
    stop = Stop()
    rounds = 0

    async def failing_round() -> int:
        nonlocal rounds
        rounds += 1
        if rounds == 1:
            raise RuntimeError("the database went away")
        stop.set()
        return 0

    worker.run_once = failing_round
    await asyncio.wait_for(worker.run(stop, poll_s=0.01), timeout=10)
    assert rounds == 2
    assert "webhook delivery round failed" in caplog.text


def test_private_targets_are_allowed_by_default_only_in_development_and_test() -> None:
    production = {"environment": "production", "database_url": "postgresql+asyncpg://h/db"}
    key = "k" * 32
    assert Settings(environment="development").webhook_allow_private is True
    assert Settings(environment="test").webhook_allow_private is True
    assert Settings(**production, admin_api_key=key).webhook_allow_private is False  # type: ignore[arg-type]
    assert (
        Settings(**production, admin_api_key=key, webhook_allow_private=True).webhook_allow_private  # type: ignore[arg-type]
        is True
    )
    assert Settings().webhook_delivery == "embedded"
