"""Every SQL statement of matching: the indexes' load and change log, and what the
endpoints show of ranked offers and requests.

The indexes are read models of offers with their organisations' certifications and
of open requests, so their loaders read those tables directly (a million rows would
not go through a service one object at a time); they never write them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Row, Select, Table, and_, bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import driver
from app.core.driver import Prepared
from app.core.sql import id_chunks
from app.matching.reliability import TrackRecord, track_record
from app.matching.values import Certifications, HeldCertification
from app.models import (
    CapacityRequest,
    Engagement,
    MarketChange,
    Offer,
    Organization,
    OrganizationCertification,
)

# Rows of many shapes (OFFER_COLUMNS is twenty wide); callers read them by attribute.
AnyRow = Row[*tuple[Any, ...]]


OFFER_COLUMNS = (
    Offer.id,
    Offer.organization_id,
    Offer.partner_id,
    Offer.lat,
    Offer.lon,
    Offer.skills,
    Offer.products,
    Offer.capacity_unit,
    Offer.capacity_per_week,
    Offer.capacity_total,
    Offer.reserved_quantity,
    Offer.held_quantity,
    Offer.available_from,
    Offer.available_until,
    Offer.lead_time_days,
    Offer.min_order_quantity,
    Offer.service_radius_km,
    Offer.visibility,
    Offer.status,
    Offer.region,
)


def _in_index(on: date) -> ColumnElement[bool]:
    """The offers the index holds: active, window not ended (``feed.matchable`` as SQL)."""
    return and_(Offer.status == "active", Offer.available_until >= on)


REQUEST_COLUMNS = (
    CapacityRequest.id,
    CapacityRequest.organization_id,
    CapacityRequest.partner_id,
    CapacityRequest.lat,
    CapacityRequest.lon,
    CapacityRequest.skills,
    CapacityRequest.products,
    CapacityRequest.quantity,
    CapacityRequest.unit,
    CapacityRequest.needed_by,
    CapacityRequest.required_certifications,
    CapacityRequest.preferred_certifications,
    CapacityRequest.max_distance_km,
    CapacityRequest.weights,
    CapacityRequest.visibility,
    CapacityRequest.status,
    CapacityRequest.region,
)


# --- the index's load ---------------------------------------------------------------


async def matchable_offers_page(
    session: AsyncSession, *, on: date, after: str, limit: int
) -> Sequence[AnyRow]:
    """The next ``limit`` offers the index holds after ``after`` (keyset: no server cursor)."""
    statement = (
        select(*OFFER_COLUMNS)
        .where(_in_index(on), Offer.id > after)
        .order_by(Offer.id)
        .limit(limit)
    )
    return (await session.execute(statement)).all()


async def certifications_of(
    session: AsyncSession, organization_ids: Iterable[str] | Select[Any]
) -> dict[str, Certifications]:
    """Certifications held per organisation, for the ids given (or selected)."""
    columns = select(
        OrganizationCertification.organization_id,
        OrganizationCertification.code,
        OrganizationCertification.valid_until,
        OrganizationCertification.verified,
        OrganizationCertification.status,
        OrganizationCertification.expected_by,
    )
    column = OrganizationCertification.organization_id
    statements = (
        [columns.where(column.in_(organization_ids))]
        if isinstance(organization_ids, Select)
        else [columns.where(column.in_(chunk)) for chunk in id_chunks(organization_ids)]
    )
    held: dict[str, dict[str, HeldCertification]] = {}
    for statement in statements:
        for (
            organization_id,
            code,
            valid_until,
            verified,
            status,
            expected_by,
        ) in await session.execute(statement):
            held.setdefault(organization_id, {})[code] = _certification(
                valid_until, verified, status, expected_by
            )
    return dict(held)


async def track_records(
    session: AsyncSession, organization_ids: Iterable[str] | Select[Any]
) -> dict[str, TrackRecord]:
    """Per organisation among these (ids, or a select of them), its history as a seller
    (``reliability.track_record``); an organisation without any is left out: a newcomer."""
    columns = select(
        Engagement.seller_organization_id,
        Engagement.status,
        Engagement.created_at,
        Engagement.accepted_at,
        Engagement.closed_at,
    ).where(Engagement.status != "pending")
    column = Engagement.seller_organization_id
    statements = (
        [columns.where(column.in_(organization_ids))]
        if isinstance(organization_ids, Select)
        else [columns.where(column.in_(chunk)) for chunk in id_chunks(organization_ids)]
    )
    by_seller: dict[str, list[tuple[str, datetime, datetime | None, datetime | None]]] = {}
    for statement in statements:
        for seller, status, created_at, accepted_at, closed_at in await session.execute(statement):
            by_seller.setdefault(seller, []).append((status, created_at, accepted_at, closed_at))
    return {seller: track_record(rows) for seller, rows in by_seller.items()}


async def track_records_of_page(
    session: AsyncSession, *, on: date, first: str, last: str
) -> dict[str, TrackRecord]:
    """Track records of the organisations of one page of the load (as for certificates)."""
    page_organizations = select(Offer.organization_id).where(
        _in_index(on), Offer.id.between(first, last)
    )
    return await track_records(session, page_organizations)


async def certifications_of_page(
    session: AsyncSession, *, on: date, first: str, last: str
) -> dict[str, Certifications]:
    """Certificates of one page's organisations (a subquery: no map of them all is held)."""
    page_organizations = select(Offer.organization_id).where(
        _in_index(on), Offer.id.between(first, last)
    )
    return await certifications_of(session, page_organizations)


