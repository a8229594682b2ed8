"""Saved searches: CRUD, tenancy (404 on every {id} path), matches as the search ranks."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.alerts.support import criteria
from tests.fixtures.assertions import assert_invalid, assert_problem
from tests.fixtures.factories import ADMIN, Market, make_offer, request_body
from tests.fixtures.tenancy import assert_hidden, headers_of, list_all


async def _save(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await client.post(
        "/v1/saved-searches",
        json={"name": "Masks near Stuttgart", "criteria": criteria(request_body(None)), **body},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    saved: dict[str, Any] = response.json()
    return saved


async def test_create_read_change_delete(client: httpx.AsyncClient, market: Market) -> None:
    saved = await _save(client, market.a.headers, organization_id=market.a1.id, min_score=0.7)
    assert saved["id"].startswith("srch_")
    assert (saved["partner_id"], saved["organization_id"]) == (market.a.id, market.a1.id)
    assert saved["min_score"] == 0.7
    assert saved["criteria"] == criteria(request_body(None))

    read = await client.get(f"/v1/saved-searches/{saved['id']}", headers=market.a1.headers)
    assert read.status_code == 200
    assert read.json() == saved
    etag = read.headers["etag"]

    stale = await client.patch(
        f"/v1/saved-searches/{saved['id']}",
        json={"name": "x"},
        headers={**market.a.headers, "If-Match": '"0"'},
    )
    assert_problem(stale, 412)
    changed = await client.patch(
        f"/v1/saved-searches/{saved['id']}",
        json={"name": "Gowns", "min_score": 0.2, "criteria": {**saved["criteria"], "quantity": 5}},
        headers={**market.a.headers, "If-Match": etag},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["name"], body["min_score"], body["criteria"]["quantity"]) == ("Gowns", 0.2, 5)
    assert changed.headers["etag"] != etag

    deleted = await client.delete(f"/v1/saved-searches/{saved['id']}", headers=market.a1.headers)
    assert deleted.status_code == 204
    assert_hidden(await client.get(f"/v1/saved-searches/{saved['id']}", headers=market.a.headers))


async def test_an_organisation_key_saves_for_itself(
    client: httpx.AsyncClient, market: Market
) -> None:
    saved = await _save(client, market.a1.headers)
    assert saved["organization_id"] == market.a1.id
    assert saved["min_score"] == 0.5


async def test_invalid_saved_searches(client: httpx.AsyncClient, market: Market) -> None:
    wanted = criteria(request_body(None))
    cases = [
        ({"name": "x", "criteria": wanted}, market.a.headers, "organization_id"),
        (
            {"name": "x", "criteria": {**wanted, "skills": ["textile.nope"]}},
            market.a1.headers,
            "criteria.skills[0]",
        ),
        (
            {"name": "x", "criteria": {**wanted, "organization_id": market.a2.id}},
            market.a1.headers,
            "criteria.organization_id",
        ),
        ({"name": "x", "criteria": wanted, "min_score": 1.5}, market.a1.headers, "min_score"),
        (
            {"name": "x", "criteria": {**wanted, "visibility": "shared"}},
            market.a1.headers,
            "criteria.visibility",
        ),
        (
            {"name": "x", "criteria": {**wanted, "needed_by": "2020-01-01"}},
            market.a1.headers,
            "criteria.needed_by",
        ),
    ]
    for body, headers, field in cases:
        response = await client.post("/v1/saved-searches", json=body, headers=headers)
        assert_invalid(response, field)


async def test_lists_show_only_ones_own(client: httpx.AsyncClient, market: Market) -> None:
    a1 = await _save(client, market.a1.headers)
    a2 = await _save(client, market.a2.headers)
    b1 = await _save(client, market.b1.headers)
    expected = {"a": {a1["id"], a2["id"]}, "a1": {a1["id"]}, "a2": {a2["id"]}, "b": {b1["id"]}}
    for who, ids in expected.items():
        found = await list_all(client, "/v1/saved-searches", headers_of(market, who))
        assert set(found) == ids, who


@pytest.mark.parametrize("who", ["a2", "b", "b1", "admin"])
async def test_others_get_404_on_every_path(
    client: httpx.AsyncClient, market: Market, who: str
) -> None:
    saved = await _save(client, market.a1.headers)
    url = f"/v1/saved-searches/{saved['id']}"
    headers = headers_of(market, who) if who != "admin" else ADMIN
    assert_hidden(await client.get(url, headers=headers))
    assert_hidden(await client.get(f"{url}/matches", headers=headers))
    if who != "admin":  # the admin key is no member: it may not write at all
        assert_hidden(await client.patch(url, json={"name": "mine"}, headers=headers))
        assert_hidden(await client.delete(url, headers=headers))
    still = await client.get(url, headers=market.a1.headers)
    assert still.json()["name"] == saved["name"]


async def test_matches_rank_as_the_search_does(client: httpx.AsyncClient, market: Market) -> None:
    for org in (market.a1, market.b1, market.b2):
        await make_offer(client, org)
    await make_offer(client, market.b1, visibility="network", title="Hidden line")
    saved = await _save(client, market.a.headers, organization_id=market.a1.id)
    search = await client.post(
        "/v1/matches/search",
        json={**saved["criteria"], "organization_id": market.a1.id},
        params={"limit": 1},
        headers=market.a.headers,
    )
    ranked = await client.get(
        f"/v1/saved-searches/{saved['id']}/matches",
        params={"limit": 1},
        headers=market.a.headers,
    )
    assert ranked.status_code == 200, ranked.text
    assert ranked.json() == search.json()
    assert ranked.json()["has_more"] is True  # b1's and b2's shared offers; never a1's own
    cursor = ranked.json()["next_cursor"]
    following = await client.get(
        f"/v1/saved-searches/{saved['id']}/matches",
        params={"limit": 5, "cursor": cursor},
        headers=market.a.headers,
    )
    assert [entry["rank"] for entry in following.json()["data"]] == [2]
