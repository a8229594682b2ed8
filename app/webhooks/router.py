"""Webhook endpoints of partners and organisations: CRUD, secret rotation, test pings, the
delivery log and manual retries. Other callers' endpoints answer 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response, status

from app.auth.dependencies import MemberAuth
from app.auth.routing import domain_router
from app.core.config import Settings
from app.core.db import SessionDep
from app.core.errors import problem_responses
from app.core.pagination import Page, PageDep, to_page
from app.models import WebhookDelivery, WebhookEndpoint
from app.web.http import IfMatch, set_etag
from app.webhooks import service
from app.webhooks.schemas import (
    WebhookDeliveryOut,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointOut,
    WebhookEndpointUpdate,
    WebhookSecretRotated,
)

router = domain_router("/webhook-endpoints", tags=["webhooks"])


async def own_endpoint(
    session: SessionDep, principal: MemberAuth, endpoint_id: str
) -> WebhookEndpoint:
    return await service.get_endpoint(session, principal=principal, endpoint_id=endpoint_id)


def allow_private(request: Request) -> bool:
    settings: Settings = request.app.state.settings
    return settings.webhook_allow_private


OwnEndpoint = Annotated[WebhookEndpoint, Depends(own_endpoint)]
AllowPrivate = Annotated[bool, Depends(allow_private)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookEndpointCreated,
    responses=problem_responses(401, 403, 409, 413, 422, 503),
)
async def create_webhook_endpoint(
    data: WebhookEndpointCreate, session: SessionDep, principal: MemberAuth, private: AllowPrivate
) -> WebhookEndpointCreated:
    """Register a webhook endpoint; the response carries its signing secret, shown once.

    A partner key's endpoint receives the events of all its members, an organisation
    key's those of that organisation. With an `Idempotency-Key`, a replay answers 409
    `key-already-issued` instead of showing the secret again."""
    return await service.create_endpoint(
        session, principal=principal, data=data, allow_private=private
    )


@router.get(
    "", response_model=Page[WebhookEndpointOut], responses=problem_responses(401, 403, 422, 503)
)
async def list_webhook_endpoints(
    session: SessionDep, principal: MemberAuth, page: PageDep
) -> Page[WebhookEndpointOut]:
    """List your webhook endpoints, newest first (never their secrets)."""
    result = await service.list_endpoints(session, principal=principal, page=page)
    return to_page(result, WebhookEndpointOut)


@router.get(
    "/{endpoint_id}",
    response_model=WebhookEndpointOut,
    responses=problem_responses(401, 403, 404, 422, 503),
)
async def get_webhook_endpoint(endpoint: OwnEndpoint, response: Response) -> WebhookEndpoint:
    """Read a webhook endpoint (never its secret)."""
    set_etag(response, endpoint.version)
    return endpoint


@router.patch(
    "/{endpoint_id}",
    response_model=WebhookEndpointOut,
    responses=problem_responses(401, 403, 404, 412, 413, 422, 503),
)
async def update_webhook_endpoint(
    data: WebhookEndpointUpdate,
    endpoint: OwnEndpoint,
    session: SessionDep,
    response: Response,
    private: AllowPrivate,
    if_match: IfMatch = None,
) -> WebhookEndpoint:
    """Change a webhook endpoint's URL, event types, description or status."""
    updated = await service.update_endpoint(
        session, endpoint=endpoint, data=data, if_match=if_match, allow_private=private
    )
    set_etag(response, updated.version)
    return updated


@router.delete(
    "/{endpoint_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(401, 403, 404, 412, 422, 503),
)
async def delete_webhook_endpoint(
    endpoint: OwnEndpoint, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete a webhook endpoint and its delivery log; nothing more is sent to it."""
    await service.delete_endpoint(session, endpoint=endpoint, if_match=if_match)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{endpoint_id}/rotate-secret",
    response_model=WebhookSecretRotated,
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
async def rotate_webhook_secret(endpoint: OwnEndpoint, session: SessionDep) -> WebhookSecretRotated:
    """Issue a new signing secret (shown once); the old one keeps signing for 24 hours."""
    return await service.rotate_secret(session, endpoint=endpoint)


@router.post(
    "/{endpoint_id}/test",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=WebhookDeliveryOut,
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
async def test_webhook_endpoint(endpoint: OwnEndpoint, session: SessionDep) -> WebhookDelivery:
    """Send a `ping` event to this endpoint; the delivery is queued and sent at once."""
    return await service.send_test(session, endpoint=endpoint)


@router.get(
    "/{endpoint_id}/deliveries",
    response_model=Page[WebhookDeliveryOut],
    responses=problem_responses(401, 403, 404, 422, 503),
)
async def list_webhook_deliveries(
    endpoint: OwnEndpoint, session: SessionDep, page: PageDep
) -> Page[WebhookDeliveryOut]:
    """List the endpoint's deliveries and their last attempt, newest first."""
    result = await service.list_deliveries(session, endpoint=endpoint, page=page)
    return to_page(result, WebhookDeliveryOut)


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=WebhookDeliveryOut,
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
async def retry_webhook_delivery(
    endpoint: OwnEndpoint, session: SessionDep, delivery_id: str
) -> WebhookDelivery:
    """Send a delivery again now (also a succeeded or failed one)."""
    return await service.retry_delivery(session, endpoint=endpoint, delivery_id=delivery_id)
