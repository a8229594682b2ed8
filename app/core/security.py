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
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import Depends, Request
from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import SessionDep, after_commit, utcnow
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


# Built once: SQLAlchemy memoises the cache key of a statement object, so reusing it
# skips rebuilding the expression on every request.
_KEY_LOOKUP = (
    select(ApiKey.id, ApiKey.kind, ApiKey.partner_id, ApiKey.organization_id, ApiKey.last_used_at)
    .join(Partner, Partner.id == ApiKey.partner_id)
    .outerjoin(Organization, Organization.id == ApiKey.organization_id)
    .where(
        ApiKey.secret_hash == bindparam("secret_hash"),
        ApiKey.revoked_at.is_(None),
        Partner.status == "active",
        (ApiKey.organization_id.is_(None)) | (Organization.status == "active"),
    )
)
_TOUCH_KEY = (
    update(ApiKey)
    .where(ApiKey.id == bindparam("touched_key_id"))
    .values(last_used_at=bindparam("touched_at"))
)
KEY_CACHE_INFO = "capmatch.key_cache"


@dataclass(slots=True)
class CachedKey:
    principal: Principal
    last_used_at: datetime | None
    expires_at: float


class KeyCache:
    """Recently verified keys, so most requests cost no authentication query.

    An entry lives ``ttl_s`` seconds. Revoking a key, deactivating a partner or
    closing an organisation clears this worker's cache when the change commits
    (``forget_cached_keys``); other workers notice within ``ttl_s``.
    """

    def __init__(self, ttl_s: float, max_entries: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[str, CachedKey] = {}

    def get(self, secret_hash: str) -> CachedKey | None:
        entry = self._entries.get(secret_hash)
        if entry is None:
            return None
        if entry.expires_at <= time.monotonic():
            del self._entries[secret_hash]
            return None
        return entry

    def put(
        self, secret_hash: str, principal: Principal, last_used_at: datetime | None
    ) -> CachedKey:
        """Remember a verified key (unless the cache is disabled); returns its entry."""
        entry = CachedKey(
            principal=principal,
            last_used_at=last_used_at,
            expires_at=time.monotonic() + self.ttl_s,
        )
        if self.ttl_s > 0:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()  # rare; cheaper and simpler than LRU bookkeeping
            self._entries[secret_hash] = entry
        return entry

    def clear(self) -> None:
        self._entries.clear()


def forget_cached_keys(session: AsyncSession) -> None:
    """Call when keys, partners or organisations change status: once this transaction
    commits, this worker re-checks every key against the database."""
    cache = session.info.get(KEY_CACHE_INFO)
    if isinstance(cache, KeyCache):
        after_commit(session, cache.clear)


async def _lookup_key(
    session: AsyncSession, secret_hash: str
) -> tuple[Principal, datetime | None] | None:
    row = (await session.execute(_KEY_LOOKUP, {"secret_hash": secret_hash})).one_or_none()
    if row is None:
        return None
    principal = Principal(
        kind="partner" if row.kind == "partner" else "organization",
        key_id=row.id,
        partner_id=row.partner_id,
        organization_id=row.organization_id,
    )
    return principal, row.last_used_at


async def authenticate(request: Request, session: SessionDep) -> Principal:
    token = _bearer_token(request)
    settings = request.app.state.settings
    cache: KeyCache = request.app.state.key_cache
    session.info[KEY_CACHE_INFO] = cache  # lets services call forget_cached_keys(session)
    admin_key = settings.admin_api_key
    if admin_key is not None and hmac.compare_digest(
        token.encode(), admin_key.get_secret_value().encode()
    ):
        principal = Principal(kind="admin", key_id="admin")
        request.state.principal = principal
        return principal
    if not token.startswith((PARTNER_KEY_PREFIX, ORGANIZATION_KEY_PREFIX)):
        raise Unauthorized("Unknown API key.")
    secret_hash = hash_secret(token)
    entry = cache.get(secret_hash)
    if entry is None:
        found = await _lookup_key(session, secret_hash)
        if found is None:
            raise Unauthorized("Unknown or revoked API key.")
        entry = cache.put(secret_hash, *found)
    now = utcnow()
    resolution = timedelta(seconds=settings.key_last_used_resolution_s)
    if entry.last_used_at is None or now - entry.last_used_at >= resolution:
        await session.execute(
            _TOUCH_KEY, {"touched_key_id": entry.principal.key_id, "touched_at": now}
        )
        entry.last_used_at = now
    request.state.principal = entry.principal
    return entry.principal


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
