"""Every SQL statement about API keys and the owners they act for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVarTuple

from sqlalchemy import Row, Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dates import utcnow
from app.core.pagination import PageParams, paginate
from app.models import ApiKey, Organization, Partner

Ts = TypeVarTuple("Ts")


def _usable(statement: Select[*Ts]) -> Select[*Ts]:
    """``statement`` kept to keys that may work: not revoked, their partner and organisation
    active (whether a key expired is the service's rule)."""
    return (
        statement.join(Partner, Partner.id == ApiKey.partner_id)
        .outerjoin(Organization, Organization.id == ApiKey.organization_id)
        .where(
            ApiKey.revoked_at.is_(None),
            Partner.status == "active",
            (ApiKey.organization_id.is_(None)) | (Organization.status == "active"),
        )
    )


# Built once: SQLAlchemy memoises the cache key of a statement object, so reusing it
# skips rebuilding the expression on every request.
_KEY_LOOKUP = _usable(
    select(
        ApiKey.id,
        ApiKey.kind,
        ApiKey.partner_id,
        ApiKey.organization_id,
        ApiKey.last_used_at,
        ApiKey.expires_at,
    ).where(ApiKey.secret_hash == bindparam("secret_hash"))
)
# The same rule by the key's id: a feed token reads as the key that made it, while it works.
_KEY_BY_ID = _usable(
    select(
        ApiKey.id, ApiKey.kind, ApiKey.partner_id, ApiKey.organization_id, ApiKey.expires_at
    ).where(ApiKey.id == bindparam("key_id"))
)
_TOUCH_KEY = (
    update(ApiKey)
    .where(ApiKey.id == bindparam("touched_key_id"))
    .values(last_used_at=bindparam("touched_at"))
)


class ApiKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find_usable(
        self, secret_hash: str
    ) -> Row[str, str, str, str | None, datetime | None, datetime | None] | None:
        """(id, kind, partner_id, organization_id, last_used_at, expires_at) of the key with
        this hash if it may work: not revoked, its partner and organisation active (whether
        it expired is the service's rule)."""
        result = await self.session.execute(_KEY_LOOKUP, {"secret_hash": secret_hash})
        return result.one_or_none()

    async def find_usable_by_id(
        self, key_id: str
    ) -> Row[str, str, str, str | None, datetime | None] | None:
        """(id, kind, partner_id, organization_id, expires_at) of a key that may work."""
        result = await self.session.execute(_KEY_BY_ID, {"key_id": key_id})
        return result.one_or_none()

    async def touch(self, key_id: str, at: datetime) -> None:
        await self.session.execute(_TOUCH_KEY, {"touched_key_id": key_id, "touched_at": at})

    async def add(self, key: ApiKey) -> ApiKey:
        self.session.add(key)
        await self.session.flush()
        return key

    async def get(
        self, key_id: str, *, partner_id: str, organization_id: str | None
    ) -> ApiKey | None:
        statement = select(ApiKey).where(
            ApiKey.id == key_id,
            ApiKey.partner_id == partner_id,
            ApiKey.organization_id.is_(None)
            if organization_id is None
            else ApiKey.organization_id == organization_id,
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def list_page(
        self, *, partner_id: str, organization_id: str | None, page: PageParams
    ) -> Sequence[ApiKey]:
        statement = select(ApiKey).where(
            ApiKey.partner_id == partner_id,
            ApiKey.organization_id.is_(None)
            if organization_id is None
            else ApiKey.organization_id == organization_id,
        )
        return (await self.session.execute(paginate(statement, ApiKey.id, page))).scalars().all()

    async def revoke_all_of_organization(self, organization_id: str) -> None:
        keys = await self.session.execute(
            select(ApiKey).where(
                ApiKey.organization_id == organization_id, ApiKey.revoked_at.is_(None)
            )
        )
        now = utcnow()
        for key in keys.scalars():
            key.revoked_at = now
        await self.session.flush()

    async def partner_exists(self, partner_id: str) -> bool:
        found = await self.session.execute(select(Partner.id).where(Partner.id == partner_id))
        return found.first() is not None

    async def organization_owner(self, organization_id: str) -> Row[str, str, str] | None:
        """(id, partner_id, status) of an organisation, its row locked: a key issued now
        cannot slip past a concurrent close, which revokes the organisation's keys."""
        statement = (
            select(Organization.id, Organization.partner_id, Organization.status)
            .where(Organization.id == organization_id)
            .with_for_update()
        )
        return (await self.session.execute(statement)).one_or_none()
