"""CAPMATCH_METRICS_BIND: /metrics public (default), behind the admin key, or on a
listener of its own that the API port does not serve."""

from __future__ import annotations

import socket

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from app.core.config import Settings
from app.core.db import Database
from app.main import create_app
from tests.fixtures.assertions import assert_problem
from tests.fixtures.factories import ADMIN


def _app(settings: Settings, engine: AsyncEngine, **changes: object) -> FastAPI:
    database = Database(engine=engine, sessionmaker=async_sessionmaker(engine))
    return create_app(settings.model_copy(update=changes), database=database)


async def test_admin_mode_asks_for_the_admin_key(settings: Settings, engine: AsyncEngine) -> None:
    app = _app(settings, engine, metrics_bind="admin")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://capmatch.test") as client:
        assert_problem(await client.get("/metrics"), 401)
        assert_problem(await client.get("/metrics", headers={"Authorization": "Bearer x"}), 401)
        scraped = await client.get("/metrics", headers=ADMIN)
    assert scraped.status_code == 200
    assert "capmatch_http_requests_total" in scraped.text


async def test_a_listener_of_its_own_serves_them_and_the_api_port_does_not(
    settings: Settings, engine: AsyncEngine
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = _app(settings, engine, metrics_bind=f"127.0.0.1:{port}", match_preload=False)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://capmatch.test") as client,
    ):
        await client.get("/healthz")
        assert_problem(await client.get("/metrics"), 404)
        async with httpx.AsyncClient() as scraper:
            scraped = await scraper.get(f"http://127.0.0.1:{port}/metrics")
        assert scraped.status_code == 200
        assert 'route="/healthz"' in scraped.text
    # Gone with the app.
    async with httpx.AsyncClient() as scraper:
        with pytest.raises(httpx.ConnectError):
            await scraper.get(f"http://127.0.0.1:{port}/metrics", timeout=2)


@pytest.mark.parametrize("value", ["9100", "host:", "h:99999", "everyone"])
def test_a_bind_must_be_public_admin_or_host_and_port(value: str) -> None:
    with pytest.raises(ValueError, match="HOST:PORT"):
        Settings(metrics_bind=value)
