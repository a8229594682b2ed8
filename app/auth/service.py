"""Verifying keys, and issuing, listing and revoking partner and organisation keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.cache import KeyCache, forget_cached_keys
from app.auth.keys import KeyKind, generate_key, looks_like_key
from app.auth.principal import Principal
from app.auth.repository import ApiKeyRepository
from app.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut
from app.core.dates import utcnow
from app.core.db import write_after_commit
from app.core.errors import Conflict, NotFound, Unauthorized
from app.core.events import Audited, publish
from app.core.hashing import hash_secret
from app.core.ids import new_id
from app.core.pagination import PageParams, Window, window
from app.models import ApiKey


class KeyOwnerNotFound(NotFound):
    pass


class KeyOwnerClosed(Conflict):
    title = "Organisation is closed"


@dataclass(frozen=True, slots=True)
class KeyOwner:
    """Whose keys an endpoint manages: a partner's own keys, or one organisation's."""

    partner_id: str
    organization_id: str | None = None


async def verify_key(
    session: AsyncSession, *, token: str, cache: KeyCache, last_used_resolution: timedelta
) -> Principal:
    """The principal of a partner or organisation key; 401 when it does not work.

    Most calls are answered from ``cache``; ``last_used_at`` is written at most once
    per ``last_used_resolution`` per key (a write per call would cost more than the read),
    in a short transaction of its own after the request's has committed: a GET stays a
    read (on SQLite it never takes the write lock), and a failed call records no use.
    """
    if not looks_like_key(token):
        raise Unauthorized("Unknown API key.")
    secret_hash = hash_secret(token)
    entry = cache.get(secret_hash)
    repository = ApiKeyRepository(session)
    if entry is None:
        row = await repository.find_usable(secret_hash)
        if row is None:
            raise Unauthorized("Unknown or revoked API key.")
        if row.expires_at is not None and row.expires_at <= utcnow():
            raise Unauthorized(
                f"This API key expired at {row.expires_at.isoformat()}; ask for a new one."
            )
        principal = _principal(row.id, row.kind, row.partner_id, row.organization_id)
        entry = cache.put(secret_hash, principal, row.last_used_at, until=row.expires_at)
    now = utcnow()
    if entry.last_used_at is None or now - entry.last_used_at >= last_used_resolution:
        key_id = entry.principal.key_id

        async def touch(writer: AsyncSession) -> None:
            await ApiKeyRepository(writer).touch(key_id, now)

        write_after_commit(session, touch)
        entry.last_used_at = now
    return entry.principal


async def principal_of_key(session: AsyncSession, key_id: str) -> Principal | None:
    """Who a partner or organisation key acts as, while it works (not revoked, not expired,
    its owners active): what a token made with the key (a feed subscription) reads as."""
    row = await ApiKeyRepository(session).find_usable_by_id(key_id)
    if row is None or (row.expires_at is not None and row.expires_at <= utcnow()):
        return None
    return _principal(row.id, row.kind, row.partner_id, row.organization_id)


def _principal(key_id: str, kind: str, partner_id: str, organization_id: str | None) -> Principal:
    """Who a stored key acts as."""
    return Principal(
        kind="partner" if kind == "partner" else "organization",
        key_id=key_id,
        partner_id=partner_id,
        organization_id=organization_id,
    )


async def partner_keys_of(
    session: AsyncSession, *, principal: Principal, partner_id: str
) -> KeyOwner:
    """The partner whose own keys the caller manages (admin, or the partner itself)."""
    if not principal.may_see_partner(partner_id) or not await ApiKeyRepository(
        session
    ).partner_exists(partner_id):
        raise KeyOwnerNotFound(f"Partner {partner_id} not found.")
    return KeyOwner(partner_id=partner_id)


async def organization_keys_of(
    session: AsyncSession, *, principal: Principal, organization_id: str, issuing: bool = False
) -> KeyOwner:
    """The organisation whose keys the caller manages (its partner, or itself).

    A closed organisation takes no new keys (``issuing``); its old ones can still be
    listed and are revoked already.
    """
    row = await ApiKeyRepository(session).organization_owner(organization_id)
    if row is None or not principal.may_act_for_organization(
        partner_id=row.partner_id, organization_id=row.id
    ):
        raise KeyOwnerNotFound(f"Organization {organization_id} not found.")
    if issuing and row.status == "closed":
        raise KeyOwnerClosed(f"Organization {organization_id} is closed; it takes no new keys.")
    return KeyOwner(partner_id=row.partner_id, organization_id=row.id)


async def issue_key(session: AsyncSession, *, owner: KeyOwner, data: ApiKeyCreate) -> ApiKeyCreated:
    kind: KeyKind = "partner" if owner.organization_id is None else "organization"
    generated = generate_key(kind)
    key = await ApiKeyRepository(session).add(
        ApiKey(
            id=new_id("key"),
            kind=kind,
            partner_id=owner.partner_id,
            organization_id=owner.organization_id,
            name=data.name,
            prefix=generated.prefix,
            secret_hash=generated.secret_hash,
            created_at=utcnow(),
            expires_at=data.expires_at,
        )
    )
    shown = ApiKeyOut.model_validate(key)
    await _audit(session, "api_key.created", shown)
    return ApiKeyCreated.model_validate({**shown.model_dump(), "api_key": generated.plaintext})


async def _audit(session: AsyncSession, type: str, key: ApiKeyOut) -> None:
    """The key as its listing shows it (never the secret) into the event feed."""
    await publish(
        session,
        Audited(
            type=type,
            object=key.model_dump(mode="json"),
            partner_id=key.partner_id,
            organization_id=key.organization_id,
        ),
    )


async def list_keys(session: AsyncSession, *, owner: KeyOwner, page: PageParams) -> Window[ApiKey]:
    rows = await ApiKeyRepository(session).list_page(
        partner_id=owner.partner_id, organization_id=owner.organization_id, page=page
    )
    return window(rows, page, lambda key: key.id)


async def revoke_key(session: AsyncSession, *, owner: KeyOwner, key_id: str) -> ApiKey:
    key = await ApiKeyRepository(session).get(
        key_id, partner_id=owner.partner_id, organization_id=owner.organization_id
    )
    if key is None:
        raise NotFound(f"API key {key_id} not found.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        forget_cached_keys(session)
        await session.flush()
        await _audit(session, "api_key.revoked", ApiKeyOut.model_validate(key))
    return key


async def revoke_keys_of_organization(session: AsyncSession, organization_id: str) -> None:
    """Every key of a closing organisation stops working when the close commits."""
    await ApiKeyRepository(session).revoke_all_of_organization(organization_id)
    forget_cached_keys(session)