async def offers_touched(
    session: AsyncSession, offer_ids: Collection[str], organization_ids: Collection[str]
) -> Sequence[AnyRow]:
    """Current rows of these offers and of every offer of these organisations."""
    conditions = [Offer.id.in_(chunk) for chunk in id_chunks(offer_ids)]
    conditions += [Offer.organization_id.in_(chunk) for chunk in id_chunks(organization_ids)]
    rows: dict[str, AnyRow] = {}
    for condition in conditions:
        for row in await session.execute(select(*OFFER_COLUMNS).where(condition)):
            rows[row.id] = row  # an offer of a changed organisation may be named twice
    return list(rows.values())


async def open_requests_page(
    session: AsyncSession, *, on: date, after: str, limit: int
) -> Sequence[AnyRow]:
    """The next ``limit`` open requests needed on ``on`` or later, by id after ``after``."""
    statement = (
        select(*REQUEST_COLUMNS)
        .where(
            CapacityRequest.status == "open",
            CapacityRequest.needed_by >= on,
            CapacityRequest.id > after,
        )
        .order_by(CapacityRequest.id)
        .limit(limit)
    )
    return (await session.execute(statement)).all()


async def requests_touched(session: AsyncSession, request_ids: Collection[str]) -> Sequence[AnyRow]:
    """Current rows of these requests (whatever their status)."""
    rows: list[AnyRow] = []
    for chunk in id_chunks(request_ids):
        statement = select(*REQUEST_COLUMNS).where(CapacityRequest.id.in_(chunk))
        rows += (await session.execute(statement)).all()
    return rows


# --- holds that lapse before the sweep frees them -----------------------------------------
# Pending engagements are the ledger behind ``offers.held_quantity``; a hold past its
# expiry holds nothing any more, whether or not the periodic sweep has written that yet.


async def offers_with_holds_lapsed(
    session: AsyncSession, *, after: datetime | None, until: datetime
) -> set[str]:
    """Offers with a pending hold whose expiry fell in (``after``, ``until``]."""
    statement = select(Engagement.offer_id).where(
        Engagement.status == "pending", Engagement.expires_at <= until
    )
    if after is not None:
        statement = statement.where(Engagement.expires_at > after)
    return set((await session.scalars(statement.distinct())).all())


async def next_hold_lapse(session: AsyncSession, *, after: datetime) -> datetime | None:
    """When the next pending hold lapses (None: no hold is pending past ``after``)."""
    statement = select(func.min(Engagement.expires_at)).where(
        Engagement.status == "pending", Engagement.expires_at > after
    )
    return (await session.execute(statement)).scalar_one_or_none()


# --- the change log -------------------------------------------------------------------


async def last_change_seq(session: AsyncSession) -> int:
    last = await session.scalar(select(func.coalesce(func.max(MarketChange.seq), 0)))
    return int(last or 0)


async def newest_change(session: AsyncSession) -> tuple[int, datetime] | None:
    """(seq, created_at) of the newest change-log entry, if any."""
    statement = (
        select(MarketChange.seq, MarketChange.created_at).order_by(MarketChange.seq.desc()).limit(1)
    )
    row = (await session.execute(statement)).first()
    return None if row is None else (row.seq, row.created_at)


async def change_written_at(session: AsyncSession, seq: int) -> datetime | None:
    """When change ``seq`` was written, or None when the log no longer holds it."""
    statement = select(MarketChange.created_at).where(MarketChange.seq == seq)
    return (await session.execute(statement)).scalar_one_or_none()


async def changes_after_snapshot(
    session: AsyncSession, xmax: int, running: Collection[int]
) -> Sequence[AnyRow]:
    """(seq, kind, object_id, txid) of changes of transactions a reader that last looked with
    the snapshot (``xmax``, ``running``) has not seen: started at or after ``xmax``, or
    running then (``app.core.txids.Snapshot``). Both are index ranges on ``txid``, however
    old the oldest running transaction is."""
    news: ColumnElement[bool] = MarketChange.txid >= xmax
    if running:
        news = news | MarketChange.txid.in_(sorted(running))
    statement = (
        select(MarketChange.seq, MarketChange.kind, MarketChange.object_id, MarketChange.txid)
        .where(news)
        .order_by(MarketChange.seq)
    )
    return (await session.execute(statement)).all()


