"""The repository base shared by offers and requests (same tenancy, same list filters)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from datetime import date
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Row, Select, and_, bindparam, case, literal, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core import driver
from app.core.bulk import insert_rows
from app.core.db import stream_rows
from app.core.driver import Prepared
from app.core.pagination import PageParams, paginate
from app.core.sql import csv_line, joined_codes, one_of
from app.market.lifecycle import EXPIRED, status_clause
from app.market.listing import MarketFilters, apply_market_filters
from app.market.tenancy import (
    owned_clause,
    owned_clause_for_kind,
    viewer_parameters,
    visible_clause_for_kind,
)
from app.models import Organization
from app.tabular.columns import COLUMNS, Kind

M = TypeVar("M")


_COLUMN_KEYS: dict[Any, tuple[str, ...]] = {}


def column_keys(model: Any) -> tuple[str, ...]:
    """The attribute names of ``model``'s columns (equal to the column names here)."""
    keys = _COLUMN_KEYS.get(model)
    if keys is None:
        keys = _COLUMN_KEYS[model] = tuple(column.key for column in model.__table__.columns)
    return keys


# One row by id, per (table, purpose, kind of key): built once, sent on the driver.
_ROW_STATEMENTS: dict[tuple[str, str, str], Prepared] = {}


def _row_statement(model: Any, kind: str, *, locked_if_owned: bool) -> Prepared:
    """The row with id ``:object_id`` if a key of ``kind`` may see it, or (``locked_if_owned``)
    if it owns it, its row then locked."""
    key = (model.__tablename__, "owned" if locked_if_owned else "visible", kind)
    statement = _ROW_STATEMENTS.get(key)
    if statement is None:
        table = model.__table__
        by_id = table.c.id == bindparam("object_id")
        if locked_if_owned:
            query = select(table).where(by_id, owned_clause_for_kind(table.c, kind))
            statement = Prepared(query.with_for_update())
        else:
            statement = Prepared(select(table).where(by_id, visible_clause_for_kind(model, kind)))
        _ROW_STATEMENTS[key] = statement
    return statement


