"""Fan-out: every stored event becomes one delivery per matching enabled endpoint, in the
event's own transaction (subscriber of ``EventWritten``, registered in ``app.api``)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dates import utcnow
from app.core.db import after_commit
from app.core.erasure import PersonalDataErased, scrub
from app.core.ids import new_id
from app.events.outbox import EventWritten, Party
from app.models import WebhookDelivery, WebhookEndpoint
from app.webhooks.directory import DIRECTORY
from app.webhooks.doorbell import DOORBELL
from app.webhooks.repository import DeliveryRepository, EndpointRepository, deliveries_mentioning


def type_matches(patterns: Iterable[str], event_type: str) -> bool:
    """``*``, an exact type, or ``prefix.*`` (``offer.*`` matches ``offer.created``)."""
    for pattern in patterns:
        if pattern in ("*", event_type):
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


def receives(endpoint: WebhookEndpoint | Any, parties: Iterable[Party]) -> bool:
    """A partner's endpoint hears of events of its partner, an organisation's of its own."""
    for party in parties:
        if endpoint.organization_id is None:
            if endpoint.partner_id == party.partner_id:
                return True
        elif endpoint.organization_id == party.organization_id:
            return True
    return False


def serialize(body: Mapping[str, Any]) -> str:
    """The body as sent and signed, fixed once so every retry carries the same bytes."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def new_delivery(endpoint_id: str, body: Mapping[str, Any], *, now: datetime) -> WebhookDelivery:
    return WebhookDelivery(
        id=new_id("whd"),
        endpoint_id=endpoint_id,
        event_id=body["id"],
        event_type=body["type"],
        payload=serialize(body),
        status="pending",
        attempt=0,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )


async def fan_out(session: AsyncSession, event: EventWritten) -> None:
    """Queue ``event`` for every enabled endpoint that receives it."""
    parties = [event.owner] if event.counterpart is None else [event.owner, event.counterpart]
    partner_ids = sorted({party.partner_id for party in parties})
    if not await DIRECTORY.any_of(session, partner_ids):
        return
    endpoints = await EndpointRepository(session).enabled_of_partners(partner_ids)
    event_type = str(event.body["type"])
    now = utcnow()
    deliveries = [
        new_delivery(endpoint.id, event.body, now=now)
        for endpoint in endpoints
        if receives(endpoint, parties) and type_matches(endpoint.event_types, event_type)
    ]
    if deliveries:
        await DeliveryRepository(session).add_all(deliveries)
        after_commit(session, DOORBELL.ring)


async def erase_payload_copies(session: AsyncSession, erased: PersonalDataErased) -> None:
    """The erased organisation's contact goes from every payload kept for delivery, sent
    or not (a retry sends the scrubbed one)."""
    changed = 0
    for delivery in await deliveries_mentioning(session, erased.organization_id):
        body = json.loads(delivery.payload)
        if scrub(body, erased.organization_id):
            delivery.payload = serialize(body)
            changed += 1
    await session.flush()
    erased.count("webhook_deliveries", changed)
