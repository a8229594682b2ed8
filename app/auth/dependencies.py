"""Authentication as FastAPI dependencies: who is calling, and may that kind of key do this."""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from app.auth.cache import KeyCache, remember_cache
from app.auth.principal import Principal, remember_principal
from app.auth.service import verify_key
from app.core.config import Settings
from app.core.db import SessionDep
from app.core.errors import Forbidden, Unauthorized

ADMIN = Principal(kind="admin", key_id="admin")


def _bearer_token(request: Request) -> str:
    header = request.headers.get("authorization")
    if not header:
        raise Unauthorized("Send an API key as 'Authorization: Bearer <key>'.")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("The Authorization header must read 'Bearer <key>'.")
    return token


async def authenticate(request: Request, session: SessionDep) -> Principal:
    token = _bearer_token(request)
    settings: Settings = request.app.state.settings
    cache: KeyCache = request.app.state.key_cache
    remember_cache(session, cache)
    admin_key = settings.admin_api_key
    if admin_key is not None and hmac.compare_digest(
        token.encode(), admin_key.get_secret_value().encode()
    ):
        principal = ADMIN
    else:
        principal = await verify_key(
            session,
            token=token,
            cache=cache,
            last_used_resolution=timedelta(seconds=settings.key_last_used_resolution_s),
        )
    request.state.principal = principal
    remember_principal(session, principal)
    return principal


async def require_admin(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    if not principal.is_admin:
        raise Forbidden("This operation needs the admin key.")
    return principal


async def require_partner(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    if principal.kind != "partner":
        raise Forbidden("This operation needs a partner key (cmp_...).")
    return principal


async def require_member(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    """A partner or organisation key: someone who acts for organisations."""
    if principal.is_admin:
        raise Forbidden("The admin key does not act for organisations; use a partner key.")
    return principal


AnyAuth = Annotated[Principal, Depends(authenticate)]
AdminAuth = Annotated[Principal, Depends(require_admin)]
PartnerAuth = Annotated[Principal, Depends(require_partner)]
MemberAuth = Annotated[Principal, Depends(require_member)]
