"""With the database unreachable: /readyz and every data endpoint answer 503 problem+json."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from app.core.config import Settings
from app.core.db import create_database
from app.main import create_app
from tests.fixtures import ADMIN_KEY


def unreachable_urls(tmp_path: Path) -> list[str]:
    return [
        # Nothing listens on port 1; connection refused at once.
        "postgresql+asyncpg://postgres@127.0.0.1:1/capmatch",
        # A directory that does not exist: SQLite cannot open the file.
        f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'nowhere.db'}",
        # The server answers but the configured database is not there (dropped, or not
        # created yet). Where no server runs, this is the first case again.
        "postgresql+asyncpg://postgres@127.0.0.1:5432/capmatch_no_such_database",
    ]


@pytest.fixture(params=[0, 1, 2], ids=["postgresql", "sqlite", "postgresql-no-database"])
async def down_client(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=unreachable_urls(tmp_path)[request.param],
        admin_api_key=ADMIN_KEY,
        environment="test",
        db_connect_timeout_s=2,
    )
    database = create_database(settings)
    app = create_app(settings, database=database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://capmatch.test") as client:
        yield client
    await database.engine.dispose()


async def test_readyz_is_503_when_database_is_down(down_client: httpx.AsyncClient) -> None:
    response = await down_client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 503


async def test_healthz_stays_up_when_database_is_down(down_client: httpx.AsyncClient) -> None:
    assert (await down_client.get("/healthz")).status_code == 200


async def test_data_endpoints_answer_503_not_500(down_client: httpx.AsyncClient) -> None:
    for method, path in (("GET", "/v1/offers"), ("POST", "/v1/partners")):
        response = await down_client.request(
            method,
            path,
            headers={"Authorization": "Bearer cmp_whatever"},
            json={"name": "x", "slug": "x"},
        )
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["retry-after"]
