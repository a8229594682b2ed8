"""Everything capmatch stores about an organisation, gathered through the domains' own
services as the organisation itself would see it: the document is what its own key could
read, page by page, from every endpoint, in one answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts import service as alerts
from app.alerts.schemas import SavedSearchOut
from app.auth import service as auth
from app.auth.principal import Principal
from app.auth.schemas import ApiKeyOut
from app.core.dates import today
from app.core.pagination import PageParams, Window, decode_cursor
from app.engagements import service as engagements
from app.engagements import views as engagement_views
from app.engagements.schemas import MessageOut
from app.events.feed import TypeFilter, read_page
from app.market.listing import MarketFilters
from app.models import Organization
from app.offers import service as offers
from app.offers.schemas import OfferOut
from app.organizations.schemas import OrganizationOut
from app.requests import service as requests
from app.requests.schemas import RequestOut
from app.webhooks import service as webhooks
from app.webhooks.schemas import WebhookEndpointOut

T = TypeVar("T")
PAGE = 100
ALL_EVENTS = TypeFilter()  # no types named: every type


async def _every(fetch: Callable[[PageParams], Awaitable[Window[T]]]) -> list[T]:
    """All items of a paged listing, first page to last."""
    items: list[T] = []
    cursor: str | None = None
    while True:
        page = PageParams(limit=PAGE, after_id=decode_cursor(cursor) if cursor else None)
        window = await fetch(page)
        items.extend(window.items)
        if not window.has_more or window.next_cursor is None:
            return items
        cursor = window.next_cursor


async def personal_data(
    session: AsyncSession, *, organization: Organization, exported_at: datetime
) -> dict[str, Any]:
    itself = Principal(
        kind="organization",
        key_id="personal-data-export",
        partner_id=organization.partner_id,
        organization_id=organization.id,
    )
    own = MarketFilters(organization_id=organization.id)
    on = today()
    offer_rows = await _every(
        lambda page: offers.list_offers(session, principal=itself, filters=own, page=page)
    )
    request_rows = await _every(
        lambda page: requests.list_requests(session, principal=itself, filters=own, page=page)
    )
    engagement_rows = await _every(
        lambda page: engagements.list_engagements(
            session,
            principal=itself,
            page=page,
            statuses=(),
            role=None,
            request_id=None,
            offer_id=None,
        )
    )
    shown_engagements = []
    for view in await engagement_views.engagement_views(session, itself, engagement_rows):

        async def messages_of(page: PageParams, engagement_id: str = view.id) -> Window[Any]:
            return await engagements.list_messages(
                session, principal=itself, engagement_id=engagement_id, page=page
            )

        messages = await _every(messages_of)
        shown_engagements.append(
            {
                **view.model_dump(mode="json"),
                "messages": [
                    MessageOut.model_validate(m).model_dump(mode="json") for m in messages
                ],
            }
        )
    keys = await _every(
        lambda page: auth.list_keys(
            session,
            owner=auth.KeyOwner(
                partner_id=organization.partner_id, organization_id=organization.id
            ),
            page=page,
        )
    )
    searches = await _every(
        lambda page: alerts.list_saved_searches(session, principal=itself, page=page)
    )
    endpoints = await _every(
        lambda page: webhooks.list_endpoints(session, principal=itself, page=page)
    )
    events: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        feed = await read_page(session, principal=itself, after=after, types=ALL_EVENTS, limit=PAGE)
        events.extend(event.model_dump(mode="json") for event in feed.data)
        if not feed.has_more:
            break
        after = feed.next_cursor
    return {
        "exported_at": exported_at.isoformat().replace("+00:00", "Z"),
        "organization": OrganizationOut.of(organization).model_dump(mode="json"),
        "api_keys": [ApiKeyOut.model_validate(key).model_dump(mode="json") for key in keys],
        "offers": [OfferOut.of(row, on=on).model_dump(mode="json") for row in offer_rows],
        "requests": [RequestOut.of(row, on=on).model_dump(mode="json") for row in request_rows],
        "engagements": shown_engagements,
        "saved_searches": [
            SavedSearchOut.model_validate(row).model_dump(mode="json") for row in searches
        ],
        "webhook_endpoints": [
            WebhookEndpointOut.model_validate(row).model_dump(mode="json") for row in endpoints
        ],
        "events": events,
    }
