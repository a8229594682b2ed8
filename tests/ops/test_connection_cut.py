"""The connection to PostgreSQL cut and restored under a running app, by a TCP proxy in
between: 503 problem+json while it is down, answers again within 5 s of its return, and
no request half-applied (a write cut off in the middle left nothing behind)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.core.config import Settings
from app.core.db import create_database
from app.core.events import subscribe, unsubscribe
from app.events.outbox import EventWritten
from app.main import create_app
from tests.fixtures.assertions import assert_problem
from tests.fixtures.database import empty_tables
from tests.fixtures.factories import ADMIN, make_organization, make_partner, offer_body

RECOVERY_S = 5.0
pytestmark = pytest.mark.committed


class Proxy:
    """Forwards TCP to the database until cut; refuses connections while cut."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self.server: asyncio.Server | None = None
        self.links: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(
            self._link, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()
        for writer in list(self.links):
            writer.transport.abort()
        self.links.clear()

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.links.update((writer, upstream_writer))
        await asyncio.gather(
            self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.transport.abort()
        self.links.discard(writer)


@pytest.fixture
async def proxied(settings: Settings, engine: AsyncEngine) -> AsyncIterator[tuple[Proxy, Settings]]:
    if settings.is_sqlite:
        pytest.skip("SQLite is a file in the process: there is no connection to cut")
    url = make_url(settings.database_url)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    try:
        yield (
            proxy,
            settings.model_copy(update={"database_url": through, "db_connect_timeout_s": 1.0}),
        )
    finally:
        with contextlib.suppress(AssertionError):
            await proxy.cut()
        await empty_tables(engine)


async def test_a_cut_connection_is_503_then_recovers_within_5_s(
    proxied: tuple[Proxy, Settings],
) -> None:
    proxy, settings = proxied
    database = create_database(settings)
    transport = httpx.ASGITransport(app=create_app(settings, database=database))
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://capmatch.test"
        ) as client:
            created = await client.post(
                "/v1/partners", json={"name": "Vorher", "slug": "before-cut"}, headers=ADMIN
            )
            assert created.status_code == 201, created.text
            assert (await client.get("/readyz")).status_code == 200

            await proxy.cut()
            assert_problem(await client.get("/readyz"), 503)
            assert_problem(await client.get("/v1/partners", headers=ADMIN), 503)
            write = await client.post(
                "/v1/partners", json={"name": "Waehrend", "slug": "during-cut"}, headers=ADMIN
            )
            assert_problem(write, 503)

            await proxy.start()
            restored = time.monotonic()
            while True:
                answer = await client.get("/v1/partners", headers=ADMIN)
                if answer.status_code == 200:
                    break
                assert answer.status_code == 503, answer.text
                assert time.monotonic() - restored < RECOVERY_S, "no recovery within 5 s"
                await asyncio.sleep(0.1)
            slugs = {partner["slug"] for partner in answer.json()["data"]}
            # What committed before the cut is there; the write refused during it is not.
            assert "before-cut" in slugs
            assert "during-cut" not in slugs
    finally:
        await database.engine.dispose()


async def test_a_cut_in_the_middle_of_a_write_leaves_nothing_of_it(
    proxied: tuple[Proxy, Settings], engine: AsyncEngine
) -> None:
    """The connection goes while a POST /v1/offers is between its statements: after the
    offer row and its event were written, before the commit. The answer is 503, and once
    the database is back neither the offer, nor its event, nor its change-log entry, nor
    its webhook delivery exists."""
    proxy, settings = proxied
    database = create_database(settings)
    transport = httpx.ASGITransport(app=create_app(settings, database=database))
    cut_during: list[str] = []

    async def cut_after_the_event(_session: AsyncSession, event: EventWritten) -> None:
        if event.body["type"] == "offer.created":
            cut_during.append(str(event.body["data"]["object"]["id"]))
            await proxy.cut()

    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://capmatch.test"
        ) as client:
            partner = await make_partner(client, "cut-partner")
            organization = await make_organization(client, partner)
            hook = await client.post(
                "/v1/webhook-endpoints",
                json={"url": "https://hooks.example.org/in", "event_types": ["offer.*"]},
                headers=partner.headers,
            )
            assert hook.status_code == 201, hook.text
            subscribe(EventWritten, cut_after_the_event)
            try:
                write = await client.post(
                    "/v1/offers", json=offer_body(organization.id), headers=partner.headers
                )
            finally:
                unsubscribe(EventWritten, cut_after_the_event)
            assert_problem(write, 503)
            assert len(cut_during) == 1

            await proxy.start()
            restored = time.monotonic()
            while (await client.get("/readyz")).status_code != 200:
                assert time.monotonic() - restored < RECOVERY_S, "no recovery within 5 s"
                await asyncio.sleep(0.1)
            listed = await client.get("/v1/offers", headers=partner.headers)
            assert listed.status_code == 200, listed.text
            assert listed.json()["data"] == []
        async with engine.connect() as connection:
            for table in ("offers", "events", "market_changes", "webhook_deliveries"):
                rows = await connection.scalar(
                    text(f"SELECT count(*) FROM {table} WHERE {MENTIONS[table]}"),  # noqa: S608
                    {"id": cut_during[0]},
                )
                assert rows == 0, f"{table} kept a row of the cut write"
    finally:
        await database.engine.dispose()


# How each table would name the offer of the cut write.
MENTIONS = {
    "offers": "id = :id",
    "events": "CAST(data AS TEXT) LIKE '%' || :id || '%'",
    "market_changes": "object_id = :id",
    "webhook_deliveries": "payload LIKE '%' || :id || '%'",
}
