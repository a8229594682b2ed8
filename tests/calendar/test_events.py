"""Calendar events: CRUD, input rules, tenancy and visibility, list filters, outbox events."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.core.pagination import encode_cursor
from tests.calendar.support import event_body, post_event
from tests.fixtures.assertions import assert_invalid, assert_problem
from tests.fixtures.factories import ADMIN, Market
from tests.fixtures.tenancy import assert_hidden, headers_of, list_all

EVERYONE = ("a", "a1", "a2", "b", "b1", "admin")


async def test_create_read_change_cancel(client: httpx.AsyncClient, market: Market) -> None:
    created = await post_event(client, market.a1)
    assert created["id"].startswith("cev_")
    assert (created["partner_id"], created["organization_id"]) == (market.a.id, market.a1.id)
    assert created["starts_at"] == "2027-01-20T14:00:00+01:00"
    assert created["ends_at"] == "2027-01-20T15:30:00+01:00"
    assert (created["status"], created["sequence"]) == ("scheduled", 0)
    assert created["topics"] == ["mask.surgical"]
    assert created["organization_name"]
    assert created["region"] == "DE-BW"  # the organisation's

    read = await client.get(f"/v1/calendar-events/{created['id']}", headers=market.b1.headers)
    assert read.status_code == 200
    assert read.json() == created
    etag = read.headers["etag"]

    stale = await client.patch(
        f"/v1/calendar-events/{created['id']}",
        json={"title": "x"},
        headers={**market.a.headers, "If-Match": '"0"'},
    )
    assert_problem(stale, 412)
    moved = await client.patch(
        f"/v1/calendar-events/{created['id']}",
        json={"starts_at": "2027-07-20T14:00:00", "ends_at": "2027-07-20T16:00:00"},
        headers={**market.a1.headers, "If-Match": etag},
    )
    assert moved.status_code == 200, moved.text
    # A local time is read in the event's zone: summer time in Berlin.
    assert moved.json()["starts_at"] == "2027-07-20T14:00:00+02:00"
    assert moved.json()["sequence"] == 1
    unchanged = await client.patch(
        f"/v1/calendar-events/{created['id']}",
        json={"title": created["title"]},
        headers=market.a.headers,
    )
    assert unchanged.json()["sequence"] == 1

    cancelled = await client.delete(
        f"/v1/calendar-events/{created['id']}", headers=market.a.headers
    )
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["sequence"]) == ("cancelled", 2)
    assert cancelled.json()["cancelled_at"] is not None
    again = await client.delete(f"/v1/calendar-events/{created['id']}", headers=market.a.headers)
    assert again.json()["sequence"] == 2
    refused = await client.patch(
        f"/v1/calendar-events/{created['id']}", json={"title": "Back"}, headers=market.a.headers
    )
    assert_problem(refused, 409)
    still = await client.get(f"/v1/calendar-events/{created['id']}", headers=market.b.headers)
    assert still.json()["status"] == "cancelled"


async def test_an_organisation_key_posts_for_itself(
    client: httpx.AsyncClient, market: Market
) -> None:
    created = await post_event(client, market.a2, as_org=True, timezone="Europe/Vienna")
    assert created["organization_id"] == market.a2.id
    assert created["timezone"] == "Europe/Vienna"
    foreign = await client.post(
        "/v1/calendar-events", json=event_body(market.b1.id), headers=market.a.headers
    )
    assert_hidden(foreign)
    missing = await client.post(
        "/v1/calendar-events", json=event_body(None), headers=market.a.headers
    )
    assert_invalid(missing, "organization_id")
    admin = await client.post("/v1/calendar-events", json=event_body(market.a1.id), headers=ADMIN)
    assert_problem(admin, 403)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_at": "2027-01-20T13:00:00+01:00"}, "ends_at"),
        ({"ends_at": "2027-03-20T13:00:00+01:00"}, "ends_at"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "localtime"}, "timezone"),
        ({"starts_at": 1790000000}, "starts_at"),
        ({"starts_at": "0001-01-01T00:00:00+01:00"}, "starts_at"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
        ({"registration_url": "ftp://example.org/x"}, "registration_url"),
        ({"topics": ["mask.surgicall"]}, "topics[0]"),
        ({"language": "german"}, "language"),
        ({"visibility": "public"}, "visibility"),
        ({"title": ""}, "title"),
        ({"location": {"city": "Erfurt"}}, "location"),
        ({"verified": True}, "verified"),
        ({"partner_id": "par_x"}, "partner_id"),
    ],
)
async def test_bad_input_names_the_field(
    client: httpx.AsyncClient, market: Market, change: dict[str, Any], field: str
) -> None:
    response = await client.post(
        "/v1/calendar-events", json=event_body(market.a1.id, **change), headers=market.a.headers
    )
    errors = assert_invalid(response, field)
    if field == "topics[0]":
        assert "mask.surgical" in errors[0]["message"]


async def test_topics_take_any_kind_of_code(client: httpx.AsyncClient, market: Market) -> None:
    created = await post_event(
        client, market.a1, topics=["textile.sewing", "mask.surgical", "en-14683"]
    )
    assert created["topics"] == ["textile.sewing", "mask.surgical", "en-14683"]


async def test_who_sees_what(client: httpx.AsyncClient, market: Market) -> None:
    shared = await post_event(client, market.a1, visibility="shared")
    network = await post_event(client, market.a1, visibility="network")
    for who in EVERYONE:
        headers = headers_of(market, who)
        seen = await list_all(client, "/v1/calendar-events", headers)
        assert shared["id"] in seen
        sees_network = who in ("a", "a1", "a2", "admin")
        assert (network["id"] in seen) == sees_network, who
        single = await client.get(f"/v1/calendar-events/{network['id']}", headers=headers)
        if sees_network:
            assert single.status_code == 200
        else:
            assert_hidden(single)


@pytest.mark.parametrize("who", ["a2", "b", "b1"])
async def test_only_the_owner_changes_an_event(
    client: httpx.AsyncClient, market: Market, who: str
) -> None:
    event = await post_event(client, market.a1)
    headers = headers_of(market, who)
    assert_hidden(
        await client.patch(
            f"/v1/calendar-events/{event['id']}", json={"title": "x"}, headers=headers
        )
    )
    assert_hidden(await client.delete(f"/v1/calendar-events/{event['id']}", headers=headers))
    read = await client.get(f"/v1/calendar-events/{event['id']}", headers=market.a.headers)
    assert read.json() == event


async def test_list_filters(client: httpx.AsyncClient, market: Market) -> None:
    webinar = await post_event(client, market.a1, topics=["mask.surgical"], language="de")
    fair = await post_event(
        client,
        market.b1,
        title="Matchmaking day textiles",
        description=None,
        starts_at="2027-03-02T09:00:00+01:00",
        ends_at="2027-03-02T17:00:00+01:00",
        topics=["textile.sewing"],
        language="en",
        online_url=None,
        location="Messe Erfurt, Gothaer Platz 1",
        region="DE-TH",
    )
    url, headers = "/v1/calendar-events", market.a.headers

    async def found(**params: Any) -> list[str]:
        return await list_all(client, url, headers, **params)

    assert await found() == [webinar["id"], fair["id"]]  # soonest first
    assert await found(topic="mask") == [webinar["id"]]  # hierarchy counts
    assert await found(topic="textile") == [fair["id"]]
    assert await found(partner_id=market.b.id) == [fair["id"]]
    assert await found(organization_id=market.a1.id) == [webinar["id"]]
    assert await found(language="EN") == [fair["id"]]
    assert await found(region="de-th") == [fair["id"]]
    assert await found(q="erfurt") == [fair["id"]]
    assert await found(q="MATCHMAKING") == [fair["id"]]
    assert await found(**{"from": "2027-02-01"}) == [fair["id"]]
    assert await found(to="2027-01-20") == [webinar["id"]]  # the whole day
    assert await found(**{"from": "2027-01-20T14:30:00+01:00", "to": "2027-01-20"}) == [
        webinar["id"]  # still running
    ]
    assert await found(visibility="network") == []
    assert await found(**{"from": "0001-01-01", "to": "9999-12-31"}) == [webinar["id"], fair["id"]]
    assert await found(
        **{"from": "0001-01-01T00:00:00+14:00", "to": "9999-12-31T23:59:59-12:00"}
    ) == [
        webinar["id"],
        fair["id"],
    ]
    await client.delete(f"/v1/calendar-events/{webinar['id']}", headers=market.a1.headers)
    assert await found() == [fair["id"]]
    assert await found(status="cancelled") == [webinar["id"]]
    assert await found(status="all") == [webinar["id"], fair["id"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"topic": "mask.surgicall"}, "topic"),
        ({"from": "next week"}, "from"),
        ({"from": "2027-13-45"}, "from"),
        ({"to": "2027-01-01T25:00"}, "to"),
        ({"from": "2027-02-01", "to": "2027-01-01"}, "to"),
        ({"status": "maybe"}, "status"),
        ({"cursor": "bm9wZQ"}, "cursor"),
    ],
)
async def test_bad_filters_name_the_parameter(
    client: httpx.AsyncClient, market: Market, params: dict[str, str], field: str
) -> None:
    response = await client.get("/v1/calendar-events", params=params, headers=market.a.headers)
    assert_invalid(response, field)


async def test_changes_are_events(client: httpx.AsyncClient, market: Market) -> None:
    event = await post_event(client, market.a1)
    await client.patch(
        f"/v1/calendar-events/{event['id']}", json={"title": "New title"}, headers=market.a.headers
    )
    await client.delete(f"/v1/calendar-events/{event['id']}", headers=market.a.headers)
    feed = await client.get(
        "/v1/events", params={"types": "calendar_event.*"}, headers=market.a1.headers
    )
    assert feed.status_code == 200, feed.text
    mine = [item for item in feed.json()["data"] if item["data"]["object"]["id"] == event["id"]]
    assert [item["type"] for item in mine] == [
        "calendar_event.created",
        "calendar_event.updated",
        "calendar_event.cancelled",
    ]
    assert mine[1]["data"]["object"]["title"] == "New title"
    others = await client.get(
        "/v1/events", params={"types": "calendar_event.*"}, headers=market.b.headers
    )
    assert others.json()["data"] == []


async def test_closing_an_organisation_cancels_its_upcoming_events(
    client: httpx.AsyncClient, market: Market
) -> None:
    event = await post_event(client, market.a1)
    closed = await client.delete(f"/v1/organizations/{market.a1.id}", headers=market.a.headers)
    assert closed.status_code in (200, 204), closed.text
    read = await client.get(f"/v1/calendar-events/{event['id']}", headers=market.a.headers)
    assert read.json()["status"] == "cancelled"


async def test_pages_follow_time_order(client: httpx.AsyncClient, market: Market) -> None:
    days = ["2027-05-03", "2027-05-01", "2027-05-02", "2027-05-01"]
    made = [
        await post_event(client, market.a1, starts_at=f"{day}T10:00:00", ends_at=f"{day}T11:00:00")
        for day in days
    ]
    expected = [made[1]["id"], made[3]["id"]]
    expected.sort()
    expected += [made[2]["id"], made[0]["id"]]
    assert await list_all(client, "/v1/calendar-events", market.a.headers) == expected


@pytest.mark.parametrize("after", ["not a time|cev_1", "2027-01-01T00:00:00|", "2027-01-01|cev"])
async def test_a_forged_cursor_is_refused(
    client: httpx.AsyncClient, market: Market, after: str
) -> None:
    cursor = encode_cursor(after)
    response = await client.get(
        "/v1/calendar-events", params={"cursor": cursor}, headers=market.a.headers
    )
    assert_invalid(response, "cursor")


async def test_topics_change_with_the_vocabulary_checked(
    client: httpx.AsyncClient, market: Market
) -> None:
    event = await post_event(client, market.a1, topics=["mask.surgical"])
    url = f"/v1/calendar-events/{event['id']}"
    bad = await client.patch(url, json={"topics": ["textile.sewingg"]}, headers=market.a.headers)
    assert_invalid(bad, "topics[0]")
    changed = await client.patch(url, json={"topics": ["textile"]}, headers=market.a.headers)
    assert changed.json()["topics"] == ["textile"]
    found = await list_all(client, "/v1/calendar-events", market.a.headers, topic="textile")
    assert found == [event["id"]]
    assert await list_all(client, "/v1/calendar-events", market.a.headers, topic="mask") == []
    cleared = await client.patch(
        url, json={"location": None, "language": None}, headers=market.a.headers
    )
    assert cleared.json()["language"] is None
    refused = await client.patch(url, json={"title": None}, headers=market.a.headers)
    assert_invalid(refused, "title")
    backwards = await client.patch(
        url, json={"ends_at": "2027-01-20T13:00:00+01:00"}, headers=market.a.headers
    )
    assert_invalid(backwards, "ends_at")
