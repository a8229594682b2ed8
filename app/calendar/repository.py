"""Every SQL statement of the calendar."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core.sql import array_contains, text_contains
from app.market.tenancy import owned_clause, visible_clause
from app.models import CalendarEvent, Organization


@dataclass(frozen=True, slots=True)
class CalendarFilters:
    """The list filters of ``GET /v1/calendar-events`` and ``GET /v1/calendar.ics``."""

    ends_from: datetime | None = None  # events still running at this instant or later
    starts_before: datetime | None = None
    topic: str | None = None
    partner_id: str | None = None
    organization_id: str | None = None
    language: str | None = None
    region: str | None = None
    visibility: str | None = None
    q: str | None = None
    statuses: tuple[str, ...] = ("scheduled",)


@dataclass(frozen=True, slots=True)
class EventKey:
    """Where a page ended: the calendar is read in time order, ties by id."""

    starts_at: datetime
    id: str


def _with_names() -> Select[CalendarEvent, str]:
    return select(CalendarEvent, Organization.name).join(
        Organization, Organization.id == CalendarEvent.organization_id
    )


def _filtered(
    statement: Select[CalendarEvent, str], dialect: str, filters: CalendarFilters
) -> Select[CalendarEvent, str]:
    if filters.ends_from is not None:
        statement = statement.where(CalendarEvent.ends_at >= filters.ends_from)
    if filters.starts_before is not None:
        statement = statement.where(CalendarEvent.starts_at < filters.starts_before)
    if filters.topic is not None:
        statement = statement.where(
            array_contains(dialect, CalendarEvent.topic_terms, filters.topic)
        )
    if filters.partner_id is not None:
        statement = statement.where(CalendarEvent.partner_id == filters.partner_id)
    if filters.organization_id is not None:
        statement = statement.where(CalendarEvent.organization_id == filters.organization_id)
    if filters.language is not None:
        statement = statement.where(
            or_(
                CalendarEvent.language == filters.language,
                CalendarEvent.language.startswith(f"{filters.language}-", autoescape=True),
            )
        )
    if filters.region is not None:
        statement = statement.where(CalendarEvent.region == filters.region)
    if filters.visibility is not None:
        statement = statement.where(CalendarEvent.visibility == filters.visibility)
    if filters.q:
        statement = statement.where(
            text_contains(
                [CalendarEvent.title, CalendarEvent.description, CalendarEvent.location], filters.q
            )
        )
    return statement.where(CalendarEvent.status.in_(filters.statuses))


class CalendarRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    async def add(self, event: CalendarEvent) -> CalendarEvent:
        self.session.add(event)
        await self.session.flush()
        return event

    async def get_visible(
        self, event_id: str, principal: Principal
    ) -> tuple[CalendarEvent, str] | None:
        statement = _with_names().where(
            CalendarEvent.id == event_id, visible_clause(CalendarEvent, principal)
        )
        row = (await self.session.execute(statement)).one_or_none()
        return (row[0], row[1]) if row is not None else None

    async def get_owned(
        self, event_id: str, principal: Principal
    ) -> tuple[CalendarEvent, str] | None:
        statement = _with_names().where(
            CalendarEvent.id == event_id, owned_clause(CalendarEvent, principal)
        )
        row = (await self.session.execute(statement)).one_or_none()
        return (row[0], row[1]) if row is not None else None

    async def in_time_order(
        self,
        principal: Principal,
        filters: CalendarFilters,
        *,
        after: EventKey | None,
        limit: int,
    ) -> Sequence[tuple[CalendarEvent, str]]:
        """Visible events matching ``filters`` by start time (then id), after ``after``."""
        statement = _filtered(_with_names(), self.dialect, filters).where(
            visible_clause(CalendarEvent, principal)
        )
        if after is not None:
            statement = statement.where(
                or_(
                    CalendarEvent.starts_at > after.starts_at,
                    and_(CalendarEvent.starts_at == after.starts_at, CalendarEvent.id > after.id),
                )
            )
        statement = statement.order_by(CalendarEvent.starts_at, CalendarEvent.id).limit(limit)
        return [(row[0], row[1]) for row in await self.session.execute(statement)]

    async def upcoming_on_roots(
        self, principal: Principal, roots: Sequence[str], *, now: datetime, limit: int
    ) -> Sequence[tuple[CalendarEvent, str]]:
        """Visible scheduled events not yet over that share a top-level topic with ``roots``
        (a coarse cut; the exact fit is the service's rule)."""
        if not roots:
            return []
        statement = (
            _with_names()
            .where(
                visible_clause(CalendarEvent, principal),
                CalendarEvent.status == "scheduled",
                CalendarEvent.ends_at >= now,
                or_(*(array_contains(self.dialect, CalendarEvent.topic_terms, r) for r in roots)),
            )
            .order_by(CalendarEvent.starts_at, CalendarEvent.id)
            .limit(limit)
        )
        return [(row[0], row[1]) for row in await self.session.execute(statement)]

    async def scheduled_of(
        self, organization_id: str, *, ends_from: datetime
    ) -> Sequence[tuple[CalendarEvent, str]]:
        """The organisation's scheduled events that have not ended by ``ends_from``."""
        statement = _with_names().where(
            CalendarEvent.organization_id == organization_id,
            CalendarEvent.status == "scheduled",
            CalendarEvent.ends_at >= ends_from,
        )
        return [(row[0], row[1]) for row in await self.session.execute(statement)]
