"""Every SQL statement of notices."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from app.auth.principal import Principal
from app.core.pagination import PageParams, paginate
from app.core.sql import array_contains, text_contains
from app.market.tenancy import owned_clause, visible_clause
from app.models import Notice, Organization
from app.notices.schemas import NoticeFilters, NoticeRecord

DEFAULT_STATUSES = ("published",)


def seen_by(principal: Principal) -> ColumnElement[bool]:
    """Notices ``principal`` may read: the market's rule (own, the network's, every
    ``shared`` one; drafts only to their owner), and a draft withdrawn before it was ever
    published stays its owner's too (nobody else ever saw it)."""
    visible = visible_clause(Notice, principal)
    if principal.is_admin:
        return visible
    return and_(visible, or_(Notice.published_at.is_not(None), owned_clause(Notice, principal)))


def _conditions(filters: NoticeFilters, *, on: date, dialect: str) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        Notice.status.in_(filters.statuses or DEFAULT_STATUSES)
    ]
    if filters.kind is not None:
        conditions.append(Notice.kind == filters.kind)
    if filters.topic is not None:
        conditions.append(array_contains(dialect, Notice.topic_terms, filters.topic))
    if filters.partner_id is not None:
        conditions.append(Notice.partner_id == filters.partner_id)
    if filters.organization_id is not None:
        conditions.append(Notice.organization_id == filters.organization_id)
    if filters.language is not None:
        # ``de`` finds ``de`` and its regional forms (``de-ch``); ``de-ch`` only itself.
        language = Notice.language == filters.language
        if "-" not in filters.language:
            language = or_(language, Notice.language.like(f"{filters.language}-%"))
        conditions.append(language)
    if filters.visibility is not None:
        conditions.append(Notice.visibility == filters.visibility)
    if filters.q is not None:
        conditions.append(text_contains([Notice.title, Notice.body], filters.q))
    if filters.open is True:
        conditions.append(or_(Notice.deadline.is_(None), Notice.deadline >= on))
    elif filters.open is False:
        conditions.append(Notice.deadline < on)
    return conditions


def _with_names() -> Select[Any]:
    # Typed as any select: ``paginate`` takes selects of one column type.
    statement = select(Notice, Organization.name).join(
        Organization, Organization.id == Notice.organization_id
    )
    return cast("Select[Any]", statement)


def _records(rows: Any) -> list[NoticeRecord]:
    return [NoticeRecord(notice, name) for notice, name in rows]


class NoticeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    async def add(self, notice: Notice) -> Notice:
        self.session.add(notice)
        await self.session.flush()
        return notice

    async def get_visible(self, notice_id: str, principal: Principal) -> NoticeRecord | None:
        statement = _with_names().where(Notice.id == notice_id, seen_by(principal))
        found = _records(await self.session.execute(statement))
        return found[0] if found else None

    async def get_owned_for_update(
        self, notice_id: str, principal: Principal
    ) -> NoticeRecord | None:
        """The notice if ``principal`` may change it, its row locked (not its organisation's)."""
        statement = (
            _with_names()
            .where(Notice.id == notice_id, owned_clause(Notice, principal))
            .with_for_update(of=Notice)
        )
        found = _records(await self.session.execute(statement))
        return found[0] if found else None

    async def list_page(
        self, principal: Principal, filters: NoticeFilters, page: PageParams, *, on: date
    ) -> list[NoticeRecord]:
        """One page, newest first by id (the cursor is the last id)."""
        statement = _with_names().where(
            seen_by(principal), *_conditions(filters, on=on, dialect=self.dialect)
        )
        return _records(await self.session.execute(paginate(statement, Notice.id, page)))

    async def newest(
        self, principal: Principal, filters: NoticeFilters, *, limit: int, on: date
    ) -> list[NoticeRecord]:
        """The ``limit`` most recently published (drafts: created) notices, newest first."""
        statement = (
            _with_names()
            .where(seen_by(principal), *_conditions(filters, on=on, dialect=self.dialect))
            .order_by(
                func.coalesce(Notice.published_at, Notice.created_at).desc(), Notice.id.desc()
            )
            .limit(limit)
        )
        return _records(await self.session.execute(statement))

    async def open_of_organization(self, organization_id: str) -> list[NoticeRecord]:
        """The organisation's notices not yet withdrawn, their rows locked, by id."""
        statement = (
            _with_names()
            .where(Notice.organization_id == organization_id, Notice.status != "withdrawn")
            .order_by(Notice.id)
            .with_for_update(of=Notice)
        )
        return _records(await self.session.execute(statement))
