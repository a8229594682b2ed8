"""Matching counts a lapsed hold's units as free the moment it lapses, before the sweep
frees them in the database (issue 17, "Faults")."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.matching import lapses as lapses_module
from app.matching.feed import MatchFeed
from app.matching.index import MatchIndex
from app.models import Engagement
from tests.engagements.support import TOTAL, Deal, engaged, lapse, make_deal
from tests.fixtures.factories import Market
from tests.matching.test_api import request_matches

HELD = 300


async def deliverable(client: httpx.AsyncClient, deal: Deal) -> int | None:
    """What the request's matches say the deal's offer can still deliver (None: absent)."""
    body = await request_matches(client, deal.request["id"], deal.buyer)
    for item in body["data"]:
        if item["offer"]["id"] == deal.offer["id"]:
            return int(item["deliverable_quantity"])
    return None


def clock_at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    """The feed's clock only: the database and every other reader keep real time."""
    monkeypatch.setattr(lapses_module, "utcnow", lambda: moment)


async def test_matching_frees_a_hold_at_its_expiry_without_a_sweep(
    client: httpx.AsyncClient, market: Market, monkeypatch: pytest.MonkeyPatch
) -> None:
    deal = await make_deal(client, market)
    hold = await engaged(client, deal, HELD)
    assert await deliverable(client, deal) == TOTAL - HELD

    expiry = datetime.fromisoformat(hold["expires_at"])
    clock_at(monkeypatch, expiry - timedelta(seconds=1))
    assert await deliverable(client, deal) == TOTAL - HELD
    clock_at(monkeypatch, expiry)
    assert await deliverable(client, deal) == TOTAL
    # The engagement still reads pending in the database: no sweep ran.
    clock_at(monkeypatch, expiry + timedelta(hours=1))
    assert await deliverable(client, deal) == TOTAL


async def test_each_hold_frees_its_units_at_its_own_expiry(
    client: httpx.AsyncClient,
    market: Market,
    monkeypatch: pytest.MonkeyPatch,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """After one hold lapses the feed waits for the next expiry, not for the sweep."""
    deal = await make_deal(client, market)
    first = await engaged(client, deal, 100)
    second = await engaged(client, deal, 200)
    first_expiry = datetime.fromisoformat(first["expires_at"])
    second_expiry = first_expiry + timedelta(hours=1)
    async with session_factory() as session, session.begin():
        await session.execute(
            update(Engagement).where(Engagement.id == second["id"]).values(expires_at=second_expiry)
        )
    assert await deliverable(client, deal) == TOTAL - 300

    clock_at(monkeypatch, first_expiry)
    assert await deliverable(client, deal) == TOTAL - 200
    clock_at(monkeypatch, second_expiry - timedelta(seconds=1))
    assert await deliverable(client, deal) == TOTAL - 200
    clock_at(monkeypatch, second_expiry)
    assert await deliverable(client, deal) == TOTAL


async def test_holds_that_lapsed_before_a_load_count_as_free(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    deal = await make_deal(client, market)
    await engaged(client, deal, 100)
    lapsing = await engaged(client, deal, HELD)
    await lapse(session_factory, lapsing["id"])

    fresh = MatchFeed()
    async with session_factory() as session:
        index = await fresh.current(session)
    assert reserved_in(index, deal.offer["id"]) == 100


def reserved_in(index: MatchIndex, offer_id: str) -> int:
    """The units an index counts as taken of an offer (its base row or its delta row)."""
    for candidates, alive in index.parts():
        row = candidates.row_of(offer_id)
        if row is not None and (alive is None or alive[row]):
            return int(candidates.reserved[row])
    raise AssertionError(f"{offer_id} is not in the index")