class MarketRepository(Generic[M]):
    """Reads and writes of a market object (offer or request) as a principal sees it."""

    model: ClassVar[type[Any]]
    end_column: ClassVar[str]  # the date after which an open object reads "expired"
    open_statuses: ClassVar[tuple[str, ...]]
    export_kind: ClassVar[Kind]
    # Field of the export (``COLUMNS[export_kind]``) -> the SQL expression of its cell.
    export_columns: ClassVar[Mapping[str, Any]]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    async def get_visible(self, object_id: str, principal: Principal) -> Any | None:
        """One row as the caller may see it: a plain row of attributes (no ORM identity
        map), read by a statement built once per (table, kind of key) and sent on the
        driver where it can be - the hottest read of the API."""
        statement = _row_statement(self.model, principal.kind, locked_if_owned=False)
        parameters = {"object_id": object_id, **viewer_parameters(principal)}
        return await driver.fetch_one(self.session, statement, parameters)

    async def get_owned(self, object_id: str, principal: Principal) -> M | None:
        statement = select(self.model).where(
            self.model.id == object_id, owned_clause(self.model, principal)
        )
        found: M | None = (await self.session.execute(statement)).scalar_one_or_none()
        return found

    async def get_for_update(self, object_id: str) -> M:
        """The object, its row locked (for changes made on the owner's behalf)."""
        statement = select(self.model).where(self.model.id == object_id).with_for_update()
        found: M = (await self.session.execute(statement)).scalar_one()
        return found

    async def get_owned_for_update(self, object_id: str, principal: Principal) -> M | None:
        statement = (
            select(self.model)
            .where(self.model.id == object_id, owned_clause(self.model, principal))
            .with_for_update()
        )
        found: M | None = (await self.session.execute(statement)).scalar_one_or_none()
        return found

    async def get_owned_row_for_update(self, object_id: str, principal: Principal) -> Any | None:
        """``get_owned_for_update`` as a plain row, read on the driver where it can be (a
        hold's first statement: no ORM object to build when nothing on it changes)."""
        statement = _row_statement(self.model, principal.kind, locked_if_owned=True)
        parameters = {"object_id": object_id, **viewer_parameters(principal)}
        return await driver.fetch_one(self.session, statement, parameters)

    async def open_ids_of_organization(
        self, organization_id: str, *, lock: bool = False
    ) -> list[str]:
        """Ids of the organisation's open objects, by id (``lock``: their rows locked in
        that order)."""
        statement = (
            select(self.model.id)
            .where(
                self.model.organization_id == organization_id,
                self.model.status.in_(self.open_statuses),
            )
            .order_by(self.model.id)
        )
        if lock:
            statement = statement.with_for_update()
        return list(await self.session.scalars(statement))

    async def holder_of_external_ref(self, partner_id: str, ref: str) -> str | None:
        """Id of the partner's object with this ``external_ref``, if any."""
        statement = select(self.model.id).where(
            self.model.partner_id == partner_id, self.model.external_ref == ref
        )
        holder: str | None = await self.session.scalar(statement)
        return holder

    async def holders_of_external_refs(
        self, partner_id: str, refs: Collection[str]
    ) -> dict[str, str]:
        """``external_ref`` -> id of the partner's objects holding one of ``refs``."""
        if not refs:
            return {}
        statement = select(self.model.external_ref, self.model.id).where(
            self.model.partner_id == partner_id
        )
        rows = await self.session.execute(
            one_of(statement, self.model.external_ref, refs, self.dialect)
        )
        return {ref: holder for ref, holder in rows}

    async def get_owned_many_for_update(
        self, object_ids: Collection[str], principal: Principal
    ) -> dict[str, M]:
        """The objects among ``object_ids`` that ``principal`` owns, their rows locked."""
        if not object_ids:
            return {}
        statement = (
            select(self.model)
            .where(self.model.id.in_(object_ids), owned_clause(self.model, principal))
            .order_by(self.model.id)
            .with_for_update()
        )
        return {item.id: item for item in (await self.session.execute(statement)).scalars()}

    async def add_all(self, items: Sequence[M]) -> None:
        """Insert ``items`` in one flush (the ORM sends one multi-row INSERT)."""
        self.session.add_all(items)
        await self.session.flush()

    async def insert_all(self, items: Sequence[M]) -> None:
        """Insert new ``items`` in one bulk write (``app.core.bulk``) without the session:
        the objects stay out of it.

        For an import's chunks: the unit of work would cost each row more than its INSERT,
        and a session holding 100k objects makes every savepoint and the commit walk them.
        Whoever changes one of the rows later in the transaction reads it again.
        """
        if not items:
            return
        for item in items:
            item.version = 1  # type: ignore[attr-defined]  # where the version counter starts
        # The columns the items set (they are built alike). The rest take the database's
        # defaults: COPY knows no Python-side ones, so the domain sets every value it needs.
        keys = [key for key in column_keys(self.model) if key in vars(items[0])]
        rows = [{key: vars(item)[key] for key in keys} for item in items]
        await insert_rows(self.session, self.model.__table__, rows)

    async def add(self, item: M) -> M:
        self.session.add(item)
        await self.session.flush()
        return item

    async def export_rows(
        self,
        *,
        principal: Principal,
        filters: MarketFilters,
        on: date,
        chunk: int,
        csv_lines: bool = False,
    ) -> AsyncIterator[Sequence[Row[Any]]]:
        """The objects the list would show, ``chunk`` rows at a time from one streamed
        query: rows of the export's cells in ``COLUMNS`` order, formatted by the database
        (``csv_lines``, PostgreSQL: each row one cell, its CSV line). In no particular
        order: a million rows read in table order (one scan) come back several times
        faster than walked through the primary key's index."""
        cells = self._export_cells(principal, on)
        if csv_lines and self.dialect == "postgresql":
            text = [column.is_text for column in COLUMNS[self.export_kind]]
            cells = [csv_line(list(zip(cells, text, strict=True)))]
        statement = self._filtered(
            select(*cells).outerjoin(Organization, Organization.id == self.model.organization_id),
            principal=principal,
            filters=filters,
            on=on,
        )
        async for rows in stream_rows(self.session, statement, chunk=chunk):
            yield rows

    def _export_cells(self, principal: Principal, on: date) -> list[Any]:
        cells: dict[str, Any] = {}
        for column in COLUMNS[self.export_kind]:
            expression = self.export_columns[column.field]
            cells[column.field] = (
                joined_codes(self.dialect, expression) if column.multi else expression
            )
        # The status as GET reads it: an open object past its end date is expired.
        ended = and_(
            self.model.status.in_(self.open_statuses),
            getattr(self.model, self.end_column) < on,
        )
        cells["status"] = case((ended, literal(EXPIRED)), else_=self.model.status)
        # Another partner's organisation reference is its private bookkeeping.
        if not principal.is_admin:
            reference = Organization.external_ref
            mine = self.model.partner_id == principal.partner_id
            cells["organization_external_ref"] = case((mine, reference), else_=null())
        return list(cells.values())

    def _filtered(
        self, statement: Select[Any], *, principal: Principal, filters: MarketFilters, on: date
    ) -> Select[Any]:
        return apply_market_filters(
            statement,
            self.model,
            dialect=self.dialect,
            principal=principal,
            filters=filters,
            status_clause=status_clause(
                filters.statuses,
                status_column=self.model.status,
                end_column=getattr(self.model, self.end_column),
                open_statuses=self.open_statuses,
                on=on,
            ),
        )

    async def list_page(
        self, *, principal: Principal, filters: MarketFilters, page: PageParams, on: date
    ) -> Sequence[M]:
        statement = self._filtered(select(self.model), principal=principal, filters=filters, on=on)
        rows: Sequence[M] = (
            (await self.session.execute(paginate(statement, self.model.id, page))).scalars().all()
        )
        return rows
