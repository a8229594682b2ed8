"""Who sees which notice (network, shared, drafts), who may change it, and the list filters."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.dates import today
from app.models import Notice
from tests.fixtures.assertions import assert_invalid, assert_problem, day
from tests.fixtures.factories import ADMIN, Market
from tests.fixtures.tenancy import (
    A1_OWNER,
    A_NETWORK,
    B_NETWORK,
    EVERY_MEMBER,
    MEMBERS,
    WRITERS,
    assert_hidden,
    headers_of,
    list_all,
)
from tests.notices.support import post_notice

ALL_STATUSES = ["draft", "published", "withdrawn"]
# label -> (owner organisation, visibility, status, who sees it)
NOTICES: dict[str, tuple[str, str, str, frozenset[str]]] = {
    "a1-shared-published": ("a1", "shared", "published", EVERY_MEMBER),
    "a1-network-published": ("a1", "network", "published", A_NETWORK),
    "a1-shared-withdrawn": ("a1", "shared", "withdrawn", EVERY_MEMBER),
    "a1-network-withdrawn": ("a1", "network", "withdrawn", A_NETWORK),
    "a1-shared-draft": ("a1", "shared", "draft", A1_OWNER),
    "a1-network-draft": ("a1", "network", "draft", A1_OWNER),
    "b1-shared-published": ("b1", "shared", "published", EVERY_MEMBER),
    "b1-network-published": ("b1", "network", "published", B_NETWORK),
    "b1-shared-draft": ("b1", "shared", "draft", frozenset({"b", "b1"})),
}


async def _world(client: httpx.AsyncClient, market: Market) -> dict[str, str]:
    ids: dict[str, str] = {}
    for label, (owner, visibility, status, _) in NOTICES.items():
        notice = await post_notice(
            client,
            getattr(market, owner),
            visibility=visibility,
            status="published" if status == "withdrawn" else status,
            title=label,
        )
        if status == "withdrawn":
            withdrawn = await client.delete(f"/v1/notices/{notice['id']}", headers=market.a.headers)
            assert withdrawn.status_code == 200
        ids[label] = notice["id"]
    return ids


async def test_who_sees_which_notice(client: httpx.AsyncClient, market: Market) -> None:
    ids = await _world(client, market)
    for who in MEMBERS:
        headers = headers_of(market, who)
        expected = {label for label, (*_, viewers) in NOTICES.items() if who in viewers}
        for label, notice_id in ids.items():
            response = await client.get(f"/v1/notices/{notice_id}", headers=headers)
            if label in expected:
                assert response.status_code == 200, (who, label)
            else:
                assert_hidden(response)
        listed = await list_all(client, "/v1/notices", headers, status=ALL_STATUSES)
        assert {label for label, notice_id in ids.items() if notice_id in listed} == expected, who
        published = await list_all(client, "/v1/notices", headers)
        assert set(published) == {
            ids[label] for label in expected if NOTICES[label][2] == "published"
        }, who
    everything = await list_all(client, "/v1/notices", ADMIN, status=ALL_STATUSES)
    assert set(everything) == set(ids.values())


async def test_only_the_owner_changes_a_notice(client: httpx.AsyncClient, market: Market) -> None:
    ids = await _world(client, market)
    for label in ("a1-shared-published", "a1-network-draft", "b1-shared-published"):
        owner = NOTICES[label][0]
        for who in MEMBERS:
            url = f"/v1/notices/{ids[label]}"
            response = await client.patch(url, json={"body": who}, headers=headers_of(market, who))
            if who in WRITERS[owner]:
                assert response.status_code == 200, (who, label, response.text)
            else:
                # Readable or not, another's notice answers 404 to a change (as offers do).
                assert_hidden(response)
                assert_hidden(await client.delete(url, headers=headers_of(market, who)))
        assert_problem(await client.patch(url, json={"body": "x"}, headers=ADMIN), 403)
        assert_problem(await client.delete(url, headers=ADMIN), 403)


async def test_filters(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    masks = await post_notice(
        client, market.a1, kind="call_for_partners", topics=["mask.surgical.type-iir"]
    )
    funding = await post_notice(
        client,
        market.a2,
        kind="funding",
        topics=["textile.sewing"],
        language="de-ch",
        title="Förderaufruf Textil",
        deadline=day(0),
    )
    standard = await post_notice(
        client,
        market.b1,
        kind="standard",
        topics=["en-14683"],
        language="en",
        body="The revised EN 14683 tightens *splash* resistance.",
        deadline=day(20),
    )
    network = await post_notice(
        client,
        market.b1,
        kind="other",
        topics=[],
        visibility="network",
        deadline=day(5),
        language="fr",
    )
    # A call whose deadline has passed (the API refuses past deadlines on input).
    async with session_factory() as session, session.begin():
        await session.execute(
            update(Notice)
            .where(Notice.id == network["id"])
            .values(deadline=today() - timedelta(days=2))
        )
    draft = await post_notice(client, market.b2, status="draft", kind="funding")

    async def found(**params: object) -> set[str]:
        return set(await list_all(client, "/v1/notices", market.b.headers, **params))

    every = {masks["id"], funding["id"], standard["id"], network["id"]}
    assert await found() == every
    assert await found(kind="funding") == {funding["id"]}
    assert await found(kind="funding", status="draft") == {draft["id"]}
    assert await found(topic="mask") == {masks["id"]}
    assert await found(topic="MASK.Surgical") == {masks["id"]}
    assert await found(topic="mask.surgical.type-iir") == {masks["id"]}
    assert await found(topic="textile") == {funding["id"]}
    assert await found(topic="en-14683") == {standard["id"]}
    assert await found(topic="mask.community") == set()
    assert await found(partner_id=market.a.id) == {masks["id"], funding["id"]}
    assert await found(organization_id=market.b1.id) == {standard["id"], network["id"]}
    assert await found(language="de") == {masks["id"], funding["id"]}
    assert await found(language="DE-CH") == {funding["id"]}
    assert await found(visibility="network") == {network["id"]}
    assert await found(visibility="shared") == every - {network["id"]}
    assert await found(q="TEXTIL") == {funding["id"]}
    assert await found(q="splash") == {standard["id"]}
    assert await found(q="100%") == set()
    assert await found(open="true") == {masks["id"], funding["id"], standard["id"]}
    assert await found(open="false") == {network["id"]}
    assert await found(status=["draft", "published"]) == every | {draft["id"]}

    # Another partner never sees b's network notice, filtered or not.
    assert set(await list_all(client, "/v1/notices", market.a1.headers, open="false")) == set()

    unknown = await client.get(
        "/v1/notices", params={"topic": "mask.nope"}, headers=market.a.headers
    )
    assert_invalid(unknown, "topic")
    for params, field in [
        ({"kind": "advert"}, "kind"),
        ({"status": "closed"}, "status[0]"),
        ({"visibility": "public"}, "visibility"),
        ({"language": "german"}, "language"),
        ({"open": "maybe"}, "open"),
        ({"topic": "Not a code"}, "topic"),
    ]:
        assert_invalid(
            await client.get("/v1/notices", params=params, headers=market.a.headers), field
        )


async def test_newest_first_in_pages(client: httpx.AsyncClient, market: Market) -> None:
    made = [(await post_notice(client, market.a1, title=f"n{i}"))["id"] for i in range(5)]
    assert await list_all(client, "/v1/notices", market.a1.headers) == made[::-1]
