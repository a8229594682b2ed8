"""The import runner: claims a queued job with a lease, runs it, writes its report.

Like the webhook deliveries, jobs are rows: a claim writes the runner's name and a lease
end in one short transaction (PostgreSQL: ``FOR UPDATE SKIP LOCKED``), so several
runners (embedded in ``capmatch serve``, or ``capmatch worker``) share the table, and a
job whose runner died is taken again once its lease has ended (a restart loses nothing:
the file is in the row until the job ends).

Transaction: the whole real import is ONE transaction, and the job's report and its
``import.completed`` event commit in it: either every row and the report are there, or
nothing is and the job runs again. A dry run, or ``on_error=abort`` with any error, rolls
the rows back and writes only the report (with the event). PostgreSQL runners report
``rows_processed`` (and extend the lease) from a second connection as they go; on SQLite
the import holds the only write lock, so progress appears at the end.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.principal import Principal, remember_principal
from app.core.background import Stop
from app.core.config import Settings
from app.core.dates import utcnow
from app.core.db import begin_read
from app.imports.engine import Progress, run_import
from app.imports.repository import ImportJobRepository
from app.imports.schemas import ImportCounts, ImportOptions, RowError
from app.imports.service import announce_completed, principal_of
from app.imports.targets import TARGETS
from app.tabular.columns import Kind
from app.tabular.reading import FileFormat, UnreadableFile
from app.taxonomy.vocabulary import Taxonomy

logger = logging.getLogger("capmatch.imports")
DEFAULT_LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 3
# Rows an import writes before the planner's statistics of the table are refreshed.
STATISTICS_AFTER_ROWS = 1_000


def worker_name() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True, slots=True)
class Claimed:
    id: str
    kind: Kind
    file_format: FileFormat
    content: bytes
    options: ImportOptions
    principal: Principal
    attempts: int


class _Discard(Exception):
    """Leaves the import's transaction by rolling it back (dry run, or abort on errors)."""

    def __init__(self, total: int, counts: ImportCounts) -> None:
        super().__init__("discard")
        self.total, self.counts = total, counts


class LostLease(Exception):
    pass


