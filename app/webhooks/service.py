"""Webhook endpoints: who owns them, their secrets, test pings and the delivery log."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core.dates import utcnow
from app.core.errors import Conflict, InvalidInput, NotFound
from app.core.ids import new_id
from app.core.pagination import PageParams, Window, window
from app.core.schemas import patch_changes
from app.events.outbox import SYSTEM, Party, event_body
from app.models import WebhookDelivery, WebhookEndpoint
from app.web.http import check_if_match
from app.webhooks.directory import DIRECTORY
from app.webhooks.fanout import new_delivery
from app.webhooks.repository import DeliveryRepository, EndpointRepository
from app.webhooks.schemas import (
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointOut,
    WebhookEndpointUpdate,
    WebhookSecretRotated,
)
from app.webhooks.signing import new_secret
from app.webhooks.ssrf import TargetRefused, check_url, checked_addresses

ROTATION_OVERLAP = timedelta(hours=24)


class WebhookEndpointNotFound(NotFound):
    pass


class WebhookDeliveryNotFound(NotFound):
    pass


class EndpointDisabled(Conflict):
    slug = "endpoint-disabled"
    title = "The webhook endpoint is disabled"


async def _check_target(url: str, *, allow_private: bool) -> None:
    """422 for a URL the SSRF guard refuses. A name that does not resolve yet passes (it
    is checked again at every send); one that resolves to a private address does not."""
    try:
        host = check_url(url, allow_private=allow_private)
        if not allow_private:
            try:
                await checked_addresses(host, 443, allow_private=False)
            except TargetRefused as exc:
                if "does not resolve" not in str(exc):
                    raise
    except TargetRefused as exc:
        raise InvalidInput.at("url", str(exc)) from exc


def _owner(principal: Principal) -> Party:
    assert principal.partner_id is not None
    return Party(principal.partner_id, principal.organization_id)


def _may_see(principal: Principal, endpoint: WebhookEndpoint) -> bool:
    if principal.kind == "partner":
        return endpoint.partner_id == principal.partner_id
    if principal.kind == "organization":
        return endpoint.organization_id == principal.organization_id
    return False


async def create_endpoint(
    session: AsyncSession,
    *,
    principal: Principal,
    data: WebhookEndpointCreate,
    allow_private: bool,
) -> WebhookEndpointCreated:
    """Register an endpoint of the caller (a partner, or one organisation); its secret is
    returned here only."""
    await _check_target(data.url, allow_private=allow_private)
    owner = _owner(principal)
    now = utcnow()
    endpoint = WebhookEndpoint(
        id=new_id("whe"),
        partner_id=owner.partner_id,
        organization_id=owner.organization_id,
        url=data.url,
        description=data.description,
        event_types=list(dict.fromkeys(data.event_types)),
        status="enabled",
        secret=new_secret(),
        created_at=now,
        updated_at=now,
    )
    await EndpointRepository(session).add(endpoint)
    DIRECTORY.forget_on_commit(session)
    return WebhookEndpointCreated(
        **WebhookEndpointOut.model_validate(endpoint).model_dump(), secret=endpoint.secret
    )


async def get_endpoint(
    session: AsyncSession, *, principal: Principal, endpoint_id: str
) -> WebhookEndpoint:
    """An endpoint the caller owns; 404 for every other (also other partners')."""
    endpoint = await EndpointRepository(session).get(endpoint_id)
    if endpoint is None or not _may_see(principal, endpoint):
        raise WebhookEndpointNotFound(f"Webhook endpoint {endpoint_id} not found.")
    return endpoint


async def list_endpoints(
    session: AsyncSession, *, principal: Principal, page: PageParams
) -> Window[WebhookEndpoint]:
    """A partner's own endpoints and its members'; an organisation's own."""
    owner = _owner(principal)
    rows = await EndpointRepository(session).list_page(
        partner_id=owner.partner_id, organization_id=owner.organization_id, page=page
    )
    return window(rows, page, lambda endpoint: endpoint.id)


async def update_endpoint(
    session: AsyncSession,
    *,
    endpoint: WebhookEndpoint,
    data: WebhookEndpointUpdate,
    if_match: str | None,
    allow_private: bool,
) -> WebhookEndpoint:
    """Change the URL, event types, description or status; enabling clears the streak."""
    check_if_match(if_match, endpoint.version)
    changes = patch_changes(data)
    if "url" in changes:
        await _check_target(changes["url"], allow_private=allow_private)
    if "event_types" in changes:
        changes["event_types"] = list(dict.fromkeys(changes["event_types"]))
    if changes.get("status") == "enabled":
        endpoint.failing_since = None
    for field, value in changes.items():
        setattr(endpoint, field, value)
    await session.flush()
    DIRECTORY.forget_on_commit(session)
    return endpoint


async def delete_endpoint(
    session: AsyncSession, *, endpoint: WebhookEndpoint, if_match: str | None
) -> None:
    """Remove the endpoint and its delivery log; nothing more is sent to it."""
    check_if_match(if_match, endpoint.version)
    await EndpointRepository(session).delete(endpoint)


async def rotate_secret(
    session: AsyncSession, *, endpoint: WebhookEndpoint
) -> WebhookSecretRotated:
    """A new secret; the current one keeps signing alongside it for 24 hours."""
    now = utcnow()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + ROTATION_OVERLAP
    endpoint.secret = new_secret()
    endpoint.updated_at = now
    await session.flush()
    return WebhookSecretRotated(
        id=endpoint.id,
        secret=endpoint.secret,
        previous_secret_expires_at=endpoint.previous_secret_expires_at,
    )


async def send_test(session: AsyncSession, *, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a ``ping`` event for this endpoint alone (not written to the event feed)."""
    if endpoint.status != "enabled":
        raise EndpointDisabled(f"Webhook endpoint {endpoint.id} is disabled; enable it first.")
    now = utcnow()
    body = event_body(
        event_id=new_id("evt"),
        type="ping",
        created_at=now.isoformat().replace("+00:00", "Z"),
        owner=Party(endpoint.partner_id, endpoint.organization_id),
        actor=SYSTEM,
        data={"object": {"id": endpoint.id, "url": endpoint.url}},
    )
    delivery = new_delivery(endpoint.id, body, now=now)
    await DeliveryRepository(session).add_all([delivery])
    return delivery


async def list_deliveries(
    session: AsyncSession, *, endpoint: WebhookEndpoint, page: PageParams
) -> Window[WebhookDelivery]:
    """The endpoint's deliveries, newest first."""
    rows = await DeliveryRepository(session).list_page(endpoint_id=endpoint.id, page=page)
    return window(rows, page, lambda delivery: delivery.id)


async def retry_delivery(
    session: AsyncSession, *, endpoint: WebhookEndpoint, delivery_id: str
) -> WebhookDelivery:
    """Make a delivery due now, whatever its state; the next worker round sends it."""
    delivery = await DeliveryRepository(session).get(
        endpoint_id=endpoint.id, delivery_id=delivery_id
    )
    if delivery is None:
        raise WebhookDeliveryNotFound(f"Webhook delivery {delivery_id} not found.")
    if endpoint.status != "enabled":
        raise EndpointDisabled(f"Webhook endpoint {endpoint.id} is disabled; enable it first.")
    delivery.status = "pending"
    delivery.next_attempt_at = utcnow()
    delivery.error = None
    await session.flush()
    return delivery
