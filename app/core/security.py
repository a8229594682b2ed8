"""API keys and authentication.

Keys are 256-bit random secrets with a readable prefix (``cmp_`` partner,
``cmo_`` organisation). Because they are high-entropy, a single SHA-256 is a safe
and cheap verifier (a slow password hash protects guessable secrets, which these
are not); the hash is unique-indexed, so verifying a key is one indexed lookup.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import Depends, Request
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import SessionDep, utcnow
from app.core.errors import Forbidden, Unauthorized
from app.models import ApiKey, Organization, Partner

PARTNER_KEY_PREFIX = "cmp_"
ORGANIZATION_KEY_PREFIX = "cmo_"
DISPLAY_PREFIX_LENGTH = 12

PrincipalKind = Literal["admin", "partner", "organization"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the admin, a partner (cluster portal) or one organisation."""

    kind: PrincipalKind
    key_id: str
    partner_id: str | None = None
    organization_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.kind == "admin"


@dataclass(frozen=True, slots=True)
class GeneratedKey:
    plaintext: str
    prefix: str
    secret_hash: str


def hash_secret(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def generate_key(kind: Literal["partner", "organization"]) -> GeneratedKey:
    prefix = PARTNER_KEY_PREFIX if kind == "partner" else ORGANIZATION_KEY_PREFIX
    plaintext = prefix + secrets.token_urlsafe(32)
    return GeneratedKey(
        plaintext=plaintext,
        prefix=plaintext[:DISPLAY_PREFIX_LENGTH],
        secret_hash=hash_secret(plaintext),
    )


def _bearer_token(request: Request) -> str:
    header = request.headers.get("authorization")
    if not header:
        raise Unauthorized("Send an API key as 'Authorization: Bearer <key>'.")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("The Authorization header must read 'Bearer <key>'.")
    return token


async def _lookup_key(
    session: AsyncSession, token: str
) -> tuple[Principal, datetime | None] | None:
    statement = (
        select(
            ApiKey.id, ApiKey.kind, ApiKey.partner_id, ApiKey.organization_id, ApiKey.last_used_at
        )
        .join(Partner, Partner.id == ApiKey.partner_id)
        .outerjoin(Organization, Organization.id == ApiKey.organization_id)
        .where(
            ApiKey.secret_hash == hash_secret(token),
            ApiKey.revoked_at.is_(None),
            Partner.status == "active",
            (ApiKey.organization_id.is_(None)) | (Organization.status == "active"),
        )
    )
    row = (await session.execute(statement)).one_or_none()
    if row is None:
        return None
    return Principal(
        kind="partner" if row.kind == "partner" else "organization",
        key_id=row.id,
        partner_id=row.partner_id,
        organization_id=row.organization_id,
    ), row.last_used_at


async def authenticate(request: Request, session: SessionDep) -> Principal:
    token = _bearer_token(request)
    settings = request.app.state.settings
    admin_key = settings.admin_api_key
    if admin_key is not None and hmac.compare_digest(
        token.encode(), admin_key.get_secret_value().encode()
    ):
        principal = Principal(kind="admin", key_id="admin")
        request.state.principal = principal
        return principal
    if not token.startswith((PARTNER_KEY_PREFIX, ORGANIZATION_KEY_PREFIX)):
        raise Unauthorized("Unknown API key.")
    found = await _lookup_key(session, token)
    if found is None:
        raise Unauthorized("Unknown or revoked API key.")
    principal, last_used_at = found
    now = utcnow()
    resolution = timedelta(seconds=settings.key_last_used_resolution_s)
    if last_used_at is None or now - last_used_at >= resolution:
        await session.execute(
            update(ApiKey).where(ApiKey.id == principal.key_id).values(last_used_at=now)
        )
    request.state.principal = principal
    return principal


def require_admin(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    if not principal.is_admin:
        raise Forbidden("This operation needs the admin key.")
    return principal


def require_partner(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    if principal.kind != "partner":
        raise Forbidden("This operation needs a partner key (cmp_...).")
    return principal


def require_member(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    """A partner or organisation key: someone who acts for organisations."""
    if principal.is_admin:
        raise Forbidden("The admin key does not act for organisations; use a partner key.")
    return principal


AnyAuth = Annotated[Principal, Depends(authenticate)]
AdminAuth = Annotated[Principal, Depends(require_admin)]
PartnerAuth = Annotated[Principal, Depends(require_partner)]
MemberAuth = Annotated[Principal, Depends(require_member)]
