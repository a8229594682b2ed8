"""The delivery worker: claims due deliveries with a lease, sends them, records the outcome.

Any number of workers (embedded in ``capmatch serve`` or ``capmatch worker`` processes on
any host) share the table. A claim writes the worker's name and a lease end in one short
transaction (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so concurrent claims take different
rows; SQLite: one writer at a time). The POSTs run outside any transaction; the outcome is
written only for rows the worker still holds. A worker killed mid-batch leaves its claims
to expire: after ``lease`` another worker takes them (at-least-once). The lease is far
longer than an attempt may take (10 s), so one delivery is never sent twice at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.background import Stop
from app.core.config import Settings
from app.core.dates import utcnow
from app.core.db import begin_read
from app.core.events import publish
from app.events.outbox import Party, ResourceChanged
from app.models import WebhookDelivery, WebhookEndpoint
from app.webhooks.delivery import TIMEOUT_S, Attempt, new_client, post
from app.webhooks.doorbell import DOORBELL
from app.webhooks.metrics import WebhookMetrics
from app.webhooks.repository import DeliveryRepository, EndpointRepository
from app.webhooks.schedule import Jitter, next_attempt_at
from app.webhooks.schemas import WebhookEndpointOut
from app.webhooks.signing import signature_headers

logger = logging.getLogger("capmatch.webhooks")
Clock = Callable[[], datetime]
DISABLE_AFTER = timedelta(days=5)
DEFAULT_LEASE = timedelta(seconds=60)
DEFAULT_BATCH = 50


def worker_name() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed delivery with what sending it needs (read in the claim's transaction)."""

    delivery_id: str
    endpoint_id: str
    event_id: str
    url: str
    payload: str
    secrets: tuple[str, ...]


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> tuple[str, ...]:
    """The current secret, and the previous one while its 24 h overlap lasts."""
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        return (endpoint.secret, endpoint.previous_secret)
    return (endpoint.secret,)


