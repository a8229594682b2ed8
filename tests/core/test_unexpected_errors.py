"""An unexpected exception is a logged 500 problem, and the connection stays usable."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send

from app.core.logging import JsonFormatter
from app.core.middleware import UnexpectedErrorMiddleware
from tests.fixtures.assertions import assert_problem

BOOM = "/test-only/boom"


class JsonLines(logging.Handler):
    """Formats each record as it is emitted, as production does (the request id is
    read from the context at that moment)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(JsonFormatter().format(record)))


@pytest.fixture
def error_log() -> Iterator[JsonLines]:
    handler = JsonLines()
    logger = logging.getLogger("capmatch.errors")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def failing_app(app: FastAPI) -> FastAPI:
    async def boom() -> None:
        raise RuntimeError("test-only failure")

    app.add_api_route(BOOM, boom, include_in_schema=False)
    return app


async def test_unexpected_error_is_a_logged_problem(
    failing_app: FastAPI, error_log: JsonLines
) -> None:
    # ASGITransport re-raises what escapes the app: the exception must not escape.
    transport = httpx.ASGITransport(app=failing_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://capmatch.test") as client:
        response = await client.get(BOOM, headers={"X-Request-ID": "trace-boom"})
    problem = assert_problem(response, 500)
    assert problem["type"] == "urn:capmatch:problem:internal-error"
    assert "test-only failure" not in response.text
    [line] = error_log.lines
    assert line["message"] == "unhandled error"
    assert line["request_id"] == "trace-boom"
    assert "RuntimeError: test-only failure" in str(line["exception"])


@pytest.fixture
async def served(failing_app: FastAPI) -> AsyncIterator[tuple[str, list[object]]]:
    """The app behind a real uvicorn on a free port; yields its URL and the client
    address (host, port) of every request, which is the connection it came on."""
    clients: list[object] = []

    async def recording(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            clients.append(scope["client"])
        await failing_app(scope, receive, send)

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    config = uvicorn.Config(
        recording, lifespan="off", log_config=None, access_log=False, timeout_graceful_shutdown=5
    )
    server = uvicorn.Server(config)
    # Connections wait in the listening socket's backlog until the server accepts them.
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", clients
    finally:
        server.should_exit = True
        await serving
        listener.close()


async def test_connection_is_reused_after_a_500(served: tuple[str, list[object]]) -> None:
    url, clients = served
    async with httpx.AsyncClient(base_url=url, trust_env=False) as client:
        failed = await client.get(BOOM)
        assert_problem(failed, 500)
        assert failed.headers.get("connection") != "close"
        after = await client.get("/healthz")
        assert after.status_code == 200
    # Both requests came from the same client port: one keep-alive connection.
    assert len(clients) == 2
    assert clients[0] == clients[1]


async def run(app: object, sent: list[Message]) -> None:
    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "method": "GET",
        "path": "/stream",
        "raw_path": b"/stream",
        "query_string": b"",
        "headers": [],
        "state": {},
    }
    await UnexpectedErrorMiddleware(app)(scope, receive, send)  # type: ignore[arg-type]


async def test_error_after_a_complete_response_changes_nothing(error_log: JsonLines) -> None:
    async def answered_then_failed(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok", "more_body": False})
        raise RuntimeError("after the response")

    sent: list[Message] = []
    await run(answered_then_failed, sent)
    assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] == 200
    assert len(error_log.lines) == 1


async def test_error_in_the_middle_of_a_body_aborts(error_log: JsonLines) -> None:
    async def half_sent(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"[1, 2", "more_body": True})
        raise RuntimeError("mid-stream")

    # Re-raised so the server drops the connection: a half body must not look whole.
    sent: list[Message] = []
    with pytest.raises(RuntimeError, match="mid-stream"):
        await run(half_sent, sent)
    assert len(sent) == 2
    assert len(error_log.lines) == 1
