"""One import run: a file's rows validated and applied on one session, with a report.

Rows go in chunks: offers and requests a chunk at a time (``batch``), organisations and
changes row by row (``rowwise``), each row or chunk in a savepoint, so a row that fails
leaves nothing behind while the others go on. The caller commits the whole session (one
transaction) or rolls it back (``on_error=abort`` with errors, or a dry run). A dry run
applies every rule a real run applies and reports the same; new offers and requests it
only checks (``batch``: written only where a later row of the file changes them again,
and rolled back with the rest), changes and organisations it applies and throws away.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.imports.batch import apply_chunk, look_up_refs
from app.imports.duplicates import Known, normalise_name
from app.imports.rows import CodeReader, map_header, read_row, row_number, texts_of
from app.imports.rowwise import Run, apply_row
from app.imports.schemas import ImportCounts, ImportOptions
from app.imports.targets import organization_places
from app.tabular.columns import Kind
from app.tabular.reading import FileFormat, read_table
from app.taxonomy.vocabulary import Taxonomy

Progress = Callable[[int, int], Awaitable[None]]  # (rows processed, rows total)
# Rows read, looked up and created together; between two chunks the event loop serves
# other work and the job reports its progress. Each chunk pays a few reads and round
# trips of its own: 1,000 rows took 6 % less time per row than 500 (2,000 another 2 %,
# at twice the stretch of CPU work between two chances for requests in this process).
CHUNK = 1_000


async def run_import(
    session: AsyncSession,
    *,
    principal: Principal,
    kind: Kind,
    content: bytes,
    file_format: FileFormat,
    options: ImportOptions,
    taxonomy: Taxonomy,
    max_rows: int,
    progress: Progress | None = None,
) -> tuple[int, ImportCounts]:
    """Apply the file's rows; (rows in the file, what happened). Raises ``UnreadableFile``."""
    table = await asyncio.to_thread(read_table, content, file_format, max_rows=max_rows)
    run = Run(session=session, principal=principal, kind=kind, options=options, taxonomy=taxonomy)
    run.header = map_header(kind, table.header)
    for warning in run.header.warnings:
        run.warn(warning)
    if run.header.errors:
        run.error(run.header.errors)
        return len(table.rows), run.counts
    codes = CodeReader(taxonomy)
    if kind == "organizations":
        for place in await organization_places(session, run.partner_id):
            run.duplicates.add(
                Known(normalise_name(place.name), place.postal_code, place.lat, place.lon, place.id)
            )
    elif run.target.batches:
        await look_up_refs(run, texts_of(run.header, table.rows, "external_ref"))
    total = len(table.rows)
    for start in range(0, total, CHUNK):
        chunk = table.rows[start : start + CHUNK]
        inputs = [
            read_row(run.header, cells, row=row_number(start + offset), codes=codes)
            for offset, cells in enumerate(chunk)
        ]
        if run.target.batches:
            actions = await apply_chunk(run, inputs)
        else:
            actions = [await apply_row(run, row) for row in inputs]
        for action in actions:
            if action is not None:
                setattr(run.counts, action, getattr(run.counts, action) + 1)
        run.lookups.next_chunk()
        if progress is not None:
            await progress(min(start + CHUNK, total), total)
        await asyncio.sleep(0)  # let request handling in this process run between chunks
    return total, run.counts
