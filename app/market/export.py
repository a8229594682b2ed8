"""Offers and requests as export rows (API.md "Exports"): every object the list would
show, in the import's columns, read in chunks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core.dates import today
from app.market.lifecycle import read_status
from app.market.listing import MarketFilters
from app.market.repository import MarketRepository
from app.tabular.columns import COLUMNS
from app.tabular.export import Sessions, chunks
from app.tabular.writing import Chunks, ExportRow


def export_chunks(
    repository: type[MarketRepository[Any]],
    sessions: Sessions,
    *,
    principal: Principal,
    filters: MarketFilters,
) -> Chunks:
    on = today()

    async def fetch(session: AsyncSession, after: str | None, limit: int) -> Sequence[Row[Any]]:
        return await repository(session).export_chunk(
            principal=principal, filters=filters, on=on, after=after, limit=limit
        )

    return chunks(sessions, fetch, _converter(repository, principal, on=on))


def _converter(
    repository: type[MarketRepository[Any]], principal: Principal, *, on: Any
) -> Callable[[Row[Any]], ExportRow]:
    fields = [column.field for column in COLUMNS[repository.export_kind]]
    count = len(fields)
    status_at, end_at = fields.index("status"), fields.index(repository.end_column)
    reference_at = fields.index("organization_external_ref")
    lat_at, lon_at = fields.index("location.lat"), fields.index("location.lon")
    open_statuses = repository.open_statuses
    # The admin sees every reference; anyone else only their own partner's (another
    # partner's organisation reference is its private bookkeeping).
    viewer = principal.partner_id if principal.kind != "admin" else None

    def convert(row: Row[Any]) -> ExportRow:
        cells = list(row[:count])
        cells[status_at] = read_status(
            cells[status_at], cells[end_at], open_statuses=open_statuses, on=on
        )
        if viewer is not None and row[count] != viewer:
            cells[reference_at] = None
        return ExportRow(tuple(cells), lon=cells[lon_at], lat=cells[lat_at])

    return convert
