"""Issuing, listing and revoking partner and organisation keys."""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from app.apikeys.repository import ApiKeyRepository
from app.apikeys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut
from app.core.db import utcnow
from app.core.errors import NotFound
from app.core.ids import new_id
from app.core.pagination import PageParams, Window, window
from app.core.security import forget_cached_keys, generate_key
from app.models import ApiKey


async def issue_key(
    session: AsyncSession, *, partner_id: str, organization_id: str | None, data: ApiKeyCreate
) -> ApiKeyCreated:
    kind: Literal["partner", "organization"] = (
        "partner" if organization_id is None else "organization"
    )
    generated = generate_key(kind)
    key = await ApiKeyRepository(session).add(
        ApiKey(
            id=new_id("key"),
            kind=kind,
            partner_id=partner_id,
            organization_id=organization_id,
            name=data.name,
            prefix=generated.prefix,
            secret_hash=generated.secret_hash,
            created_at=utcnow(),
        )
    )
    return ApiKeyCreated.model_validate(
        {**ApiKeyOut.model_validate(key).model_dump(), "api_key": generated.plaintext}
    )


async def list_keys(
    session: AsyncSession, *, partner_id: str, organization_id: str | None, page: PageParams
) -> Window[ApiKey]:
    rows = await ApiKeyRepository(session).list_page(
        partner_id=partner_id, organization_id=organization_id, page=page
    )
    return window(rows, page, lambda key: key.id)


async def revoke_key(
    session: AsyncSession, *, partner_id: str, organization_id: str | None, key_id: str
) -> ApiKey:
    key = await ApiKeyRepository(session).get(
        key_id, partner_id=partner_id, organization_id=organization_id
    )
    if key is None:
        raise NotFound(f"API key {key_id} not found.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        forget_cached_keys(session)
        await session.flush()
    return key
