from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from app.api import register_hooks
from app.core.config import Settings
from app.core.db import Database, create_engine
from app.main import create_app
from tests.fixtures import ADMIN_KEY, UNLIMITED
from tests.fixtures.database import empty_tables, migrate, test_database_url
from tests.fixtures.threads import keep_thread_greenlets

pytest_plugins = ["tests.fixtures.factories", "tests.fixtures.redis"]

keep_thread_greenlets()  # before any test starts a thread (tests/fixtures/threads.py)


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url=test_database_url(Path(tmp_path_factory.mktemp("db"))),
        admin_api_key=ADMIN_KEY,
        environment="test",
        sqlite_busy_timeout_ms=60_000,
        # Races of 200 committed requests queue for 30 pooled connections; on a loaded
        # CI machine the last ones wait longer than the production default of 10 s.
        db_pool_timeout_s=60.0,
        rate_limit=UNLIMITED,
        rate_limit_write=UNLIMITED,
        rate_limit_auth_failures=UNLIMITED,
        match_snapshot="off",  # tests/matching/test_snapshot.py uses its own
    )


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    # The SQL functions SQLite lacks are installed on each new connection from what the
    # domains registered; register them before the first connection, not with the first
    # app (a test run alone would otherwise connect without them).
    register_hooks()
    engine = create_engine(settings)
    await migrate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            await transaction.rollback()


@pytest.fixture
def app(settings: Settings, engine: AsyncEngine, connection: AsyncConnection) -> FastAPI:
    sessionmaker = async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    return create_app(settings, database=Database(engine=engine, sessionmaker=sessionmaker))


@pytest.fixture
def session_factory(app: FastAPI) -> async_sessionmaker[AsyncSession]:
    """Sessions on the test's own transaction, to look at what the API wrote."""
    return app.state.database.sessionmaker  # type: ignore[no-any-return]


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://capmatch.test") as client:
        yield client


@pytest.fixture
async def committed_app(settings: Settings, engine: AsyncEngine) -> AsyncIterator[FastAPI]:
    """The app on the real engine: every request commits, so concurrency is real."""
    database = Database(
        engine=engine,
        sessionmaker=async_sessionmaker(engine, expire_on_commit=False),
        autocommit_reads=not settings.is_sqlite,
    )
    try:
        yield create_app(settings, database=database)
    finally:
        await empty_tables(engine)


@pytest.fixture
async def committed_client(committed_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=committed_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://capmatch.test") as client:
        yield client
