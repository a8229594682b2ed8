"""Feed subscriptions: a token in a URL that reads one feed as the key that made it.

Calendar apps and feed readers fetch a URL and cannot send an Authorization header. A
subscription hands out such a URL: its token is random (256 bits), kept only as a hash,
reads one feed and nothing else, and stops working when it is revoked or when the key
that made it is (the token never outlives its key's rights).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.auth.service import principal_of_key
from app.core.dates import utcnow
from app.core.errors import InvalidInput, NotFound, Unauthorized
from app.core.hashing import hash_secret
from app.core.ids import new_id
from app.core.pagination import PageParams, Window, window
from app.feeds.repository import FeedSubscriptionRepository
from app.feeds.schemas import FeedName, SubscriptionCreate, SubscriptionCreated, SubscriptionOut
from app.models import FeedSubscription
from app.taxonomy.topics import check_topic_filter
from app.taxonomy.vocabulary import Taxonomy

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

TOKEN_PREFIX = "cmf_"  # noqa: S105 (a readable prefix, not a secret)
FEED_PATHS: dict[str, str] = {"calendar": "/v1/calendar.ics", "notices": "/v1/notices.atom"}
ADMIN_KEY_ID = "admin"
# Filters that only one of the feeds has.
_ONLY_IN: dict[str, str] = {"region": "calendar", "kind": "notices"}


class SubscriptionNotFound(NotFound):
    pass


Filters = TypeVar("Filters", bound="DataclassInstance")


@dataclass(frozen=True, slots=True)
class FeedReader:
    """Who reads a feed, and the filters a subscription stored (none with a header key)."""

    principal: Principal
    filters: Mapping[str, Any] = field(default_factory=dict)

    def over(self, query: Filters) -> Filters:
        """``query`` (a feed's list filters, a dataclass) with the subscription's stored
        filters where the URL gave none: a parameter in the URL wins."""
        known = {each.name for each in fields(query)}
        stored = {
            name: value
            for name, value in self.filters.items()
            if name in known and getattr(query, name) is None
        }
        return replace(query, **stored)


def _check_filters(data: SubscriptionCreate, taxonomy: Taxonomy) -> dict[str, Any]:
    filters = data.filters.model_dump(mode="json", exclude_none=True)
    for name, feed in _ONLY_IN.items():
        if name in filters and data.feed != feed:
            raise InvalidInput.at(f"filters.{name}", f"filters the {feed} feed only")
    check_topic_filter(taxonomy, data.filters.topic, parameter="filters.topic")
    return filters


async def create_subscription(
    session: AsyncSession,
    *,
    principal: Principal,
    data: SubscriptionCreate,
    taxonomy: Taxonomy,
    base_url: str,
) -> SubscriptionCreated:
    filters = _check_filters(data, taxonomy)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    subscription = FeedSubscription(
        id=new_id("fsub"),
        feed=data.feed,
        name=data.name,
        api_key_id=principal.key_id,
        principal_kind=principal.kind,
        partner_id=principal.partner_id,
        organization_id=principal.organization_id,
        filters=filters,
        token_prefix=token[:12],
        token_hash=hash_secret(token),
        created_at=now,
        updated_at=now,
    )
    await FeedSubscriptionRepository(session).add(subscription)
    url = f"{base_url.rstrip('/')}{FEED_PATHS[data.feed]}?token={token}"
    shown = SubscriptionOut.model_validate(subscription).model_dump()
    return SubscriptionCreated(**shown, url=url, token=token)


async def list_subscriptions(
    session: AsyncSession, *, principal: Principal, page: PageParams
) -> Window[FeedSubscription]:
    """The subscriptions this key made (each key manages its own links)."""
    rows = await FeedSubscriptionRepository(session).list_of_key(principal.key_id, page)
    return window(rows, page, lambda row: row.id)


async def get_subscription(
    session: AsyncSession, *, principal: Principal, subscription_id: str
) -> FeedSubscription:
    found = await FeedSubscriptionRepository(session).get_of_key(subscription_id, principal.key_id)
    if found is None:
        raise SubscriptionNotFound(f"Feed subscription {subscription_id} not found.")
    return found


async def revoke_subscription(
    session: AsyncSession, *, principal: Principal, subscription_id: str
) -> FeedSubscription:
    """Revoke the link: its token stops working at once. Revoking twice is harmless."""
    subscription = await get_subscription(
        session, principal=principal, subscription_id=subscription_id
    )
    if subscription.revoked_at is None:
        subscription.revoked_at = subscription.updated_at = utcnow()
        await session.flush()
    return subscription


async def reader_for_token(
    session: AsyncSession, *, token: str, feed: FeedName, admin_enabled: bool
) -> FeedReader:
    """Who a feed token reads as; 401 when it does not work for this feed."""
    refused = Unauthorized("Unknown or revoked feed token.")
    if not token.startswith(TOKEN_PREFIX):
        raise refused
    subscription = await FeedSubscriptionRepository(session).find_live(hash_secret(token))
    if subscription is None:
        raise refused
    if subscription.feed != feed:
        raise Unauthorized(f"This token reads the {subscription.feed} feed only.")
    principal: Principal | None
    if subscription.principal_kind == "admin":
        principal = Principal(kind="admin", key_id=ADMIN_KEY_ID) if admin_enabled else None
    else:
        principal = await principal_of_key(session, subscription.api_key_id)
    if principal is None:
        raise Unauthorized("The key that made this feed token no longer works.")
    return FeedReader(principal=principal, filters=subscription.filters)
