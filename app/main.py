"""Application factory. Nothing connects or reads settings at import time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from importlib.resources import files
from typing import Any
from wsgiref.simple_server import WSGIServer

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client.exposition import start_wsgi_server
from starlette.responses import Response

from app import __version__
from app.alerts.engine import FLUSH_S, AlertEngine
from app.api import include_api, register_hooks
from app.auth.cache import KeyCache
from app.console.router import install_console
from app.core.background import Stop, every, wind_down
from app.core.config import Settings, load_settings
from app.core.dates import utcnow
from app.core.db import Database, create_database
from app.core.errors import FieldError, Problem, install_error_handlers
from app.core.heap import settle_start_up_objects
from app.core.logging import configure_logging
from app.core.middleware import Metrics, install_middleware
from app.core.notices import attach_notices, notices_for
from app.engagements.releases import expire_lapsed_holds
from app.events.metrics import WRITTEN as EVENTS_WRITTEN
from app.events.retention import purge_events
from app.imports.runner import run_imports_until_stopped
from app.matching.feed import MatchFeed
from app.matching.snapshot import SnapshotStore
from app.ops.router import router as ops_router
from app.taxonomy.loading import load_taxonomy
from app.web.idempotency import IdempotentReplay, purge_expired, replay_response
from app.web.ratelimits import RateLimitMiddleware, RateLimits, document_rate_limits
from app.webhooks.metrics import WebhookMetrics
from app.webhooks.worker import deliver_until_stopped

logger = logging.getLogger("capmatch")
DOCS_ASSETS = "/docs-assets"
# How long shutdown waits for a background round in progress (a sweep, an index
# refresh) to finish before it cancels it; a full index load can take longer.
SHUTDOWN_GRACE_S = 10.0
IMPORTS_PATH = "/v1/imports"
# Room for a multipart envelope (boundaries, part headers) around a file at the limit.
MULTIPART_OVERHEAD = 64 * 1024

DESCRIPTION = """\
capmatch matches free production capacity (offers) with buyers' needs (requests)
across cluster portals. Authenticate with `Authorization: Bearer <key>`: the
operator's admin key, a partner key (`cmp_...`) or an organisation key (`cmo_...`).
Errors are `application/problem+json` (RFC 9457). Every POST accepts an
`Idempotency-Key`; PATCH honours `If-Match`.
"""


async def _sweep_lapsed_holds(app: FastAPI) -> None:
    """Expire pending engagements past ``expires_at`` and free what they held, so
    capacity comes back (also to matching) without anyone calling an endpoint."""
    async with app.state.database.sessionmaker() as session, session.begin():
        await expire_lapsed_holds(session)


async def _sweep_idempotency_keys(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    async with app.state.database.sessionmaker() as session, session.begin():
        cutoff = utcnow() - timedelta(hours=settings.idempotency_ttl_hours)
        await purge_expired(session, older_than=cutoff)


async def _purge_events(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    async with app.state.database.sessionmaker() as session, session.begin():
        await purge_events(session, older_than=timedelta(days=settings.event_retention_days))


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    owns_database = getattr(app.state, "database", None) is None
    if owns_database:
        app.state.database = create_database(app.state.settings)
    attach_notices(app.state.database.sessionmaker, app.state.notices)
    settings: Settings = app.state.settings
    stop = Stop()
    tasks = [
        asyncio.create_task(
            every(
                settings.idempotency_purge_s,
                lambda: _sweep_idempotency_keys(app),
                stop=stop,
                name="idempotency sweep",
            ),
            name="idempotency sweep",
        ),
        asyncio.create_task(
            every(
                settings.event_purge_s, lambda: _purge_events(app), stop=stop, name="event purge"
            ),
            name="event purge",
        ),
        asyncio.create_task(
            every(
                settings.engagement_sweep_s,
                lambda: _sweep_lapsed_holds(app),
                stop=stop,
                name="engagement hold sweep",
            ),
            name="engagement hold sweep",
        ),
        asyncio.create_task(
            app.state.match_feed.follow(
                app.state.database.sessionmaker,
                preload=settings.match_preload,
                keep_hours=settings.match_change_log_hours,
                prune_s=settings.match_change_log_prune_s,
                stop=stop,
            ),
            name="matching index refresh",
        ),
        asyncio.create_task(
            every(
                FLUSH_S,
                lambda: app.state.alerts.flush(app.state.database.sessionmaker),
                stop=stop,
                name="match alerts",
            ),
            name="match alerts",
        ),
    ]
    tasks.append(asyncio.create_task(app.state.notices.listen(stop), name="notices"))
    if settings.webhook_delivery == "embedded":
        delivery = deliver_until_stopped(
            app.state.database.sessionmaker,
            settings=settings,
            stop=stop,
            metrics=app.state.webhook_metrics,
        )
        tasks.append(asyncio.create_task(delivery, name="webhook delivery"))
    if settings.import_worker == "embedded":
        imports = run_imports_until_stopped(
            app.state.database.sessionmaker,
            settings=settings,
            taxonomy=app.state.taxonomy,
            stop=stop,
        )
        tasks.append(asyncio.create_task(imports, name="import runner"))
    metrics_server = _serve_metrics_apart(app)
    try:
        yield
    finally:
        if metrics_server is not None:
            metrics_server.shutdown()
            metrics_server.server_close()
        await wind_down(tasks, stop, grace_s=SHUTDOWN_GRACE_S)
        if owns_database:
            await app.state.database.engine.dispose()


def _serve_metrics_apart(app: FastAPI) -> WSGIServer | None:
    """/metrics on a listener of its own (``CAPMATCH_METRICS_BIND=HOST:PORT``), e.g. one
    only the monitoring network reaches. With several workers on one host the first to
    start takes the port; the others' requests are counted in their own processes only."""
    address = app.state.settings.metrics_address
    if address is None:
        return None
    host, port = address
    try:
        server, _ = start_wsgi_server(port, addr=host, registry=app.state.metrics.registry)
    except OSError as error:
        logger.warning("metrics not served on %s:%s (%s)", host, port, error)
        return None
    return server


