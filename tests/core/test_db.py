"""SQLite under concurrency: reads take no write lock, writers queue, a busy database is 503."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core import db
from app.core.config import Settings
from app.core.database_errors import is_database_unavailable
from app.core.db import Database, create_database
from app.main import create_app
from tests.fixtures.factories import (
    ADMIN,
    PartnerCtx,
    make_offer,
    make_organization,
    make_partner,
    make_request,
    offer_body,
)

# Short, so that waiting for a held lock ends in this test rather than after 60 s.
IMPATIENT_MS = 200
# As in tests/test_stall.py: a correctness bound (a stall lasts busy_timeout, 60 s here).
STALL_BOUND_S = 2.0


@contextmanager
def write_lock_of_another_process(settings: Settings) -> Iterator[None]:
    """SQLite's write lock, held by a connection outside the app (as another worker or
    the CLI would hold it): the app's in-process queue of writers does not see it."""
    path = make_url(settings.database_url).database
    assert path is not None
    holder = sqlite3.connect(Path(path), isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        yield
    finally:
        holder.rollback()
        holder.close()


@pytest.fixture
async def impatient(settings: Settings) -> AsyncIterator[Database]:
    """The test database again, through an engine whose writers wait only briefly."""
    database = create_database(settings.model_copy(update={"sqlite_busy_timeout_ms": IMPATIENT_MS}))
    try:
        yield database
    finally:
        await database.engine.dispose()


@pytest.fixture
async def impatient_client(
    settings: Settings, impatient: Database, committed_client: httpx.AsyncClient
) -> AsyncIterator[httpx.AsyncClient]:
    # committed_client: its app empties the tables once this client is gone.
    app = create_app(settings, database=impatient)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://capmatch.test") as client:
        yield client


async def seeded(client: httpx.AsyncClient) -> tuple[PartnerCtx, str, str]:
    """(partner, an offer id, a request id that the offer matches)."""
    partner = await make_partner(client)
    maker = await make_organization(client, partner)
    buyer = await make_organization(client, partner)
    made = await make_offer(client, maker)
    wanted = await make_request(client, buyer)
    return partner, made["id"], wanted["id"]


def assert_busy(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0


def test_a_busy_sqlite_database_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, isolation_level=None)
    waiter = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError) as busy:
            waiter.execute("BEGIN IMMEDIATE")
    finally:
        holder.close()
        waiter.close()
    # As SQLAlchemy wraps it: recognised by SQLite's error code, and by its message alone.
    assert is_database_unavailable(OperationalError("BEGIN IMMEDIATE", None, busy.value))
    locked = sqlite3.OperationalError("database is locked")
    assert is_database_unavailable(OperationalError("BEGIN IMMEDIATE", None, locked))
    wrong = sqlite3.OperationalError("no such table: offerz")
    assert not is_database_unavailable(OperationalError("SELECT 1", None, wrong))


@pytest.mark.committed
async def test_reads_take_no_write_lock_and_a_busy_writer_gets_503(
    settings: Settings, committed_client: httpx.AsyncClient, impatient_client: httpx.AsyncClient
) -> None:
    if not settings.is_sqlite:
        pytest.skip("SQLite's write lock")
    partner, offer_id, request_id = await seeded(committed_client)
    headers = partner.headers
    with write_lock_of_another_process(settings):
        # A fresh app: the key is looked up and its last_used_at falls due, but only
        # after the read has committed (that write then fails, and the read stands).
        read = await impatient_client.get(f"/v1/offers/{offer_id}", headers=headers)
        assert read.status_code == 200, read.text
        matches = await impatient_client.get(f"/v1/requests/{request_id}/matches", headers=headers)
        assert matches.status_code == 200, matches.text
        assert [m["offer"]["id"] for m in matches.json()["data"]] == [offer_id]
        organization_id = read.json()["organization_id"]
        write = await impatient_client.post(
            "/v1/offers", json=offer_body(organization_id), headers=headers
        )
        assert_busy(write)
    write = await impatient_client.post(
        "/v1/offers", json=offer_body(organization_id), headers=headers
    )
    assert write.status_code == 201, write.text


@pytest.mark.committed
async def test_writers_of_one_process_queue_and_a_long_wait_is_503(
    settings: Settings,
    committed_client: httpx.AsyncClient,
    impatient: Database,
    impatient_client: httpx.AsyncClient,
) -> None:
    if not settings.is_sqlite:
        pytest.skip("SQLite's write lock")
    partner, offer_id, _ = await seeded(committed_client)
    read = await impatient_client.get(f"/v1/offers/{offer_id}", headers=partner.headers)
    assert read.status_code == 200, read.text
    body = offer_body(read.json()["organization_id"])
    # A write transaction of this process that does not end: the next writer queues
    # behind it for busy_timeout and is then told to retry; readers pass by.
    async with impatient.engine.begin() as writer:
        await writer.execute(
            text("UPDATE offers SET title = title WHERE id = :id"), {"id": offer_id}
        )
        assert_busy(await impatient_client.post("/v1/offers", json=body, headers=partner.headers))
        read = await impatient_client.get(f"/v1/offers/{offer_id}", headers=partner.headers)
        assert read.status_code == 200, read.text
    created = await impatient_client.post("/v1/offers", json=body, headers=partner.headers)
    assert created.status_code == 201, created.text


@pytest.mark.committed
async def test_a_read_does_not_wait_for_queued_writers_to_record_its_keys_use(
    settings: Settings,
    engine: AsyncEngine,
    committed_client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not settings.is_sqlite:
        pytest.skip("SQLite's write queue")
    monkeypatch.setattr(db, "WRITE_AFTER_COMMIT_WAIT_S", 0.1)
    partner, offer_id, _ = await seeded(committed_client)
    key = await committed_client.post(
        f"/v1/partners/{partner.id}/api-keys", json={"name": "fresh"}, headers=partner.headers
    )
    assert key.status_code == 201, key.text
    fresh = {"Authorization": f"Bearer {key.json()['api_key']}"}
    # This process's write turn is taken (60 s busy_timeout): the fresh key's first use
    # falls due, and its write may wait only briefly before it is skipped.
    async with engine.begin() as writer:
        await writer.execute(
            text("UPDATE offers SET title = title WHERE id = :id"), {"id": offer_id}
        )
        read = asyncio.ensure_future(committed_client.get(f"/v1/offers/{offer_id}", headers=fresh))
        await asyncio.wait([read], timeout=STALL_BOUND_S)
        answered = read.done()
    await read
    assert answered, "the read waited for the write queue"
    assert read.result().status_code == 200, read.result().text
    keys = await committed_client.get(f"/v1/partners/{partner.id}/api-keys", headers=ADMIN)
    assert {k["id"]: k["last_used_at"] for k in keys.json()["data"]}[key.json()["id"]] is None