class ImportRunner:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        taxonomy: Taxonomy,
        max_rows: int,
        name: str | None = None,
        lease: timedelta = DEFAULT_LEASE,
        report_progress: bool = False,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.taxonomy = taxonomy
        self.max_rows = max_rows
        self.name = name or worker_name()
        self.lease = lease
        self.report_progress = report_progress

    async def claim(self, job_id: str | None = None) -> Claimed | None:
        now = utcnow()
        async with self.sessionmaker() as session:
            await begin_read(session)
            if not await ImportJobRepository(session).any_due(now=now):
                return None
        async with self.sessionmaker() as session, session.begin():
            job = await ImportJobRepository(session).claim(
                worker=self.name, now=now, lease_until=now + self.lease, job_id=job_id
            )
            if job is None or job.content is None:
                return None
            return Claimed(
                id=job.id,
                kind=job.kind,  # type: ignore[arg-type]
                file_format=job.file_format,  # type: ignore[arg-type]
                content=job.content,
                options=ImportOptions.model_validate(job.options),
                principal=principal_of(job),
                attempts=job.attempts,
            )

    async def run_once(
        self, job_id: str | None = None, *, progress: Progress | None = None
    ) -> str | None:
        """Claim one due job (``job_id``: that one) and run it; its id, or None."""
        claimed = await self.claim(job_id)
        if claimed is None:
            return None
        if claimed.attempts > MAX_ATTEMPTS:  # its runners died each time: stop trying
            message = f"the import was started {MAX_ATTEMPTS} times and never finished"
            counts = ImportCounts(errors=[RowError(row=1, column=None, message=message)])
            await self._report(claimed, total=0, counts=counts, status="failed")
            return claimed.id
        try:
            await self.execute(claimed, progress=progress)
        except LostLease:
            logger.warning("import %s was taken over by another runner", claimed.id)
        except Exception:
            logger.exception("import %s failed (attempt %d)", claimed.id, claimed.attempts)
            if claimed.attempts >= MAX_ATTEMPTS:
                message = "the import failed on the server; the operator has the log"
                counts = ImportCounts(errors=[RowError(row=1, column=None, message=message)])
                await self._report(claimed, total=0, counts=counts, status="failed")
        return claimed.id

    async def execute(self, claimed: Claimed, *, progress: Progress | None = None) -> None:
        try:
            async with self.sessionmaker() as session:
                remember_principal(session, claimed.principal)
                async with session.begin():
                    total, counts = await run_import(
                        session,
                        principal=claimed.principal,
                        kind=claimed.kind,
                        content=claimed.content,
                        file_format=claimed.file_format,
                        options=claimed.options,
                        taxonomy=self.taxonomy,
                        max_rows=self.max_rows,
                        progress=self._progress(claimed, progress),
                    )
                    kept = counts.error_count == 0 or claimed.options.on_error == "skip"
                    if claimed.options.dry_run or not kept:
                        raise _Discard(total, counts)
                    await self._finish(session, claimed, total, counts, "succeeded")
            if counts.created + counts.updated >= STATISTICS_AFTER_ROWS:
                await self._refresh_statistics(claimed.kind)
        except _Discard as discarded:
            counts = discarded.counts
            ok = counts.error_count == 0 or claimed.options.on_error == "skip"
            status = "succeeded" if ok else "failed"
            if not ok:  # aborted: nothing was written, whatever the good rows would have done
                counts = counts.model_copy(update={"created": 0, "updated": 0, "unchanged": 0})
            await self._report(claimed, total=discarded.total, counts=counts, status=status)
        except UnreadableFile as exc:
            counts = ImportCounts(
                errors=[RowError(row=1, column=None, message=str(exc))], error_count=1
            )
            await self._report(claimed, total=0, counts=counts, status="failed")

    async def _refresh_statistics(self, kind: Kind) -> None:
        """After the import committed: a failure here is logged, the import stands."""
        try:
            async with self.sessionmaker() as session, session.begin():
                await ImportJobRepository(session).refresh_statistics(TARGETS[kind].model.__table__)
        except Exception:
            logger.warning("could not refresh the statistics of %s", kind, exc_info=True)

    def _progress(self, claimed: Claimed, outer: Progress | None) -> Progress | None:
        if not self.report_progress and outer is None:
            return None

        async def report(done: int, total: int) -> None:
            if self.report_progress:
                now = utcnow()
                async with self.sessionmaker() as session, session.begin():
                    held = await ImportJobRepository(session).progress(
                        claimed.id,
                        worker=self.name,
                        rows_processed=done,
                        lease_until=now + self.lease,
                        now=now,
                    )
                if not held:
                    raise LostLease(claimed.id)
            if outer is not None:
                await outer(done, total)

        return report

    async def _report(
        self, claimed: Claimed, *, total: int, counts: ImportCounts, status: str
    ) -> None:
        async with self.sessionmaker() as session, session.begin():
            await self._finish(session, claimed, total, counts, status)

    async def _finish(
        self,
        session: AsyncSession,
        claimed: Claimed,
        total: int,
        counts: ImportCounts,
        status: str,
    ) -> None:
        now = utcnow()
        values: dict[str, Any] = {
            "status": status,
            "rows_total": total,
            "rows_processed": total,
            "result": counts.model_dump(mode="json"),
            "updated_at": now,
            "finished_at": now,
        }
        job = await ImportJobRepository(session).finish(claimed.id, worker=self.name, values=values)
        if job is None:
            raise LostLease(claimed.id)
        await announce_completed(session, job)

    async def run(self, stop: Stop, *, poll_s: float) -> None:
        """Jobs until ``stop``; waits ``poll_s`` when none is due."""
        while not stop.requested:
            try:
                ran = await self.run_once()
            except Exception:
                logger.exception("import round failed; will retry")
                ran = None
            if ran is None and await stop.wait(poll_s):
                return


async def run_imports_until_stopped(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    settings: Settings,
    taxonomy: Taxonomy,
    stop: Stop,
) -> None:
    runner = ImportRunner(
        sessionmaker,
        taxonomy=taxonomy,
        max_rows=settings.max_import_rows,
        report_progress=not settings.is_sqlite,
    )
    await runner.run(stop, poll_s=settings.import_poll_s)
