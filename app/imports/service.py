"""Imports' rules: who may import what, the job's life, and how it reads in the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal, PrincipalKind
from app.core.dates import utcnow
from app.core.errors import Forbidden, InvalidInput, NotFound, PayloadTooLarge
from app.core.events import publish
from app.core.ids import new_id
from app.core.pagination import PageParams, Window, window
from app.events.outbox import Party, ResourceChanged
from app.imports.repository import ImportJobRepository
from app.imports.schemas import ImportCounts, ImportKind, ImportOptions, ImportOut
from app.models import ImportJob
from app.tabular.reading import UnreadableFile, detect_format


class ImportNotFound(NotFound):
    pass


class ImportTooLarge(PayloadTooLarge):
    title = "Import file too large"


async def submit_import(
    session: AsyncSession,
    *,
    principal: Principal,
    kind: ImportKind,
    content: bytes,
    filename: str | None,
    media_type: str | None,
    options: ImportOptions,
    max_bytes: int,
) -> ImportJob:
    """Queue a file for the import runner (202); the file is read there, not here."""
    if principal.partner_id is None:
        raise Forbidden("Imports need a partner or organisation key.")
    if kind == "organizations" and principal.kind != "partner":
        raise Forbidden("Only a partner key imports organisations.")
    if len(content) > max_bytes:
        raise ImportTooLarge(f"The file exceeds the import limit of {max_bytes} bytes.")
    try:
        file_format = detect_format(content, filename=filename, media_type=media_type)
    except UnreadableFile as exc:
        raise InvalidInput.at("file", str(exc)) from exc
    if principal.kind == "organization":
        options = options.model_copy(update={"organization_id": principal.organization_id})
    now = utcnow()
    job = ImportJob(
        id=new_id("imp"),
        partner_id=principal.partner_id,
        organization_id=principal.organization_id,
        principal_kind=principal.kind,
        key_id=principal.key_id,
        kind=kind,
        file_format=file_format,
        filename=(filename or None) and filename[:255],
        content=content,
        options=options.model_dump(mode="json"),
        status="queued",
        rows_total=0,
        rows_processed=0,
        result=ImportCounts().model_dump(mode="json"),
        attempts=0,
        dry_run=options.dry_run,
        created_at=now,
        updated_at=now,
    )
    return await ImportJobRepository(session).add(job)


def principal_of(job: ImportJob) -> Principal:
    """The caller who submitted the job, rebuilt for the runner (its rights, not more)."""
    kind: PrincipalKind = "organization" if job.principal_kind == "organization" else "partner"
    return Principal(
        kind=kind,
        key_id=job.key_id,
        partner_id=job.partner_id,
        organization_id=job.organization_id if kind == "organization" else None,
    )


def _visible(principal: Principal, job: ImportJob) -> bool:
    if principal.kind == "partner":
        return job.partner_id == principal.partner_id
    return principal.kind == "organization" and job.organization_id == principal.organization_id


async def get_import(session: AsyncSession, *, principal: Principal, import_id: str) -> ImportJob:
    job = await ImportJobRepository(session).get(import_id)
    if job is None or not _visible(principal, job):
        raise ImportNotFound(f"Import {import_id} not found.")
    return job


async def list_imports(
    session: AsyncSession, *, principal: Principal, page: PageParams
) -> Window[ImportJob]:
    if principal.partner_id is None:
        raise Forbidden("Imports need a partner or organisation key.")
    rows = await ImportJobRepository(session).list_page(
        partner_id=principal.partner_id,
        organization_id=principal.organization_id if principal.kind == "organization" else None,
        page=page,
    )
    return window(rows, page, lambda job: job.id)


def import_out(job: ImportJob) -> ImportOut:
    options = ImportOptions.model_validate(job.options)
    counts = ImportCounts.model_validate(job.result)
    return ImportOut(
        id=job.id,
        kind=job.kind,
        status=job.status,
        dry_run=job.dry_run,
        on_error=options.on_error,
        on_duplicate=options.on_duplicate,
        organization_id=options.organization_id,
        filename=job.filename,
        rows_total=job.rows_total,
        rows_processed=job.rows_processed,
        created=counts.created,
        updated=counts.updated,
        unchanged=counts.unchanged,
        skipped=counts.skipped,
        errors=counts.errors,
        warnings=counts.warnings,
        created_at=job.created_at,
        updated_at=job.updated_at,
        finished_at=job.finished_at,
    )


async def announce_completed(session: AsyncSession, job: ImportJob) -> None:
    """``import.completed`` with the report, to the caller's partner (and organisation)."""
    organization_id = job.organization_id if job.principal_kind == "organization" else None
    payload: dict[str, Any] = import_out(job).model_dump(mode="json")
    await publish(
        session,
        ResourceChanged(
            type="import.completed",
            object=payload,
            owner=Party(job.partner_id, organization_id),
        ),
    )