class DeliveryWorker:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        client: httpx.AsyncClient,
        allow_private: bool,
        name: str | None = None,
        clock: Clock = utcnow,
        jitter: Jitter = random.uniform,
        metrics: WebhookMetrics | None = None,
        batch_size: int = DEFAULT_BATCH,
        lease: timedelta = DEFAULT_LEASE,
        timeout_s: float = TIMEOUT_S,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.client = client
        self.allow_private = allow_private
        self.name = name or worker_name()
        self.clock = clock
        self.jitter = jitter
        self.metrics = metrics
        self.batch_size = batch_size
        self.lease = lease
        self.timeout_s = timeout_s

    async def claim(self) -> list[Job]:
        """Lease up to ``batch_size`` due deliveries to this worker (one transaction)."""
        now = self.clock()
        # A read first: an idle poll then takes no write lock (SQLite has one for all).
        async with self.sessionmaker() as session:
            await begin_read(session)
            oldest = await DeliveryRepository(session).oldest_due(now=now)
        if self.metrics is not None:
            lag = (now - oldest).total_seconds() if oldest is not None else 0.0
            self.metrics.lag.set(max(lag, 0.0))
        if oldest is None:
            return []
        async with self.sessionmaker() as session, session.begin():
            deliveries = DeliveryRepository(session)
            claimed = await deliveries.claim(
                worker=self.name, now=now, lease_until=now + self.lease, limit=self.batch_size
            )
            endpoints = EndpointRepository(session)
            jobs = []
            for delivery in claimed:
                endpoint = await endpoints.get(delivery.endpoint_id)
                assert endpoint is not None
                jobs.append(
                    Job(
                        delivery_id=delivery.id,
                        endpoint_id=endpoint.id,
                        event_id=delivery.event_id,
                        url=endpoint.url,
                        payload=delivery.payload,
                        secrets=signing_secrets(endpoint, now),
                    )
                )
        if self.metrics is not None and jobs:
            self.metrics.claims.inc(len(jobs))
        return jobs

    async def send(self, job: Job) -> Attempt:
        headers = signature_headers(
            msg_id=job.event_id, timestamp=self.clock(), payload=job.payload, secrets=job.secrets
        )
        return await post(
            self.client,
            url=job.url,
            payload=job.payload,
            headers=headers,
            allow_private=self.allow_private,
            timeout_s=self.timeout_s,
        )

    async def record(self, outcomes: Sequence[tuple[Job, Attempt]]) -> None:
        """Write what the attempts gave, for the deliveries this worker still holds."""
        by_id = {job.delivery_id: attempt for job, attempt in outcomes}
        async with self.sessionmaker() as session, session.begin():
            held = await DeliveryRepository(session).claimed(worker=self.name, ids=list(by_id))
            endpoint_ids = sorted({delivery.endpoint_id for delivery in held})
            endpoints = await EndpointRepository(session).for_update(endpoint_ids)
            now = self.clock()
            for delivery in held:
                endpoint = endpoints.get(delivery.endpoint_id)
                outcome = self._apply(delivery, by_id[delivery.id], now=now)
                if endpoint is not None:
                    await self._track_endpoint(
                        session, endpoint, ok=outcome == "succeeded", now=now
                    )
                if self.metrics is not None:
                    self.metrics.deliveries.labels(outcome).inc()

    def _apply(self, delivery: WebhookDelivery, attempt: Attempt, *, now: datetime) -> str:
        delivery.attempt += 1
        delivery.response_status = attempt.response_status
        delivery.duration_ms = attempt.duration_ms
        delivery.error = attempt.error
        delivery.claimed_by = None
        delivery.claim_expires_at = None
        delivery.updated_at = now
        if attempt.ok:
            delivery.status = "succeeded"
            delivery.next_attempt_at = None
            return "succeeded"
        retry_at = next_attempt_at(delivery.attempt, now=now, jitter=self.jitter)
        delivery.next_attempt_at = retry_at
        if retry_at is None:
            delivery.status = "failed"
            return "failed"
        return "retrying"

    async def _track_endpoint(
        self, session: AsyncSession, endpoint: WebhookEndpoint, *, ok: bool, now: datetime
    ) -> None:
        """A success ends the failure streak; 5 days of failures disable the endpoint."""
        if ok:
            if endpoint.failing_since is not None:
                endpoint.failing_since = None
            return
        if endpoint.failing_since is None:
            endpoint.failing_since = now
            return
        if endpoint.status == "enabled" and now - endpoint.failing_since >= DISABLE_AFTER:
            endpoint.status = "disabled"
            endpoint.updated_at = now
            await session.flush()
            logger.warning("webhook endpoint %s failed for 5 days; disabled", endpoint.id)
            await publish(
                session,
                ResourceChanged(
                    type="webhook_endpoint.disabled",
                    object=WebhookEndpointOut.model_validate(endpoint).model_dump(mode="json"),
                    owner=Party(endpoint.partner_id, endpoint.organization_id),
                ),
            )

    async def run_once(self) -> int:
        """One round: claim, send concurrently, record. How many deliveries it handled."""
        jobs = await self.claim()
        if not jobs:
            return 0
        attempts = await asyncio.gather(*(self.send(job) for job in jobs))
        await self.record(list(zip(jobs, attempts, strict=True)))
        return len(jobs)

    async def run(self, stop: Stop, *, poll_s: float) -> None:
        """Rounds until ``stop``; waits ``poll_s`` only when a round found less than a batch,
        or less when a commit of this process queues deliveries (``DOORBELL``)."""
        with DOORBELL.listening() as bell:
            while not stop.requested:
                try:
                    handled = await self.run_once()
                except Exception:
                    logger.exception("webhook delivery round failed; will retry")
                    handled = 0
                if handled < self.batch_size and await _pause(stop, bell, poll_s):
                    return


async def _pause(stop: Stop, bell: asyncio.Event, seconds: float) -> bool:
    """Wait ``seconds``, less if the bell rings or a stop comes; True if stopped."""
    rung = asyncio.create_task(bell.wait())
    stopped = asyncio.create_task(stop.wait(seconds))
    try:
        await asyncio.wait({rung, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (rung, stopped):
            task.cancel()
        await asyncio.gather(rung, stopped, return_exceptions=True)
    bell.clear()
    return stop.requested


async def deliver_until_stopped(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    settings: Settings,
    stop: Stop,
    metrics: WebhookMetrics | None = None,
) -> None:
    """A worker with its one pooled client, until ``stop`` (``serve`` and ``worker``)."""
    client = new_client(allow_private=settings.webhook_allow_private)
    try:
        worker = DeliveryWorker(
            sessionmaker,
            client=client,
            allow_private=settings.webhook_allow_private,
            metrics=metrics,
        )
        logger.info("webhook delivery worker %s started", worker.name)
        await worker.run(stop, poll_s=settings.webhook_poll_s)
    finally:
        await client.aclose()
