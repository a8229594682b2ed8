from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from datetime import date
from typing import Any, TypeVar, cast

from sqlalchemy import Row, Select, Table, bindparam, exists, null, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.core import driver
from app.core.db import stream_rows
from app.core.driver import Prepared
from app.core.pagination import PageParams, paginate
from app.core.sql import code_prefix_match, csv_line, joined_values, one_of, text_contains
from app.geo.filters import near_clause
from app.models import Organization, OrganizationCertification
from app.organizations.filters import OrganizationFilters
from app.tabular.columns import COLUMNS

S = TypeVar("S", bound=Select[Any])

# Built once (see app.auth.repository): these run on every offer and request POST.
_ORGANIZATIONS = cast(Table, Organization.__table__)
_PLAIN_BY_ID = select(Organization).where(Organization.id == bindparam("organization_id"))
_HELD_CERTIFICATIONS = select(
    OrganizationCertification.code, OrganizationCertification.valid_until
).where(OrganizationCertification.organization_id == bindparam("organization_id"))

# The two sides of an engagement (``parties``): one statement text for any pair.
_CERTIFICATIONS = cast(Table, OrganizationCertification.__table__)
_PARTY_COLUMNS = [
    _ORGANIZATIONS.c[name]
    for name in (
        "id",
        "partner_id",
        "name",
        "region",
        "contact_name",
        "contact_email",
        "contact_phone",
        "erased_at",
    )
]
_CERTIFICATION_COLUMNS = [_CERTIFICATIONS.c[n] for n in ("organization_id", "code", "valid_until")]


def _one_of_pair(column: Any) -> Any:
    return or_(column == bindparam("first"), column == bindparam("second"))


_PAIR = Prepared(select(*_PARTY_COLUMNS).where(_one_of_pair(_ORGANIZATIONS.c.id)))
# A deal shows the certificates a side holds, not those it is still acquiring.
_HELD_ONLY = _CERTIFICATIONS.c.status == "held"
_PAIR_CERTIFICATIONS = Prepared(
    select(*_CERTIFICATION_COLUMNS).where(
        _one_of_pair(_CERTIFICATIONS.c.organization_id), _HELD_ONLY
    )
)

# Field of the export (``COLUMNS["organizations"]``) -> the SQL expression of its cell.
_EXPORT_COLUMNS = {
    "id": Organization.id,
    "external_ref": Organization.external_ref,
    "name": Organization.name,
    "kind": Organization.kind,
    "address.street": Organization.street,
    "address.postal_code": Organization.postal_code,
    "address.city": Organization.city,
    "address.country": Organization.country,
    "location.lat": Organization.lat,
    "location.lon": Organization.lon,
    "contact.name": Organization.contact_name,
    "contact.email": Organization.contact_email,
    "contact.phone": Organization.contact_phone,
    "website": Organization.website,
    "description": Organization.description,
}


class OrganizationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def _select(self) -> Select[Organization]:
        return select(Organization).options(selectinload(Organization.certifications))

    async def get(self, organization_id: str) -> Organization | None:
        statement = self._select().where(Organization.id == organization_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def parties(
        self, organization_ids: Collection[str]
    ) -> tuple[Sequence[Any], Sequence[Any]]:
        """Plain rows of these organisations (id, partner, name, region, contact, erasure)
        and of the certificates they hold (organisation id, code, valid until; none in
        progress). One or two ids, the sides of an engagement, go on the driver; more (a
        page of engagements) through the session."""
        ids = sorted(set(organization_ids))
        if not ids:
            return [], []
        if len(ids) <= 2:
            pair = {"first": ids[0], "second": ids[-1]}
            return (
                await driver.fetch_all(self.session, _PAIR, pair),
                await driver.fetch_all(self.session, _PAIR_CERTIFICATIONS, pair),
            )
        organizations = await self.session.execute(
            select(*_PARTY_COLUMNS).where(_ORGANIZATIONS.c.id.in_(ids))
        )
        certifications = await self.session.execute(
            select(*_CERTIFICATION_COLUMNS).where(
                _CERTIFICATIONS.c.organization_id.in_(ids), _HELD_ONLY
            )
        )
        return organizations.all(), certifications.all()

    async def get_plain(self, organization_id: str) -> Organization | None:
        """The organisation without its certifications (one query; the POST hot path)."""
        result = await self.session.execute(_PLAIN_BY_ID, {"organization_id": organization_id})
        found: Organization | None = result.scalar_one_or_none()
        return found

    async def get_plain_many(self, organization_ids: Collection[str]) -> Sequence[Organization]:
        """The organisations without their certifications (one query for an import's chunk),
        as read-only rows with the model's attributes: an import asks for the same few
        hundred every chunk, and mapped instances (which the session forgets between
        chunks) cost it more than the query."""
        if not organization_ids:
            return []
        statement = select(_ORGANIZATIONS).where(_ORGANIZATIONS.c.id.in_(organization_ids))
        rows = (await self.session.execute(statement)).all()
        return cast(Sequence[Organization], rows)  # read like the model: the same attributes

    async def holders_of_external_refs(
        self, partner_id: str, refs: Collection[str]
    ) -> dict[str, str]:
        """``external_ref`` -> id of the partner's organisations holding one of ``refs``."""
        if not refs:
            return {}
        statement = select(Organization.external_ref, Organization.id).where(
            Organization.partner_id == partner_id
        )
        rows = await self.session.execute(
            one_of(statement, Organization.external_ref, refs, self.dialect)
        )
        return {ref: holder for ref, holder in rows if ref is not None}

    async def certifications_of(
        self, organization_ids: Collection[str]
    ) -> dict[str, dict[str, date | None]]:
        """Per organisation, code -> valid_until of every certificate it holds."""
        held: dict[str, dict[str, date | None]] = {key: {} for key in organization_ids}
        if not organization_ids:
            return held
        rows = await self.session.execute(
            select(
                OrganizationCertification.organization_id,
                OrganizationCertification.code,
                OrganizationCertification.valid_until,
            ).where(OrganizationCertification.organization_id.in_(organization_ids))
        )
        for organization_id, code, valid_until in rows:
            held[organization_id][code] = valid_until
        return held

    async def holder_of_external_ref(self, partner_id: str, ref: str) -> str | None:
        """Id of the partner's organisation with this ``external_ref``, if any."""
        statement = select(Organization.id).where(
            Organization.partner_id == partner_id, Organization.external_ref == ref
        )
        holder: str | None = await self.session.scalar(statement)
        return holder

    async def places_of_partner(self, partner_id: str) -> Sequence[Any]:
        """Id, name, postal code and coordinates of the partner's open organisations (the
        candidates an import compares new rows with for duplicates): plain rows."""
        found = await self.session.execute(
            select(
                Organization.id,
                Organization.name,
                Organization.postal_code,
                Organization.lat,
                Organization.lon,
            ).where(Organization.partner_id == partner_id, Organization.status != "closed")
        )
        return found.all()

    async def held_certifications(self, organization_id: str) -> dict[str, date | None]:
        """Code -> valid_until of every certification the organisation holds or has in
        progress (an offer may claim either: a converting firm posts ahead of its
        certificate)."""
        rows = await self.session.execute(
            _HELD_CERTIFICATIONS, {"organization_id": organization_id}
        )
        return {code: valid_until for code, valid_until in rows}

    async def get_for_update(self, organization_id: str) -> Organization | None:
        statement = self._select().where(Organization.id == organization_id).with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def add(self, organization: Organization) -> Organization:
        self.session.add(organization)
        await self.session.flush()
        return organization

    async def list_page(
        self, filters: OrganizationFilters, page: PageParams
    ) -> Sequence[Organization]:
        statement = self._filtered(self._select(), filters)
        result = await self.session.execute(paginate(statement, Organization.id, page))
        return result.scalars().all()

    async def export_rows(
        self, filters: OrganizationFilters, *, contacts: bool, chunk: int, csv_lines: bool = False
    ) -> AsyncIterator[Sequence[Row[Any]]]:
        """The organisations the list would show, ``chunk`` rows at a time from one
        streamed query, in no particular order: rows of the export's cells in ``COLUMNS``
        order (``contacts``: with the contact details, else those cells empty;
        ``csv_lines``, PostgreSQL: each row one cell, its CSV line)."""
        cells: list[Any] = []
        for column in COLUMNS["organizations"]:
            if column.field == "certifications":
                cells.append(
                    joined_values(
                        self.dialect,
                        OrganizationCertification.code,
                        OrganizationCertification.organization_id == Organization.id,
                        outer=Organization,
                    )
                )
            elif column.field.startswith("contact.") and not contacts:
                cells.append(null())
            else:
                cells.append(_EXPORT_COLUMNS[column.field])
        if csv_lines and self.dialect == "postgresql":
            text = [column.is_text for column in COLUMNS["organizations"]]
            cells = [csv_line(list(zip(cells, text, strict=True)))]
        statement = self._filtered(select(*cells).select_from(Organization), filters)
        async for rows in stream_rows(self.session, statement, chunk=chunk):
            yield rows

    def _filtered(self, statement: S, filters: OrganizationFilters) -> S:
        if filters.partner_id is not None:
            statement = statement.where(Organization.partner_id == filters.partner_id)
        if filters.organization_id is not None:
            statement = statement.where(Organization.id == filters.organization_id)
        if filters.kind is not None:
            statement = statement.where(Organization.kind == filters.kind)
        if filters.status is not None:
            statement = statement.where(Organization.status == filters.status)
        if filters.region is not None:
            statement = statement.where(Organization.region == filters.region)
        if filters.verified is not None:
            statement = statement.where(Organization.verified == filters.verified)
        if filters.certification is not None:
            statement = statement.where(
                exists().where(
                    OrganizationCertification.organization_id == Organization.id,
                    code_prefix_match(OrganizationCertification.code, filters.certification),
                )
            )
        if filters.q:
            statement = statement.where(
                text_contains(
                    [Organization.name, Organization.description, Organization.city], filters.q
                )
            )
        if filters.near is not None:
            statement = statement.where(
                near_clause(self.dialect, Organization.lat, Organization.lon, filters.near)
            )
        return statement
