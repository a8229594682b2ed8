"""Liveness and readiness."""

from __future__ import annotations

import asyncio
from datetime import date

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.db import Database
from app.main import create_app
from app.matching import feed as feed_module
from app.matching.candidates import Candidates


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_when_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def test_not_ready_while_the_matching_index_loads(
    settings: Settings, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A starting worker answers /readyz 503 until its index is loaded (a load balancer
    sends it nothing meanwhile, so no search waits for the load); liveness stays 200."""
    release = asyncio.Event()
    load = feed_module._load_candidates

    async def slow_load(session: AsyncSession, on: date) -> Candidates:
        await release.wait()
        return await load(session, on)

    monkeypatch.setattr(feed_module, "_load_candidates", slow_load)
    fast = settings.model_copy(update={"match_preload": True, "match_refresh_s": 0.05})
    database = Database(engine=engine, sessionmaker=async_sessionmaker(engine))
    app = create_app(fast, database=database)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://capmatch.test") as client,
    ):
        loading = await client.get("/readyz")
        assert loading.status_code == 503
        assert "matching index" in loading.json()["detail"]
        assert (await client.get("/healthz")).status_code == 200
        release.set()
        for _ in range(200):
            if (await client.get("/readyz")).status_code == 200:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("/readyz stayed 503 after the index loaded")
