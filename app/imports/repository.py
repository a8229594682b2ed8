"""Every SQL statement of imports: the jobs table and the runners' claims."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from app.core.pagination import PageParams, paginate
from app.models import ImportJob

ACTIVE = ("queued", "running")


class ImportJobRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def refresh_statistics(self, table: Table) -> None:
        """Update the query planner's statistics of ``table`` after an import wrote many of
        its rows: until autovacuum gets there (a minute at best, never where it is off),
        PostgreSQL plans as if they were not there, and the next import's lookups crawl."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(text(f'ANALYZE "{table.name}"'))

    async def add(self, job: ImportJob) -> ImportJob:
        self.session.add(job)
        await self.session.flush()
        return job

    async def get(self, job_id: str) -> ImportJob | None:
        return await self.session.get(ImportJob, job_id)

    async def list_page(
        self, *, partner_id: str, organization_id: str | None, page: PageParams
    ) -> Sequence[ImportJob]:
        statement = select(ImportJob).where(ImportJob.partner_id == partner_id)
        if organization_id is not None:
            statement = statement.where(ImportJob.organization_id == organization_id)
        found = await self.session.execute(paginate(statement, ImportJob.id, page))
        return found.scalars().all()

    async def any_due(self, *, now: datetime) -> bool:
        """Whether a job waits (queued, or running under a lease that has ended)."""
        found = await self.session.scalar(select(ImportJob.id).where(_due(now)).limit(1))
        return found is not None

    async def claim(
        self, *, worker: str, now: datetime, lease_until: datetime, job_id: str | None = None
    ) -> ImportJob | None:
        """Take the oldest due job (or ``job_id`` if due) for ``worker``.

        PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so runners claiming at once take different
        jobs; SQLite: the transaction holds the one write lock already. A running job whose
        lease ended belongs to a runner that died: it is due again.
        """
        due = select(ImportJob.id).where(_due(now))
        if job_id is not None:
            due = due.where(ImportJob.id == job_id)
        due = (
            due.order_by(ImportJob.created_at, ImportJob.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        found = await self.session.scalar(due)
        if found is None:
            return None
        await self.session.execute(
            update(ImportJob)
            .where(ImportJob.id == found)
            .values(
                status="running",
                claimed_by=worker,
                claim_expires_at=lease_until,
                attempts=ImportJob.attempts + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        job: ImportJob | None = await self.session.scalar(
            select(ImportJob)
            .where(ImportJob.id == found)
            .options(undefer(ImportJob.content))
            .execution_options(populate_existing=True)
        )
        return job

    async def progress(
        self, job_id: str, *, worker: str, rows_processed: int, lease_until: datetime, now: datetime
    ) -> bool:
        """Record progress and extend the lease; False if another runner holds the job now."""
        result = await self.session.execute(
            update(ImportJob)
            .where(ImportJob.id == job_id, ImportJob.claimed_by == worker)
            .values(rows_processed=rows_processed, claim_expires_at=lease_until, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def finish(
        self, job_id: str, *, worker: str | None, values: dict[str, Any]
    ) -> ImportJob | None:
        """Write the outcome if ``worker`` still holds the job (None: whoever holds it); the
        file's bytes go. None when the job was lost to another runner."""
        statement = update(ImportJob).where(ImportJob.id == job_id, ImportJob.status == "running")
        if worker is not None:
            statement = statement.where(ImportJob.claimed_by == worker)
        result = await self.session.execute(
            statement.values(
                **values, content=None, claimed_by=None, claim_expires_at=None
            ).execution_options(synchronize_session=False)
        )
        if not getattr(result, "rowcount", 0):
            return None
        job: ImportJob | None = await self.session.scalar(
            select(ImportJob)
            .where(ImportJob.id == job_id)
            .execution_options(populate_existing=True)
        )
        return job


def _due(now: datetime) -> Any:
    return or_(
        ImportJob.status == "queued",
        (ImportJob.status == "running")
        & or_(ImportJob.claim_expires_at.is_(None), ImportJob.claim_expires_at <= now),
    )
