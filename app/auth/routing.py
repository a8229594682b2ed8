"""``domain_router`` for every domain: idempotency keys scoped by the authenticated key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.auth.dependencies import authenticate
from app.web import routing


def domain_router(resource: str, **kwargs: Any) -> APIRouter:
    """A router under ``/v1`` + ``resource`` whose POSTs honour ``Idempotency-Key``."""
    return routing.domain_router(resource, caller=authenticate, **kwargs)
