"""An export as an HTTP response: rows read in chunks by a session of their own (the
request's has committed by the time a streamed body is sent) and written in the chosen
format (``app.tabular.writing``)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, aclosing
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import StreamingResponse

from app.core.dates import today
from app.core.db import begin_read
from app.core.errors import InvalidInput
from app.tabular.columns import Kind
from app.tabular.writing import (
    MEDIA_TYPES,
    XLSX_MAX_ROWS,
    Chunks,
    ExportFormat,
    HeaderStyle,
    TooManyRows,
    csv_stream,
    file_stream,
    geojson_stream,
    header,
    xlsx_file,
)

R = TypeVar("R", bound=Sequence[Any])
Sessions = Callable[[], AbstractAsyncContextManager[AsyncSession]]
# A repository's rows on a session, a chunk at a time.
Stream = Callable[[AsyncSession], AsyncIterator[Sequence[R]]]
CHUNK_ROWS = 2000
EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file, streamed (Content-Disposition: attachment)",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            MEDIA_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
            "application/geo+json": {"schema": {"type": "object"}},
        },
    }
}


def sessions_of(request: Request) -> Sessions:
    sessionmaker: Sessions = request.app.state.database.sessionmaker
    return sessionmaker


SessionsDep = Annotated[Sessions, Depends(sessions_of)]
FormatQuery = Annotated[ExportFormat, Query(description="csv, xlsx or geojson")]
HeaderQuery = Annotated[
    HeaderStyle,
    Query(description="Header row: field names (as the import reads them) or German labels"),
]


async def chunks(sessions: Sessions, stream: Stream[R]) -> AsyncGenerator[Sequence[R]]:
    """The rows ``stream`` reads, chunk by chunk, in one read transaction of their own."""
    async with sessions() as session:
        await begin_read(session)
        rows = stream(session)
        async with aclosing(rows):  # type: ignore[type-var]
            async for chunk in rows:
                yield chunk


async def export_response(
    kind: Kind, format: ExportFormat, style: HeaderStyle, rows: Callable[[bool], Chunks]
) -> StreamingResponse:
    """The export of ``kind`` as a download. ``rows(csv_lines)`` makes the chunk iterator;
    with ``csv_lines`` the database may hand each row as its CSV line (one cell)."""
    names = header(kind, style)
    body: AsyncIterator[bytes]
    if format == "xlsx":
        try:
            path = await xlsx_file(names, rows(False), sheet=kind)
        except TooManyRows:
            raise InvalidInput.at(
                "format",
                f"more than {XLSX_MAX_ROWS:,} rows do not fit one XLSX sheet; "
                "use format=csv or narrow the filters",
            ) from None
        body = file_stream(path)
    elif format == "csv":
        body = csv_stream(names, rows(True))
    else:
        body = geojson_stream(kind, rows(False))
    extension = "geojson" if format == "geojson" else format
    headers: dict[str, Any] = {
        "Content-Disposition": f'attachment; filename="{kind}-{today().isoformat()}.{extension}"'
    }
    return StreamingResponse(body, media_type=MEDIA_TYPES[format], headers=headers)
