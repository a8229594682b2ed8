"""GET /v1/offers/{id}/matches from the worker's index of open requests: kept in step
with every write (the change log's ``request`` entries), on every worker."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.db import Database
from app.main import create_app
from app.matching import demand_index
from app.matching.feed import MatchFeed
from app.models import CapacityRequest, MarketChange
from tests.fixtures.assertions import day
from tests.fixtures.factories import Market, make_organization, make_partner
from tests.matching.test_api import (
    ESSLINGEN,
    MUNICH,
    _touched,
    expire_request,
    offer,
    offer_matches,
    request,
    request_ids,
)


async def test_every_write_to_a_request_is_logged_by_the_database(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    made = await request(client, market.a2)
    patched = await client.patch(
        f"/v1/requests/{made['id']}", json={"quantity": 10}, headers=market.a.headers
    )
    assert patched.status_code == 200, patched.text
    async with session_factory() as session:
        # a write behind the API's back is logged too
        await session.execute(
            update(CapacityRequest)
            .where(CapacityRequest.id == made["id"])
            .values(title="renamed", **_touched())
        )
        kinds = (
            await session.scalars(
                select(MarketChange.kind).where(MarketChange.object_id == made["id"])
            )
        ).all()
        await session.rollback()
    assert kinds == ["request"] * 3


async def test_the_index_follows_writes_made_behind_the_apis_back(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    made = await offer(client, market.a1, location=ESSLINGEN)
    near = await request(client, market.a2)
    far = await request(client, market.b1, location=MUNICH)
    assert request_ids(await offer_matches(client, made["id"], market.a.headers)) == [
        near["id"],
        far["id"],
    ]
    async with session_factory() as session:
        await session.execute(
            update(CapacityRequest)
            .where(CapacityRequest.id == far["id"])
            .values(lat=48.7406, lon=9.3108, **_touched())  # now at the offer
        )
        await session.commit()
    assert request_ids(await offer_matches(client, made["id"], market.a.headers)) == [
        far["id"],
        near["id"],
    ]
    await expire_request(session_factory, far["id"])
    assert request_ids(await offer_matches(client, made["id"], market.a.headers)) == [near["id"]]


async def test_many_changes_load_a_new_base_that_ranks_the_same(
    app: FastAPI,
    client: httpx.AsyncClient,
    market: Market,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(demand_index, "REBUILD_AFTER", 1)
    made = await offer(client, market.a1)
    first = await request(client, market.a2)
    assert request_ids(await offer_matches(client, made["id"], market.a.headers)) == [first["id"]]
    feed: MatchFeed = app.state.match_feed
    loaded = feed.demand.index
    more = [await request(client, market.b1, quantity=q) for q in (5000, 6000, 7000)]
    cancelled = await client.delete(f"/v1/requests/{first['id']}", headers=market.a.headers)
    assert cancelled.status_code == 200, cancelled.text
    body = await offer_matches(client, made["id"], market.a.headers)
    assert sorted(request_ids(body)) == sorted(item["id"] for item in more)
    # more changes than REBUILD_AFTER: a new base was loaded on the way, with no delta
    assert feed.demand.index is not loaded
    assert feed.demand.index is not None
    assert feed.demand.index.changed_count == 0
    assert len(feed.demand.index) == 3
    assert await offer_matches(client, made["id"], market.a.headers) == body


@pytest.mark.committed
async def test_a_request_written_through_one_worker_shows_in_the_next_call_of_another(
    committed_client: httpx.AsyncClient, settings: Settings, engine: AsyncEngine
) -> None:
    """Two app instances on one database: each keeps its own request index, both fresh."""
    other_app = create_app(
        settings,
        database=Database(
            engine=engine,
            sessionmaker=async_sessionmaker(engine, expire_on_commit=False),
            autocommit_reads=not settings.is_sqlite,
        ),
    )
    transport = httpx.ASGITransport(app=other_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://capmatch.test") as other:
        partner = await make_partner(committed_client)
        maker = await make_organization(committed_client, partner)
        buyer = await make_organization(committed_client, partner)
        made = await offer(committed_client, maker)

        async def seen_by_other() -> list[str]:
            return request_ids(await offer_matches(other, made["id"], partner.headers))

        assert await seen_by_other() == []  # the other worker loads its indexes now
        wanted = await request(committed_client, buyer)
        own = await request(committed_client, maker)  # the offer's organisation: never
        assert await seen_by_other() == [wanted["id"]]
        url = f"/v1/requests/{wanted['id']}"
        moved = await committed_client.patch(
            url, json={"max_distance_km": 5}, headers=partner.headers
        )
        assert moved.status_code == 200, moved.text
        assert await seen_by_other() == []
        moved = await committed_client.patch(
            url, json={"max_distance_km": 400}, headers=partner.headers
        )
        assert moved.status_code == 200, moved.text
        assert await seen_by_other() == [wanted["id"]]
        cancelled = await committed_client.delete(url, headers=partner.headers)
        assert cancelled.status_code == 200, cancelled.text
        assert await seen_by_other() == []
        assert own["id"] not in request_ids(
            await offer_matches(committed_client, made["id"], partner.headers)
        )


async def test_the_offers_certificates_are_current_in_the_next_call(
    client: httpx.AsyncClient, market: Market
) -> None:
    made = await offer(client, market.a1)
    wanted = await request(client, market.a2, needed_by=day(70))  # requires EN 14683
    assert request_ids(await offer_matches(client, made["id"], market.a.headers)) == [wanted["id"]]
    shortened = await client.patch(
        f"/v1/organizations/{market.a1.id}",
        json={
            "certifications": [
                {"code": "en-14683", "valid_until": day(30)},
                {"code": "iso-13485", "valid_until": day(400)},
            ]
        },
        headers=market.a.headers,
    )
    assert shortened.status_code == 200, shortened.text
    assert request_ids(await offer_matches(client, made["id"], market.a.headers)) == []
    soon = await request(client, market.b1, needed_by=day(25))
    assert request_ids(await offer_matches(client, made["id"], market.a.headers)) == [soon["id"]]
