"""Offers and requests as export rows (API.md "Exports"): every object the list would
show, in the import's columns, read in chunks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core.dates import today
from app.market.listing import MarketFilters
from app.market.repository import MarketRepository
from app.tabular.export import CHUNK_ROWS, Sessions, chunks
from app.tabular.writing import Chunks


def export_chunks(
    repository: type[MarketRepository[Any]],
    sessions: Sessions,
    *,
    principal: Principal,
    filters: MarketFilters,
    csv_lines: bool = False,
) -> Chunks:
    on = today()

    def stream(session: AsyncSession) -> AsyncIterator[Sequence[Row[Any]]]:
        return repository(session).export_rows(
            principal=principal, filters=filters, on=on, chunk=CHUNK_ROWS, csv_lines=csv_lines
        )

    return chunks(sessions, stream)
