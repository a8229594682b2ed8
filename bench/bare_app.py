"""The baseline for ``api_read_write.py``: bare FastAPI on a raw asyncpg pool.

Does the database work capmatch does for ``GET /v1/offers/{id}`` and
``POST /v1/offers`` — one row read by primary key, one row inserted with the
columns capmatch fills — and nothing else: no auth, no validation, no ORM, no
middleware. What is left is the cost of FastAPI, uvicorn and asyncpg alone.

Configured by environment variables (the benchmark sets them):
``BARE_DATABASE_URL`` (``postgresql://...``), ``BARE_POOL_MIN`` and ``BARE_POOL_MAX``.

Run: ``uvicorn --app-dir bench bare_app:create_app --factory``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
from fastapi import FastAPI, HTTPException, Request

COLUMNS = (
    "id",
    "partner_id",
    "organization_id",
    "title",
    "description",
    "skills",
    "products",
    "certifications",
    "search_codes",
    "capacity_unit",
    "capacity_per_week",
    "capacity_total",
    "min_order_quantity",
    "lead_time_days",
    "available_from",
    "available_until",
    "lat",
    "lon",
    "region",
    "service_radius_km",
    "visibility",
    "status",
    "total_quantity",
    "reserved_quantity",
    "closed_at",
    "created_at",
    "updated_at",
    "version",
)
SELECT_OFFER = "SELECT * FROM offers WHERE id = $1"
# Built from the constant column names above, never from input.
INSERT_OFFER = (
    f"INSERT INTO offers ({', '.join(COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(f'${n}' for n in range(1, len(COLUMNS) + 1))})"
)


def _new_id() -> str:
    # Time-ordered like capmatch's ids, so inserts hit the primary key index the same way.
    return f"off_{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"


def _search_codes(groups: Iterable[tuple[str, list[str]]]) -> list[str]:
    # Same array capmatch stores: every code and its ancestors, prefixed by kind.
    terms: set[str] = set()
    for prefix, codes in groups:
        for code in codes:
            parts = code.split(".")
            terms.update(f"{prefix}:{'.'.join(parts[: i + 1])}" for i in range(len(parts)))
    return sorted(terms)


def _row_from_body(body: dict[str, Any]) -> tuple[Any, ...]:
    now = datetime.now(UTC)
    capacity = body["capacity"]
    location = body["location"]
    skills = body.get("skills", [])
    products = body.get("products", [])
    certifications = body.get("certifications", [])
    start = date.fromisoformat(body["available_from"]) if body.get("available_from") else now.date()
    end = date.fromisoformat(body["available_until"])
    total = capacity.get("total")
    if total is None:  # per week over the window, both ends inclusive (as capmatch)
        total = max(0, capacity["per_week"] * ((end - start).days + 1) // 7)
    return (
        _new_id(),
        body["partner_id"],
        body["organization_id"],
        body["title"],
        body.get("description"),
        skills,
        products,
        certifications,
        _search_codes([("s", skills), ("p", products), ("c", certifications)]),
        capacity.get("unit", "pieces"),
        capacity["per_week"],
        capacity.get("total"),
        body.get("min_order_quantity", 1),
        body.get("lead_time_days", 0),
        start,
        end,
        location["lat"],
        location["lon"],
        None,
        body.get("service_radius_km"),
        body.get("visibility", "shared"),
        body.get("status", "active"),
        total,
        0,
        None,
        now,
        now,
        1,
    )


def create_app() -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(
            os.environ["BARE_DATABASE_URL"],
            min_size=int(os.environ.get("BARE_POOL_MIN", "10")),
            max_size=int(os.environ.get("BARE_POOL_MAX", "20")),
        )
        try:
            yield
        finally:
            await app.state.pool.close()

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/offers/{offer_id}")
    async def get_offer(offer_id: str, request: Request) -> dict[str, Any]:
        row = await request.app.state.pool.fetchrow(SELECT_OFFER, offer_id)
        if row is None:
            raise HTTPException(status_code=404, detail="offer not found")
        return dict(row)

    @app.post("/offers", status_code=201)
    async def create_offer(request: Request) -> dict[str, Any]:
        values = _row_from_body(await request.json())
        await request.app.state.pool.execute(INSERT_OFFER, *values)
        return dict(zip(COLUMNS, values, strict=True))

    return app
