"""Notices: create, read, change, withdraw; validation; ETags; the events they write."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.events.test_router import events
from tests.fixtures.assertions import assert_invalid, assert_problem, day
from tests.fixtures.factories import ADMIN, Market
from tests.fixtures.tenancy import assert_hidden
from tests.notices.support import notice_body, post_notice


async def test_create_read_change_withdraw(client: httpx.AsyncClient, market: Market) -> None:
    created = await client.post(
        "/v1/notices",
        json=notice_body(
            market.a1.id,
            deadline=day(30),
            links=["https://example.org/a", {"url": "https://example.org/b", "title": "Forms"}],
            language="DE-CH",
        ),
        headers=market.a.headers,
    )
    assert created.status_code == 201, created.text
    notice = created.json()
    assert notice["id"].startswith("ntc_")
    assert (notice["partner_id"], notice["organization_id"]) == (market.a.id, market.a1.id)
    assert notice["organization_name"].startswith("Musterweberei")
    assert (notice["kind"], notice["status"], notice["visibility"]) == (
        "call_for_partners",
        "published",
        "shared",
    )
    assert notice["links"] == [
        {"url": "https://example.org/a", "title": None},
        {"url": "https://example.org/b", "title": "Forms"},
    ]
    assert (notice["deadline"], notice["language"]) == (day(30), "de-ch")
    assert notice["topics"] == ["mask.surgical", "textile.sewing"]
    assert "<strong>sewing</strong>" in notice["body_html"]
    assert notice["published_at"] is not None
    assert notice["withdrawn_at"] is None
    assert created.headers["etag"] == '"1"'

    read = await client.get(f"/v1/notices/{notice['id']}", headers=market.b1.headers)
    assert read.status_code == 200
    assert read.json() == notice
    etag = read.headers["etag"]

    stale = await client.patch(
        f"/v1/notices/{notice['id']}",
        json={"title": "x"},
        headers={**market.a1.headers, "If-Match": '"7"'},
    )
    assert_problem(stale, 412)
    changed = await client.patch(
        f"/v1/notices/{notice['id']}",
        json={"title": "Partners found", "deadline": None, "kind": "other", "links": []},
        headers={**market.a1.headers, "If-Match": etag},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["title"], body["deadline"], body["kind"], body["links"]) == (
        "Partners found",
        None,
        "other",
        [],
    )
    assert changed.headers["etag"] == '"2"'
    assert body["published_at"] == notice["published_at"]

    withdrawn = await client.delete(f"/v1/notices/{notice['id']}", headers=market.a.headers)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["withdrawn_at"] is not None
    again = await client.delete(f"/v1/notices/{notice['id']}", headers=market.a.headers)
    assert again.status_code == 200
    assert again.json() == withdrawn.json()
    refused = await client.patch(
        f"/v1/notices/{notice['id']}", json={"title": "Back"}, headers=market.a.headers
    )
    assert_problem(refused, 409)
    # Still readable (its history stays), no longer listed by default.
    assert (await client.get(f"/v1/notices/{notice['id']}", headers=market.b.headers)).json()[
        "status"
    ] == "withdrawn"


async def test_an_organisation_key_posts_for_itself(
    client: httpx.AsyncClient, market: Market
) -> None:
    notice = await post_notice(client, market.b2, as_org=True, kind="funding")
    assert (notice["partner_id"], notice["organization_id"]) == (market.b.id, market.b2.id)
    assert notice["kind"] == "funding"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"body": ""}, "body"),
        ({"body": "x" * 20_001}, "body"),
        ({"kind": "advert"}, "kind"),
        ({"kind": None}, "kind"),
        ({"topics": ["mask.surgical", "textile.nope"]}, "topics[1]"),
        ({"topics": ["Not A Code!"]}, "topics[0]"),
        ({"deadline": "31.01.2030"}, "deadline"),
        ({"deadline": day(-1)}, "deadline"),
        ({"links": ["javascript:alert(1)"]}, "links[0].url"),
        ({"links": [{"url": "ftp://example.org"}]}, "links[0].url"),
        ({"links": [{"url": "https://example.org", "title": ""}]}, "links[0].title"),
        ({"links": [{"url": "https://example.org", "rel": "me"}]}, "links[0].rel"),
        ({"links": ["https://example.org"] * 21}, "links"),
        ({"language": "deutsch"}, "language"),
        ({"visibility": "public"}, "visibility"),
        ({"status": "withdrawn"}, "status"),
        ({"partner_id": "par_x"}, "partner_id"),
        ({"published_at": "2030-01-01T00:00:00Z"}, "published_at"),
    ],
)
async def test_invalid_notices_name_the_field(
    client: httpx.AsyncClient, market: Market, change: dict[str, Any], field: str
) -> None:
    response = await client.post(
        "/v1/notices", json=notice_body(market.a1.id, **change), headers=market.a.headers
    )
    assert_invalid(response, field)


async def test_who_may_post_for_which_organisation(
    client: httpx.AsyncClient, market: Market
) -> None:
    missing = await client.post("/v1/notices", json=notice_body(), headers=market.a.headers)
    assert_invalid(missing, "organization_id")
    foreign = await client.post(
        "/v1/notices", json=notice_body(market.b1.id), headers=market.a.headers
    )
    assert_hidden(foreign)
    sibling = await client.post(
        "/v1/notices", json=notice_body(market.a2.id), headers=market.a1.headers
    )
    assert_hidden(sibling)
    admin = await client.post("/v1/notices", json=notice_body(market.a1.id), headers=ADMIN)
    assert_problem(admin, 403)
    anonymous = await client.post("/v1/notices", json=notice_body(market.a1.id))
    assert_problem(anonymous, 401)


async def test_invalid_changes_name_the_field(client: httpx.AsyncClient, market: Market) -> None:
    notice = await post_notice(client, market.a1)
    url = f"/v1/notices/{notice['id']}"
    for change, field in [
        ({"title": None}, "title"),
        ({"topics": ["mask.nope"]}, "topics[0]"),
        ({"deadline": day(-3)}, "deadline"),
        ({"organization_id": market.a2.id}, "organization_id"),
        ({"links": [{"title": "no url"}]}, "links[0].url"),
    ]:
        assert_invalid(await client.patch(url, json=change, headers=market.a.headers), field)
    unpublish = await client.patch(url, json={"status": "draft"}, headers=market.a.headers)
    assert assert_problem(unpublish, 409)["errors"][0]["field"] == "status"
    assert (await client.get(url, headers=market.a.headers)).headers["etag"] == '"1"'


async def test_a_change_that_changes_nothing_writes_nothing(
    client: httpx.AsyncClient, market: Market
) -> None:
    notice = await post_notice(client, market.a1)
    same = await client.patch(
        f"/v1/notices/{notice['id']}",
        json={"title": notice["title"], "status": "published", "links": notice["links"]},
        headers=market.a1.headers,
    )
    assert same.status_code == 200, same.text
    assert same.headers["etag"] == '"1"'
    assert same.json() == notice
    seen, _ = await events(client, market.a1.headers, types="notice.*")
    assert [event["type"] for event in seen] == ["notice.published"]


async def test_drafts_publish_and_announce(client: httpx.AsyncClient, market: Market) -> None:
    draft = await post_notice(client, market.a1, status="draft", visibility="network")
    assert (draft["status"], draft["published_at"]) == ("draft", None)
    draft_change = await client.patch(
        f"/v1/notices/{draft['id']}", json={"body": "Draft *two*"}, headers=market.a.headers
    )
    assert draft_change.status_code == 200
    assert (await events(client, market.a.headers, types="notice.*"))[0] == []

    published = await client.patch(
        f"/v1/notices/{draft['id']}",
        json={"status": "published", "topics": ["mask"]},
        headers=market.a1.headers,
    )
    assert published.status_code == 200, published.text
    body = published.json()
    assert body["status"] == "published"
    assert body["published_at"] is not None
    changed = await client.patch(
        f"/v1/notices/{draft['id']}", json={"visibility": "shared"}, headers=market.a.headers
    )
    assert changed.status_code == 200
    withdrawn = await client.delete(f"/v1/notices/{draft['id']}", headers=market.a1.headers)
    assert withdrawn.status_code == 200

    seen, _ = await events(client, market.a1.headers, types="notice.*")
    assert [event["type"] for event in seen] == [
        "notice.published",
        "notice.updated",
        "notice.withdrawn",
    ]
    assert seen[0]["data"]["object"] == body
    assert seen[1]["data"]["object"] == changed.json()
    assert seen[2]["data"]["object"] == withdrawn.json()
    assert {(event["partner_id"], event["organization_id"]) for event in seen} == {
        (market.a.id, market.a1.id)
    }
    # Events are their owner's: another partner hears nothing of a shared notice's life.
    assert (await events(client, market.b.headers, types="notice.*"))[0] == []
    assert len((await events(client, market.a.headers, types="notice.*"))[0]) == 3


async def test_a_withdrawn_draft_stays_private_and_silent(
    client: httpx.AsyncClient, market: Market
) -> None:
    draft = await post_notice(client, market.a1, status="draft")
    withdrawn = await client.delete(f"/v1/notices/{draft['id']}", headers=market.a1.headers)
    assert withdrawn.json()["status"] == "withdrawn"
    for who in (market.a2, market.b1, market.b):
        assert_hidden(await client.get(f"/v1/notices/{draft['id']}", headers=who.headers))
    found = await client.get(
        "/v1/notices", params={"status": "withdrawn"}, headers=market.b.headers
    )
    assert found.json()["data"] == []
    assert (await client.get(f"/v1/notices/{draft['id']}", headers=ADMIN)).status_code == 200
    assert (await events(client, market.a.headers, types="notice.*"))[0] == []


async def test_a_replayed_post_answers_the_first_notice(
    client: httpx.AsyncClient, market: Market
) -> None:
    headers = {**market.a.headers, "Idempotency-Key": "notice-1"}
    first = await client.post("/v1/notices", json=notice_body(market.a1.id), headers=headers)
    replay = await client.post("/v1/notices", json=notice_body(market.a1.id), headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    listed = await client.get("/v1/notices", headers=market.a.headers)
    assert [item["id"] for item in listed.json()["data"]] == [first.json()["id"]]
    other = await client.post(
        "/v1/notices", json=notice_body(market.a1.id, title="Another"), headers=headers
    )
    assert_problem(other, 422)


async def test_unknown_notices_are_not_found(client: httpx.AsyncClient, market: Market) -> None:
    for method in ("GET", "PATCH", "DELETE"):
        response = await client.request(
            method,
            "/v1/notices/ntc_nope",
            headers=market.a.headers,
            json={"title": "x"} if method == "PATCH" else None,
        )
        assert_hidden(response)


async def test_a_closed_organisation_withdraws_its_notices(
    client: httpx.AsyncClient, market: Market
) -> None:
    published = await post_notice(client, market.a1)
    draft = await post_notice(client, market.a1, status="draft")
    sibling = await post_notice(client, market.a2)
    closed = await client.delete(f"/v1/organizations/{market.a1.id}", headers=market.a.headers)
    assert closed.status_code == 200, closed.text

    for notice in (published, draft):
        read = await client.get(f"/v1/notices/{notice['id']}", headers=market.a.headers)
        assert read.json()["status"] == "withdrawn"
    listed = await client.get("/v1/notices", headers=market.b.headers)
    assert [item["id"] for item in listed.json()["data"]] == [sibling["id"]]
    seen, _ = await events(client, market.a.headers, types="notice.withdrawn")
    assert [event["data"]["object"]["id"] for event in seen] == [published["id"]]
    refused = await client.post(
        "/v1/notices", json=notice_body(market.a1.id), headers=market.a.headers
    )
    assert_problem(refused, 409)
