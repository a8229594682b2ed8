"""The router every domain uses: idempotent POSTs, one transaction per request."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.web.idempotency import CapmatchRoute

API_PREFIX = "/v1"


def domain_router(resource: str, **kwargs: Any) -> APIRouter:
    # The version prefix is applied here, at decoration time, so every route's
    # own path is its full template (what metrics and logs report).
    return APIRouter(prefix=API_PREFIX + resource, route_class=CapmatchRoute, **kwargs)
