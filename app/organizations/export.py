"""Organisations as export rows (API.md "Exports"): every organisation the list would
show, in the import's columns, read in chunks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.organizations.filters import OrganizationFilters
from app.organizations.repository import OrganizationRepository
from app.organizations.service import scoped_filters
from app.tabular.export import CHUNK_ROWS, Sessions, chunks
from app.tabular.writing import Chunks


def export_organizations(
    sessions: Sessions,
    *,
    principal: Principal,
    filters: OrganizationFilters,
    csv_lines: bool = False,
) -> Chunks:
    """Every organisation the list would show, as export rows in chunks. Contact details
    only for the caller's own organisations: the admin's export has none."""
    scoped = scoped_filters(filters, principal)

    def stream(session: AsyncSession) -> AsyncIterator[Sequence[Row[Any]]]:
        return OrganizationRepository(session).export_rows(
            scoped, contacts=not principal.is_admin, chunk=CHUNK_ROWS, csv_lines=csv_lines
        )

    return chunks(sessions, stream)
