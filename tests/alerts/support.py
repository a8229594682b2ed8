"""Driving a worker's alerts by hand (no lifespan under ASGITransport) and reading them."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.alerts.engine import AlertEngine
from app.matching.feed import MatchFeed
from app.models import Event

ALERT_TYPES = ("match.found", "demand.found")


async def settle_worker(
    feed: MatchFeed, alerts: AlertEngine, sessions: async_sessionmaker[AsyncSession]
) -> int:
    """What the background loops do: catch the index up, then emit the alerts due."""
    async with sessions() as session:
        await feed.current(session)
        await session.commit()
    return await alerts.flush(sessions)


async def settle(app: FastAPI) -> int:
    return await settle_worker(
        app.state.match_feed, app.state.alerts, app.state.database.sessionmaker
    )


async def alerts_written(sessions: async_sessionmaker[AsyncSession]) -> list[Event]:
    async with sessions() as session:
        statement = select(Event).where(Event.type.in_(ALERT_TYPES)).order_by(Event.seq)
        return list((await session.execute(statement)).scalars())


def criteria(body: dict[str, Any]) -> dict[str, Any]:
    """A request body as match-search criteria (no title, visibility or owner)."""
    return {
        key: value
        for key, value in body.items()
        if key not in {"title", "visibility", "organization_id"}
    }
