"""Organisations as the sides of an engagement: plain records read in the request's
transaction (so its own changes show), the same for a pair (the driver) and a page."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.dates import today
from app.models import Organization, OrganizationCertification
from app.organizations.parties import PartyRecord, parties_by_id
from tests.fixtures.factories import make_organization, make_partner


async def test_a_pair_and_a_page_read_the_same_records(
    client: httpx.AsyncClient, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    partner = await make_partner(client)
    organizations = [await make_organization(client, partner) for _ in range(3)]
    ids = [organization.id for organization in organizations]
    async with session_factory() as session, session.begin():
        page = await parties_by_id(session, ids)
        pair = await parties_by_id(session, ids[:2])
        one = await parties_by_id(session, ids[2:])
        assert sorted(page) == sorted(ids)
        assert pair == {i: page[i] for i in ids[:2]}
        assert one == {ids[2]: page[ids[2]]}
        assert await parties_by_id(session, []) == {}
        assert await parties_by_id(session, ["org_missing", ids[0]]) == {ids[0]: page[ids[0]]}
        record = page[ids[0]]
        assert (record.partner_id, record.erased_at) == (partner.id, None)
        assert record.certifications  # the factory's organisation holds certificates


async def test_the_transactions_own_changes_are_seen(
    client: httpx.AsyncClient, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    partner = await make_partner(client)
    buyer = await make_organization(client, partner)
    seller = await make_organization(client, partner)
    async with session_factory() as session, session.begin():
        before = await parties_by_id(session, [buyer.id, seller.id])
        session.add(
            OrganizationCertification(
                organization_id=seller.id, code="aaa-first", valid_until=None, verified=False
            )
        )
        await session.execute(
            update(Organization)
            .where(Organization.id == buyer.id)
            .values(contact_name=None, contact_email=None, contact_phone=None)
        )
        await session.flush()
        after = await parties_by_id(session, [buyer.id, seller.id])
        assert after[seller.id].certifications[0] == ("aaa-first", None)
        assert len(after[seller.id].certifications) == len(before[seller.id].certifications) + 1
        assert after[buyer.id].contact_name is None
        assert before[buyer.id].contact_name is not None


def test_only_certificates_valid_on_the_day_count() -> None:
    on = today()
    record = PartyRecord(
        id="org_1",
        partner_id="par_1",
        name="Weberei",
        region=None,
        contact_name=None,
        contact_email=None,
        contact_phone=None,
        erased_at=None,
        certifications=(
            ("en-14683", on),
            ("iso-13485", None),
            ("iso-9001", on - timedelta(days=1)),
            ("iso-14001", date.max),
        ),
    )
    assert record.valid_certifications(on) == ["en-14683", "iso-13485", "iso-14001"]
