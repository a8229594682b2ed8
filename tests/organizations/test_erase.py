"""POST /v1/organizations/{id}/erase (GDPR Art. 17): the contact persons' names, e-mails
and phones and the message texts go for good, from every table that kept a copy (the
event feed, webhook payloads, stored idempotent answers); the organisation closes; its
engagements stay, it shown as erased."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.db import Base
from tests.engagements.support import act, engaged, make_deal
from tests.fixtures.assertions import assert_problem
from tests.fixtures.factories import ADMIN, Market

PERSON = {
    "name": "Anna Musterfrau",
    "email": "anna.musterfrau@example.org",
    "phone": "+49 171 5550199",
}
WRITTEN = "Rufen Sie Anna direkt an: 0171 5550199"


async def _everything_stored(sessions: async_sessionmaker[AsyncSession]) -> str:
    """Every row of every table, as text: what the database holds, whatever the column."""
    dump = []
    async with sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                dump.append(repr(tuple(row)))
    return "\n".join(dump)


async def _seller_with_a_person(client: httpx.AsyncClient, market: Market) -> None:
    """a1 gets a contact person (the change is an event, sent to webhooks)."""
    patched = await client.patch(
        f"/v1/organizations/{market.a1.id}", json={"contact": PERSON}, headers=market.a.headers
    )
    assert patched.status_code == 200, patched.text


async def test_erasing_removes_the_person_from_every_copy_and_keeps_the_history(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    hook = await client.post(
        "/v1/webhook-endpoints",
        json={"url": "http://127.0.0.1:9/hooks", "event_types": ["*"]},
        headers=market.a.headers,
    )
    assert hook.status_code == 201, hook.text
    await _seller_with_a_person(client, market)
    deal = await make_deal(client, market)
    engagement = await engaged(client, deal, 100)
    accepted = await act(client, engagement["id"], "accept", deal.seller, note=WRITTEN)
    assert accepted.status_code == 200, accepted.text
    # The seller's message is sent with an Idempotency-Key: its answer is kept for a replay.
    seller_says = {**deal.seller, "Idempotency-Key": "message-1"}
    for text, headers in ((WRITTEN, seller_says), ("Danke, wir melden uns.", deal.buyer)):
        sent = await client.post(
            f"/v1/engagements/{engagement['id']}/messages", json={"text": text}, headers=headers
        )
        assert sent.status_code == 201, sent.text
    before = await _everything_stored(session_factory)
    assert PERSON["email"] in before
    assert WRITTEN in before

    erased = await client.post(
        f"/v1/organizations/{market.a1.id}/erase",
        json={"confirm": True},
        headers=market.a.headers,
    )
    assert erased.status_code == 200, erased.text
    body = erased.json()
    assert body["contact"] == ["name", "email", "phone"]
    removed = body["removed"]
    assert removed["messages"] == 1
    assert removed["notes"] == 1
    assert removed["events"] >= 2  # the contact change, the engagement's events
    assert removed["webhook_deliveries"] >= 2
    assert removed["idempotency_records"] == 1
    organization = body["organization"]
    assert organization["contact"] is None
    assert organization["status"] == "closed"
    assert organization["erased_at"] == body["erased_at"]

    # Gone from the database, not flagged.
    after = await _everything_stored(session_factory)
    for personal in (*PERSON.values(), WRITTEN):
        assert personal not in after, personal
    assert "Danke, wir melden uns." in after  # the other side's words are theirs

    # The history stays, the organisation shown as erased.
    seen = await client.get(f"/v1/engagements/{engagement['id']}", headers=deal.buyer)
    assert seen.status_code == 200
    seller = seen.json()["seller"]
    assert (seller["erased"], seller["contact"]) == (True, None)
    assert seen.json()["status"] == "accepted"  # an agreed deal outlives the close
    messages = await client.get(f"/v1/engagements/{engagement['id']}/messages", headers=deal.buyer)
    assert sorted(m["text"] for m in messages.json()["data"]) == ["", "Danke, wir melden uns."]
    # It is closed: its offers with it, its keys revoked.
    offer = await client.get(f"/v1/offers/{deal.offer['id']}", headers=market.a.headers)
    assert offer.json()["status"] == "closed"
    assert_problem(await client.get("/v1/offers", headers=market.a1.headers), 401)


async def test_erasing_needs_confirm_true_and_says_so(
    client: httpx.AsyncClient, market: Market
) -> None:
    url = f"/v1/organizations/{market.a1.id}/erase"
    for body in ({}, {"confirm": False}, {"confirm": "yes"}):
        problem = assert_problem(await client.post(url, json=body, headers=market.a.headers), 422)
        assert [error["field"] for error in problem["errors"]] == ["confirm"]
    still = await client.get(f"/v1/organizations/{market.a1.id}", headers=market.a.headers)
    assert still.json()["contact"] is not None


async def test_only_its_partner_itself_and_the_operator_may_erase(
    client: httpx.AsyncClient, market: Market
) -> None:
    url = f"/v1/organizations/{market.a1.id}/erase"
    for outsider in (market.b.headers, market.a2.headers, market.b1.headers):
        assert_problem(await client.post(url, json={"confirm": True}, headers=outsider), 404)
    itself = await client.post(url, json={"confirm": True}, headers=market.a1.headers)
    assert itself.status_code == 200, itself.text
    # Erasing again finds nothing more to remove.
    again = await client.post(
        f"/v1/organizations/{market.a2.id}/erase", json={"confirm": True}, headers=ADMIN
    )
    assert again.status_code == 200, again.text
    twice = await client.post(url, json={"confirm": True}, headers=ADMIN)
    assert twice.status_code == 200
    assert twice.json()["contact"] == []
    assert all(count == 0 for count in twice.json()["removed"].values())
