"""Fixtures of the webhook tests: a real local receiver, a clock that tests move, helpers."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.dates import utcnow
from app.core.events import publish
from app.events.outbox import Party, ResourceChanged
from app.webhooks.delivery import new_client
from app.webhooks.worker import DeliveryWorker

RECEIVER_PORTS = range(8800, 8850)
SLOW_S = 3.0
TIMEOUT_S = 5.0  # generous: a loaded machine must not turn a 500 into a timeout
SHORT_TIMEOUT_S = 1.0  # for the tests of the timeout itself (well below SLOW_S)
HANG_S = 10.0


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that records what it gets. Paths: ``/ok`` 200,
    ``/fail`` 500, ``/moved`` 301 to ``/ok``, ``/slow`` and ``/hang`` answer after
    ``SLOW_S`` and ``HANG_S``."""

    port: int
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def paths(self) -> list[str]:
        with self.lock:
            return [item.path for item in self.received]

    def clear(self) -> None:
        with self.lock:
            self.received.clear()


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length).decode()
            with receiver.lock:
                receiver.received.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
            if self.path.startswith("/slow"):
                time.sleep(SLOW_S)  # the receiver's thread, not the test, waits
            if self.path.startswith("/hang"):
                time.sleep(HANG_S)
            if self.path.startswith("/fail"):
                self.send_response(500)
            elif self.path.startswith("/moved"):
                self.send_response(301)
                self.send_header("Location", receiver.url("/ok"))
            else:
                self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class Server(ThreadingHTTPServer):
    request_queue_size = 128  # a batch connects all at once; the default backlog is 5


@pytest.fixture(scope="session")
def receiver_server() -> Iterator[Receiver]:
    for port in RECEIVER_PORTS:
        receiver = Receiver(port)
        try:
            server = Server(("127.0.0.1", port), _handler(receiver))
        except OSError:
            continue
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield receiver
        finally:
            server.shutdown()
            server.server_close()
        return
    pytest.fail("no free port in 8800-8849 for the test receiver")


@pytest.fixture
def receiver(receiver_server: Receiver) -> Receiver:
    receiver_server.clear()
    return receiver_server


class Clock:
    """The worker's clock, moved by the test (no sleeping). It reads the real time once,
    when first asked, so what the test created before is already due."""

    def __init__(self) -> None:
        self._now: datetime | None = None

    @property
    def now(self) -> datetime:
        if self._now is None:
            self._now = utcnow()
        return self._now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self._now = self.now + timedelta(**delta)
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment

    def catch_up(self) -> None:
        """Move to the real time (what the API queued since is then due), never back."""
        self._now = max(self.now, utcnow())


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def http_client() -> AsyncIterator[httpx.AsyncClient]:
    client = new_client(allow_private=True, timeout_s=TIMEOUT_S)
    async with client:
        yield client


@pytest.fixture
def make_worker(
    session_factory: async_sessionmaker[AsyncSession],
    http_client: httpx.AsyncClient,
    clock: Clock,
) -> Any:
    def make(name: str = "worker-1", **kwargs: Any) -> DeliveryWorker:
        options: dict[str, Any] = {
            "client": http_client,
            "allow_private": True,
            "name": name,
            "clock": clock,
            "jitter": lambda low, high: 1.0,
            "timeout_s": TIMEOUT_S,
            **kwargs,
        }
        return DeliveryWorker(session_factory, **options)

    return make


async def emit(
    session_factory: async_sessionmaker[AsyncSession],
    *,
    type: str,
    owner: Party,
    counterpart: Party | None = None,
    object: dict[str, Any] | None = None,
) -> None:
    """Publish a change as a domain would, in a transaction of its own."""
    async with session_factory() as session, session.begin():
        await publish(
            session,
            ResourceChanged(
                type=type,
                object=object or {"id": "off_1", "title": "Line"},
                owner=owner,
                counterpart=counterpart,
            ),
        )


async def create_endpoint(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    *,
    url: str = "https://hooks.example/capmatch",
    event_types: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body = {"url": url, "event_types": event_types or ["*"], **extra}
    response = await client.post("/v1/webhook-endpoints", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
