"""Pure ASGI middleware: request id, access log and metrics, unexpected errors as 500
problems, body size limit, NUL characters in path and query.

Pure ASGI (not BaseHTTPMiddleware) so no extra task or copy sits on the hot path.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl

from fastapi import HTTPException
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import (
    FieldError,
    InvalidInput,
    PayloadTooLarge,
    handle_unexpected_error,
    problem_response,
)
from app.core.logging import request_id_var
from app.core.text import NUL, NUL_MESSAGE, shown

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
access_logger = logging.getLogger("capmatch.access")


class Metrics:
    """Prometheus collectors in a registry owned by one app instance."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "capmatch_http_requests_total",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "capmatch_http_request_duration_seconds",
            "HTTP request latency by method and route template.",
            ["method", "route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "<unmatched>"


# A year, the common value (https://hstspreload.org asks for at least that).
HSTS = "max-age=31536000; includeSubDomains"


class RequestContextMiddleware:
    """X-Request-ID in and out, one JSON access-log line and metrics per request, and the
    headers every answer carries: ``nosniff``; ``Cache-Control: no-store`` on anything
    asked with a key (no proxy or browser cache keeps a tenant's data); HSTS in
    production (behind TLS)."""

    def __init__(self, app: ASGIApp, metrics: Metrics, strict_transport: bool = False) -> None:
        self.app = app
        self.metrics = metrics
        self.strict_transport = strict_transport

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        authenticated = False
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
            elif name == b"authorization":
                authenticated = True
        request_id = (
            incoming if incoming and _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        )
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers[REQUEST_ID_HEADER] = request_id
                headers["X-Content-Type-Options"] = "nosniff"
                if authenticated:
                    headers["Cache-Control"] = "no-store"
                if self.strict_transport:
                    headers["Strict-Transport-Security"] = HSTS
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            method = scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(elapsed)
            if route not in ("/healthz", "/metrics"):
                access_logger.info(
                    "%s %s %s",
                    method,
                    scope["path"],
                    status,
                    extra={
                        "request_id": request_id,
                        "method": method,
                        "path": scope["path"],
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                        # Who called: the key's id, set by authentication (never the key).
                        "key_id": getattr(scope["state"].get("principal"), "key_id", None),
                    },
                )
            request_id_var.reset(token)


class BodyTooLarge(HTTPException):
    """Raised mid-stream; an HTTPException so FastAPI's body parser lets it through."""

    def __init__(self, detail: str) -> None:
        super().__init__(status_code=413, detail=detail)


class BodySizeLimitMiddleware:
    """413 for bodies over the limit, by Content-Length up front or while streaming.

    ``path_limits`` gives some paths their own limit (file uploads: POST /v1/imports)."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, path_limits: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = path_limits or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.path_limits.get(scope["path"].rstrip("/"), self.max_bytes)
        declared = self._content_length(scope)
        if declared is not None and declared > limit:
            await self._reject(scope, receive, send, limit)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(self._detail(limit))
            return message

        await self.app(scope, limited_receive, send)

    @staticmethod
    def _detail(limit: int) -> str:
        return f"The request body exceeds the limit of {limit} bytes."

    @staticmethod
    def _content_length(scope: Scope) -> int | None:
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return None
        return None

    async def _reject(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(
            Request(scope, receive),
            status=413,
            title=PayloadTooLarge.title,
            slug=PayloadTooLarge.slug,
            detail=self._detail(limit),
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


class UnexpectedErrorMiddleware:
    """An exception nothing else handled becomes the 500 problem, and goes no further.

    Starlette's ServerErrorMiddleware answers too, but then re-raises, and the server
    closes the keep-alive connection: the client's next request on it fails. Here the
    exception ends. If the response had already started, no problem can be sent: a
    complete response stays as sent (the connection lives on); an incomplete one is
    re-raised so the server aborts the connection and the client sees it truncated
    rather than take part of a body for all of it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = complete = False

        async def tracking_send(message: Message) -> None:
            nonlocal started, complete
            if message["type"] == "http.response.start":
                started = True
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                complete = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            response = await handle_unexpected_error(Request(scope, receive), exc)
            if not started:
                await response(scope, receive, send)
            elif not complete:
                raise


def _nul_parameters(query_string: bytes) -> list[FieldError]:
    # Decoded as Starlette decodes query parameters, so names match what routes see.
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    names = dict.fromkeys(name for name, value in pairs if NUL in name or NUL in value)
    return [FieldError(field=shown(name), message=NUL_MESSAGE) for name in names]


class NulCharacterMiddleware:
    """422 naming the parameter (or ``path``) when the path or query holds a NUL (%00).

    PostgreSQL text cannot hold NUL, so such a value would fail as a 500 deep inside a
    query on PostgreSQL and pass on SQLite; refused here, the answer is the same on both.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        errors: list[FieldError] = []
        if NUL in scope["path"]:
            errors.append(FieldError(field="path", message=NUL_MESSAGE))
        query_string: bytes = scope.get("query_string", b"")
        if b"%00" in query_string or b"\x00" in query_string:
            errors.extend(_nul_parameters(query_string))
        if not errors:
            await self.app(scope, receive, send)
            return
        response = problem_response(
            Request(scope, receive),
            status=InvalidInput.status_code,
            title=InvalidInput.title,
            slug=InvalidInput.slug,
            detail="; ".join(f"{error.field}: {error.message}" for error in errors),
            errors=errors,
        )
        await response(scope, receive, send)


def install_middleware(
    app: Any,
    *,
    metrics: Metrics,
    max_body_bytes: int,
    path_limits: dict[str, int] | None = None,
    strict_transport: bool = False,
) -> None:
    # Added last runs first: the request id must exist before anything answers, and
    # an unexpected error is logged while the request id is still set.
    app.add_middleware(NulCharacterMiddleware)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=max_body_bytes, path_limits=path_limits)
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(RequestContextMiddleware, metrics=metrics, strict_transport=strict_transport)