async def changes_after(session: AsyncSession, seq: int) -> Sequence[AnyRow]:
    """(seq, kind, object_id) of changes after ``seq``, in order."""
    statement = (
        select(MarketChange.seq, MarketChange.kind, MarketChange.object_id)
        .where(MarketChange.seq > seq)
        .order_by(MarketChange.seq)
    )
    return (await session.execute(statement)).all()


async def prune_changes(session: AsyncSession, *, before: datetime) -> None:
    """Forget changes written before ``before``, but always keep the newest one: on SQLite
    ``seq`` is a plain rowid, which an empty table would number from 1 again, below the
    position every worker holds (they would miss the next changes)."""
    newest = select(func.max(MarketChange.seq)).scalar_subquery()
    await session.execute(
        delete(MarketChange).where(MarketChange.created_at < before, MarketChange.seq < newest)
    )


# --- what the endpoints show -------------------------------------------------------------


async def offer_cards(session: AsyncSession, offer_ids: Collection[str]) -> dict[str, Any]:
    """Title, region and organisation (id, name) of each offer."""
    if not offer_ids:
        return {}
    rows = await session.execute(
        select(
            Offer.id,
            Offer.title,
            Offer.region,
            Organization.id.label("organization_id"),
            Organization.name.label("organization_name"),
        )
        .join(Organization, Organization.id == Offer.organization_id)
        .where(Offer.id.in_(offer_ids))
    )
    return {row.id: row for row in rows}


async def request_cards(session: AsyncSession, request_ids: Collection[str]) -> dict[str, Any]:
    """Title, region and organisation (id, name) of each request."""
    if not request_ids:
        return {}
    # The name by key per row: a join made PostgreSQL hash every organisation (a few
    # thousand) for twenty rows (bench/README.md, "Matching: offer -> requests").
    name = (
        select(Organization.name)
        .where(Organization.id == CapacityRequest.organization_id)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(
            CapacityRequest.id,
            CapacityRequest.title,
            CapacityRequest.region,
            CapacityRequest.organization_id,
            name.label("organization_name"),
        ).where(CapacityRequest.id.in_(request_ids))
    )
    return {row.id: row for row in rows}


async def offer_ids_of(session: AsyncSession, organization_id: str, *, on: date) -> list[str]:
    """``offer_ids_by_organization`` for one organisation."""
    return (await offer_ids_by_organization(session, [organization_id], on=on))[organization_id]


async def offer_ids_by_organization(
    session: AsyncSession, organization_ids: Collection[str], *, on: date
) -> dict[str, list[str]]:
    """Each organisation's offers whose window has not ended, whatever their status: what an
    index may hold of it (a window never moves into the past). One query per chunk of ids."""
    found: dict[str, list[str]] = {organization_id: [] for organization_id in organization_ids}
    for chunk in id_chunks(sorted(found)):
        alive = Offer.organization_id.in_(chunk), Offer.available_until >= on
        for organization_id, offer_id in await session.execute(
            select(Offer.organization_id, Offer.id).where(*alive)
        ):
            found[organization_id].append(offer_id)
    return found


# One organisation's certificates: every hold's fit check reads them (on the driver).
_CERTIFICATIONS = cast(Table, OrganizationCertification.__table__)
_HELD_BY_ONE = Prepared(
    select(
        _CERTIFICATIONS.c.code,
        _CERTIFICATIONS.c.valid_until,
        _CERTIFICATIONS.c.verified,
        _CERTIFICATIONS.c.status,
        _CERTIFICATIONS.c.expected_by,
    ).where(_CERTIFICATIONS.c.organization_id == bindparam("organization_id"))
)


async def held_by(session: AsyncSession, organization_id: str) -> Certifications:
    """The certificates ``organization_id`` holds or has in progress, by code."""
    rows = await driver.fetch_all(session, _HELD_BY_ONE, {"organization_id": organization_id})
    return {
        row.code: _certification(row.valid_until, row.verified, row.status, row.expected_by)
        for row in rows
    }


def _certification(
    valid_until: date | None, verified: bool, status: str, expected_by: date | None
) -> HeldCertification:
    """A stored certification as matching sees it: one in progress has only its date (an
    expiry or a verification it might carry from before counts only once it is held)."""
    if status == "in_progress" and expected_by is not None:
        return HeldCertification(expected_by=expected_by)
    return HeldCertification(valid_until, verified)
