"""Organisations as export rows (API.md "Exports"): every organisation the list would
show, in the import's columns, read in chunks."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.organizations.filters import OrganizationFilters
from app.organizations.repository import OrganizationRepository
from app.organizations.service import scoped_filters
from app.tabular.columns import COLUMNS
from app.tabular.export import Sessions, chunks
from app.tabular.writing import Chunks, ExportRow

_EXPORT_FIELDS = [column.field for column in COLUMNS["organizations"]]
_CONTACT_CELLS = [i for i, field in enumerate(_EXPORT_FIELDS) if field.startswith("contact.")]
_CERTIFICATIONS_CELL = _EXPORT_FIELDS.index("certifications")
_LAT_CELL, _LON_CELL = _EXPORT_FIELDS.index("location.lat"), _EXPORT_FIELDS.index("location.lon")


def export_organizations(
    sessions: Sessions, *, principal: Principal, filters: OrganizationFilters
) -> Chunks:
    """Every organisation the list would show, as export rows in chunks. Contact details
    only for the caller's own organisations: the admin's export has none."""
    scoped = scoped_filters(filters, principal)
    own = principal.kind != "admin"

    async def fetch(session: AsyncSession, after: str | None, limit: int) -> list[ExportRow]:
        repository = OrganizationRepository(session)
        rows = await repository.export_chunk(scoped, after=after, limit=limit)
        codes = await repository.certification_codes([row[0] for row in rows])
        return [_export_row(row, codes.get(row[0], []), own=own) for row in rows]

    return chunks(sessions, fetch, lambda row: row)


def _export_row(row: Any, codes: list[str], *, own: bool) -> ExportRow:
    cells = list(row)
    cells[_CERTIFICATIONS_CELL] = codes
    if not own:
        for index in _CONTACT_CELLS:
            cells[index] = None
    return ExportRow(tuple(cells), lon=cells[_LON_CELL], lat=cells[_LAT_CELL])
