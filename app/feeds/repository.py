"""Every SQL statement of feed subscriptions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.pagination import PageParams, paginate
from app.models import FeedSubscription


class FeedSubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, subscription: FeedSubscription) -> FeedSubscription:
        self.session.add(subscription)
        await self.session.flush()
        return subscription

    async def get_of_key(self, subscription_id: str, key_id: str) -> FeedSubscription | None:
        statement = select(FeedSubscription).where(
            FeedSubscription.id == subscription_id, FeedSubscription.api_key_id == key_id
        )
        found: FeedSubscription | None = (
            await self.session.execute(statement)
        ).scalar_one_or_none()
        return found

    async def list_of_key(self, key_id: str, page: PageParams) -> Sequence[FeedSubscription]:
        statement = select(FeedSubscription).where(FeedSubscription.api_key_id == key_id)
        rows = await self.session.execute(paginate(statement, FeedSubscription.id, page))
        return rows.scalars().all()

    async def find_live(self, token_hash: str) -> FeedSubscription | None:
        statement = select(FeedSubscription).where(
            FeedSubscription.token_hash == token_hash, FeedSubscription.revoked_at.is_(None)
        )
        found: FeedSubscription | None = (
            await self.session.execute(statement)
        ).scalar_one_or_none()
        return found
