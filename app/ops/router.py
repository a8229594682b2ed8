"""Liveness, readiness and metrics: no auth, not under /v1."""

from __future__ import annotations

import asyncio
import hmac
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from app.core.config import METRICS_ADMIN, Settings
from app.core.db import ping
from app.core.errors import NotFound, ServiceUnavailable, Unauthorized, problem_responses

router = APIRouter(tags=["ops"])
# Probes and scrapers carry no key: the document says so, so clients and checks do not send one.
PUBLIC: dict[str, Any] = {"security": []}
READINESS_TIMEOUT_S = 2.0


def _is_admin(request: Request, settings: Settings) -> bool:
    admin = settings.admin_api_key
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return (
        admin is not None
        and scheme.lower() == "bearer"
        and hmac.compare_digest(token.strip().encode(), admin.get_secret_value().encode())
    )


class Health(BaseModel):
    status: str


@router.get("/healthz", response_model=Health, openapi_extra=PUBLIC)
async def healthz() -> Health:
    """The process is alive (does not touch the database)."""
    return Health(status="ok")


@router.get(
    "/readyz", response_model=Health, responses=problem_responses(503), openapi_extra=PUBLIC
)
async def readyz(request: Request) -> Health:
    """The database answers and the matching index is loaded; 503 otherwise (take the
    instance out of rotation; liveness, /healthz, stays 200 meanwhile)."""
    engine = request.app.state.database.engine
    # A server that stopped answering must not hold the probe; SQLite is a local file
    # whose ping takes no lock, and cancelling an aiosqlite call mid-way can hang it.
    timeout = None if engine.dialect.name == "sqlite" else READINESS_TIMEOUT_S
    try:
        async with asyncio.timeout(timeout):
            await ping(engine)
    except Exception as exc:  # any failure to reach the database means "not ready"
        raise ServiceUnavailable(f"The database is not reachable ({type(exc).__name__}).") from exc
    if request.app.state.match_feed.loading:
        raise ServiceUnavailable("The matching index is still loading.")
    return Health(status="ready")


@router.get(
    "/metrics",
    response_class=Response,
    openapi_extra=PUBLIC,
    responses=problem_responses(401, 404),
)
async def metrics(request: Request) -> Response:
    """Prometheus metrics: requests by route template and status, latency histogram.

    Public unless ``CAPMATCH_METRICS_BIND`` says otherwise: ``admin`` asks for the admin
    key (401 without it), a HOST:PORT serves them there and not here (404).
    """
    settings: Settings = request.app.state.settings
    if settings.metrics_address is not None:
        raise NotFound(f"Metrics are served on {settings.metrics_bind}.")
    if settings.metrics_bind == METRICS_ADMIN and not _is_admin(request, settings):
        raise Unauthorized("Metrics need the admin key: 'Authorization: Bearer <key>'.")
    registry = request.app.state.metrics.registry
    return Response(content=generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
