"""``capmatch import FILE --kind offers --partner SLUG``: the same job as POST /v1/imports,
run in this process against the configured database, with a progress bar and an error
table (rich). The job is recorded like an API import (GET /v1/imports shows it)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from app.auth.principal import Principal
from app.core.config import Settings
from app.core.db import Database
from app.core.errors import AppError
from app.imports import service
from app.imports.runner import ImportRunner
from app.imports.schemas import ImportKind, ImportOptions, ImportOut
from app.partners.service import id_of_slug
from app.taxonomy.vocabulary import Taxonomy


async def import_file(
    database: Database,
    *,
    settings: Settings,
    taxonomy: Taxonomy,
    content: bytes,
    filename: str,
    kind: ImportKind,
    partner_slug: str,
    options: ImportOptions,
    console: Console,
) -> int:
    """Run the import; 0 when it succeeded, 1 otherwise."""
    async with database.sessionmaker() as session, session.begin():
        partner_id = await id_of_slug(session, partner_slug)
        if partner_id is None:
            console.print(f"[red]no partner with slug '{partner_slug}'[/red]")
            return 1
        principal = Principal(kind="partner", key_id="cli", partner_id=partner_id)
        try:
            job = await service.submit_import(
                session,
                principal=principal,
                kind=kind,
                content=content,
                filename=filename,
                media_type=None,
                options=options,
                max_bytes=settings.max_import_bytes,
            )
        except AppError as exc:
            console.print(f"[red]not imported: {exc.detail or exc}[/red]")
            return 1
        job_id = job.id
    runner = ImportRunner(
        database.sessionmaker, taxonomy=taxonomy, max_rows=settings.max_import_rows
    )
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task(f"{kind} from {filename}", total=None)

        async def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        await runner.run_once(job_id, progress=advance)
    async with database.sessionmaker() as session:
        report = service.import_out(
            await service.get_import(session, principal=principal, import_id=job_id)
        )
    print_report(console, report)
    return 0 if report.status == "succeeded" else 1


def print_report(console: Console, report: ImportOut) -> None:
    mode = " (dry run: nothing written)" if report.dry_run else ""
    colour = "green" if report.status == "succeeded" else "red"
    console.print(f"[{colour}]{report.id}: {report.status}{mode}[/{colour}]")
    console.print(
        f"rows {report.rows_total}: created {report.created}, updated {report.updated}, "
        f"unchanged {report.unchanged}, skipped {report.skipped}"
    )
    for title, items in (("Errors", report.errors), ("Warnings", report.warnings)):
        if not items:
            continue
        table = Table(title=title, show_lines=False)
        table.add_column("row", justify="right")
        table.add_column("column")
        table.add_column("message", overflow="fold")
        for item in items:
            table.add_row(str(item.row), item.column or "", item.message)
        console.print(table)