async def _handle_replay(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, IdempotentReplay)
    return replay_response(exc.stored)


def _install_docs(app: FastAPI) -> None:
    """Swagger UI from packaged assets, so /docs works without internet access."""
    assets = files("fastapi_offline") / "static"
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(assets)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="capmatch API",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
        )


def _openapi_factory(app: FastAPI) -> Any:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in (FieldError, Problem):
                model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
                model_schema.pop("$defs", None)
                components[model.__name__] = model_schema
            schema["components"]["securitySchemes"] = {
                "ApiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Admin key, partner key (cmp_...) or organisation key (cmo_...)",
                }
            }
            schema["security"] = [{"ApiKey": []}]
            document_rate_limits(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    return openapi


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    settings = settings or Settings()
    if settings.environment != "test":
        configure_logging(settings.log_level)
    app = FastAPI(
        title="capmatch",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    register_hooks()
    app.state.settings = settings
    app.state.database = database
    app.state.metrics = Metrics()
    app.state.metrics.registry.register(EVENTS_WRITTEN)
    app.state.webhook_metrics = WebhookMetrics(app.state.metrics.registry)
    redis_url = settings.redis_url.get_secret_value() if settings.redis_url else None
    app.state.notices = notices_for(redis_url)
    app.state.key_cache = KeyCache(ttl_s=settings.key_cache_ttl_s, notices=app.state.notices)
    if database is not None:  # else the lifespan creates it
        attach_notices(database.sessionmaker, app.state.notices)
    app.state.match_feed = MatchFeed(
        refresh_s=settings.match_refresh_s,
        notices=app.state.notices,
        snapshots=SnapshotStore.configured(settings.match_snapshot, settings.database_url),
    )
    # Read once per process and file; a malformed operator vocabulary fails at start-up.
    app.state.taxonomy = load_taxonomy(settings.taxonomy_file)
    # Alerts from every batch of changes the feed applies (app/alerts/engine.py).
    app.state.alerts = AlertEngine(app.state.match_feed, app.state.taxonomy)
    install_error_handlers(app)
    app.add_exception_handler(IdempotentReplay, _handle_replay)
    # Inside the request context (its 429s are logged, counted and carry the request id).
    app.state.rate_limits = RateLimits(settings)
    app.add_middleware(RateLimitMiddleware)
    install_middleware(
        app,
        metrics=app.state.metrics,
        max_body_bytes=settings.max_body_bytes,
        # Uploads get their own limit; the service answers 413 for a multipart file too.
        path_limits={IMPORTS_PATH: settings.max_import_bytes + MULTIPART_OVERHEAD},
        strict_transport=settings.environment == "production",
    )
    app.include_router(ops_router)
    include_api(app)
    _install_docs(app)
    install_console(app)
    app.openapi = _openapi_factory(app)  # type: ignore[method-assign]
    return app


def app() -> FastAPI:
    """Factory for ``uvicorn --factory app.main:app``.

    A configuration error exits (code 2) with one line per problem, not a traceback.
    """
    created = create_app(load_settings())
    settle_start_up_objects()
    return created
