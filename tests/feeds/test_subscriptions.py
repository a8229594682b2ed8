"""Feed subscriptions: links whose token reads one feed as the key that made it, for
calendar apps and feed readers that cannot send an Authorization header."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.calendar.support import post_event
from tests.calendar.test_ics import ICS, assert_valid_ics, parse, vevents
from tests.feeds.support import subscribe
from tests.fixtures.assertions import assert_invalid, assert_problem
from tests.fixtures.factories import ADMIN, Market


async def test_a_subscription_link_reads_the_calendar_without_headers(
    client: httpx.AsyncClient, market: Market
) -> None:
    network = await post_event(client, market.a1, visibility="network", topics=["textile.sewing"])
    shared = await post_event(client, market.b1)
    link = await subscribe(client, market.a2.headers, name="Outlook")
    assert link["url"].endswith(f"/v1/calendar.ics?token={link['token']}")
    assert link["token"].startswith("cmf_")
    assert link["token_prefix"] == link["token"][:12]
    path = httpx.URL(link["url"])
    response = await client.get(path.path, params=dict(path.params))
    assert_valid_ics(response.content)
    # The URL carries a secret: no shared cache may keep what it reads.
    assert response.headers["cache-control"] == "private, no-cache"
    assert set(vevents(parse(response))) == {
        f"{network['id']}@capmatch",
        f"{shared['id']}@capmatch",
    }
    # The stored filters apply; a parameter in the URL narrows further.
    topical = await subscribe(client, market.a2.headers, filters={"topic": "textile"})
    found = vevents(parse(await client.get(ICS, params={"token": topical["token"]})))
    assert set(found) == {f"{network['id']}@capmatch"}
    # A token reads the calendar and nothing else.
    token_only = {"Authorization": f"Bearer {link['token']}"}
    assert_problem(await client.get("/v1/calendar-events", headers=token_only), 401)
    notices = await client.get("/v1/notices.atom", params={"token": link["token"]})
    assert_problem(notices, 401)

    listed = await client.get("/v1/calendar-subscriptions", headers=market.a2.headers)
    assert [item["id"] for item in listed.json()["data"]] == [topical["id"], link["id"]]
    assert "token" not in listed.json()["data"][0]
    assert "url" not in listed.json()["data"][0]
    assert (await client.get("/v1/calendar-subscriptions", headers=market.a1.headers)).json()[
        "data"
    ] == []
    foreign = await client.delete(
        f"/v1/calendar-subscriptions/{link['id']}", headers=market.a1.headers
    )
    assert_problem(foreign, 404)
    revoked = await client.delete(
        f"/v1/calendar-subscriptions/{link['id']}", headers=market.a2.headers
    )
    assert revoked.status_code == 204
    assert_problem(await client.get(ICS, params={"token": link["token"]}), 401)
    read = await client.get(f"/v1/calendar-subscriptions/{link['id']}", headers=market.a2.headers)
    assert read.json()["revoked_at"] is not None


async def test_a_token_dies_with_its_key(client: httpx.AsyncClient, market: Market) -> None:
    issued = await client.post(
        f"/v1/organizations/{market.a1.id}/api-keys", json={}, headers=market.a.headers
    )
    assert issued.status_code == 201, issued.text
    key = issued.json()
    link = await subscribe(client, {"Authorization": f"Bearer {key['api_key']}"})
    assert (await client.get(ICS, params={"token": link["token"]})).status_code == 200
    await client.delete(
        f"/v1/organizations/{market.a1.id}/api-keys/{key['id']}", headers=market.a.headers
    )
    assert_problem(await client.get(ICS, params={"token": link["token"]}), 401)


async def test_the_admin_subscribes_to_everything(
    client: httpx.AsyncClient, market: Market
) -> None:
    network = await post_event(client, market.b1, visibility="network")
    link = await subscribe(client, ADMIN)
    found = vevents(parse(await client.get(ICS, params={"token": link["token"]})))
    assert f"{network['id']}@capmatch" in found


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"feed": "podcast"}, "feed"),
        ({"filters": {"topic": "mask.surgicall"}}, "filters.topic"),
        ({"filters": {"kind": "funding"}}, "filters.kind"),
        ({"feed": "notices", "filters": {"region": "DE-BW"}}, "filters.region"),
        ({"filters": {"colour": "red"}}, "filters.colour"),
    ],
)
async def test_bad_subscriptions_name_the_field(
    client: httpx.AsyncClient, market: Market, body: dict[str, Any], field: str
) -> None:
    response = await client.post("/v1/calendar-subscriptions", json=body, headers=market.a.headers)
    assert_invalid(response, field)


async def test_a_replayed_subscription_does_not_show_the_token_again(
    client: httpx.AsyncClient, market: Market
) -> None:
    headers = {**market.a.headers, "Idempotency-Key": "calendar-link-1"}
    first = await client.post("/v1/calendar-subscriptions", json={}, headers=headers)
    assert first.status_code == 201
    replay = await client.post("/v1/calendar-subscriptions", json={}, headers=headers)
    problem = assert_problem(replay, 409)
    assert first.json()["id"] in problem["detail"]
    assert first.json()["token"] not in replay.text


async def test_a_link_needs_no_body(client: httpx.AsyncClient, market: Market) -> None:
    response = await client.post("/v1/calendar-subscriptions", headers=market.a1.headers)
    assert response.status_code == 201, response.text
    link = response.json()
    assert (link["feed"], link["filters"], link["name"]) == ("calendar", {}, None)
    assert (await client.get(ICS, params={"token": link["token"]})).status_code == 200
