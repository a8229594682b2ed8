"""Tenancy isolation across two partners and their organisations, endpoint by endpoint.

The rules (API.md "Auth and tenancy"):
- a partner key sees and changes its own organisations; it sees its own offers and
  requests (any visibility, drafts too) and other partners' ``shared`` non-draft ones;
- an organisation key acts for itself only, but also sees the non-draft ``network``
  objects of its own partner's organisations;
- nobody else sees ``network`` objects or drafts: GET answers 404 and lists omit them;
- a write to an object that is not yours answers 404 and changes nothing.

The world: partner ``a`` with organisations ``a1``, ``a2``; partner ``b`` with ``b1``,
``b2``. Offers and requests of ``a1`` (and a few of ``b1``) in every visibility/status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.fixtures.assertions import assert_problem
from tests.fixtures.factories import (
    ADMIN,
    Market,
    make_offer,
    make_request,
    offer_body,
    request_body,
)
from tests.fixtures.tenancy import (
    FOREIGN_PAIRS,
    MEMBERS,
    OFFERS,
    OWNER_PARTNER,
    REQUESTS,
    WRITERS,
    assert_hidden,
    headers_of,
    id_of,
    list_all,
)


@dataclass(frozen=True)
class World:
    market: Market
    offers: dict[str, str]  # label -> id
    requests: dict[str, str]

    def offer_label(self, offer_id: str) -> str:
        return {v: k for k, v in self.offers.items()}[offer_id]

    def request_label(self, request_id: str) -> str:
        return {v: k for k, v in self.requests.items()}[request_id]


@pytest.fixture
async def world(client: httpx.AsyncClient, market: Market) -> World:
    offers: dict[str, str] = {}
    for label, (owner, visibility, status, _) in OFFERS.items():
        org = getattr(market, owner)
        initial = "active" if status == "closed" else status
        offer = await make_offer(client, org, title=label, visibility=visibility, status=initial)
        if status == "closed":
            closed = await client.delete(f"/v1/offers/{offer['id']}", headers=org.partner.headers)
            assert closed.json()["status"] == "closed"
        offers[label] = offer["id"]
    requests: dict[str, str] = {}
    for label, (owner, visibility, status, _) in REQUESTS.items():
        org = getattr(market, owner)
        request = await make_request(client, org, title=label, visibility=visibility)
        if status != "open":
            changed = await client.patch(
                f"/v1/requests/{request['id']}",
                json={"status": status},
                headers=org.partner.headers,
            )
            assert changed.json()["status"] == status
        requests[label] = request["id"]
    return World(market=market, offers=offers, requests=requests)


async def snapshot(client: httpx.AsyncClient, world: World, kind: str) -> dict[str, Any]:
    """Every object of ``kind`` as its owning partner reads it, with its ETag."""
    objects = world.offers if kind == "offers" else world.requests
    table = OFFERS if kind == "offers" else REQUESTS
    result: dict[str, Any] = {}
    for label, object_id in objects.items():
        owner = OWNER_PARTNER[table[label][0]]
        response = await client.get(
            f"/v1/{kind}/{object_id}", headers=headers_of(world.market, owner)
        )
        assert response.status_code == 200, response.text
        result[label] = (response.headers["etag"], response.json())
    return result


# --- offers and requests: reading ---------------------------------------------------------

KINDS = ("offers", "requests")


def tables(world: World, kind: str) -> tuple[dict[str, str], dict[str, Any]]:
    if kind == "offers":
        return world.offers, OFFERS
    return world.requests, REQUESTS


@pytest.mark.parametrize("viewer", MEMBERS)
async def test_get_one_answers_404_for_what_a_key_may_not_see(
    client: httpx.AsyncClient, world: World, viewer: str
) -> None:
    headers = headers_of(world.market, viewer)
    for kind in KINDS:
        objects, table = tables(world, kind)
        for label, object_id in objects.items():
            response = await client.get(f"/v1/{kind}/{object_id}", headers=headers)
            if viewer in table[label][3]:
                assert response.status_code == 200, (label, response.text)
                assert response.json()["id"] == object_id
                assert response.json()["title"] == label
            else:
                assert_hidden(response)


async def check_lists(client: httpx.AsyncClient, world: World, viewer: str, kind: str) -> None:
    headers = headers_of(world.market, viewer)
    objects, table = tables(world, kind)
    label_of = {object_id: label for label, object_id in objects.items()}
    visible = {label for label, row in table.items() if viewer in row[3]}

    async def listed(**params: Any) -> set[str]:
        return {label_of[i] for i in await list_all(client, f"/v1/{kind}", headers, **params)}

    assert await listed() == visible
    # Filters never widen what a key sees (nor reveal anything by an empty answer).
    for org in ("a1", "b1"):
        assert await listed(organization_id=id_of(world.market, org)) == {
            label for label in visible if table[label][0] == org
        }
    for visibility in ("network", "shared"):
        assert await listed(visibility=visibility) == {
            label for label in visible if table[label][1] == visibility
        }
    status = "draft" if kind == "offers" else "fulfilled"
    assert await listed(status=status) == {label for label in visible if table[label][2] == status}
    for label in objects:
        assert await listed(q=label) == ({label} if label in visible else set())


@pytest.mark.parametrize("viewer", MEMBERS)
async def test_lists_hold_exactly_what_a_key_may_see(
    client: httpx.AsyncClient, world: World, viewer: str
) -> None:
    for kind in KINDS:
        await check_lists(client, world, viewer, kind)


# --- offers and requests: writing ---------------------------------------------------------


@pytest.mark.parametrize("actor", MEMBERS)
async def test_writes_to_objects_not_yours_are_404_without_side_effect(
    client: httpx.AsyncClient, world: World, actor: str
) -> None:
    headers = headers_of(world.market, actor)
    for kind in KINDS:
        objects, table = tables(world, kind)
        foreign = [label for label in objects if actor not in WRITERS[table[label][0]]]
        assert foreign  # every actor has something it may not touch
        before = await snapshot(client, world, kind)

        for label in foreign:
            url = f"/v1/{kind}/{objects[label]}"
            assert_hidden(await client.patch(url, json={"title": "hijacked"}, headers=headers))
            assert_hidden(
                await client.patch(
                    url, json={"visibility": "shared"}, headers={**headers, "If-Match": "*"}
                )
            )
            assert_hidden(await client.delete(url, headers=headers))
            assert_hidden(await client.delete(url, headers={**headers, "If-Match": "*"}))

        assert await snapshot(client, world, kind) == before, kind


@pytest.mark.parametrize("kind", KINDS)
async def test_admin_does_not_write_offers_or_requests(
    client: httpx.AsyncClient, market: Market, kind: str
) -> None:
    make = make_offer if kind == "offers" else make_request
    created = await make(client, market.a1)
    url = f"/v1/{kind}/{created['id']}"
    before = await client.get(url, headers=market.a.headers)
    assert_problem(await client.patch(url, json={"title": "admin"}, headers=ADMIN), 403)
    assert_problem(await client.delete(url, headers=ADMIN), 403)
    assert_problem(await client.post(f"/v1/{kind}", json=before.json() | {}, headers=ADMIN), 403)
    after = await client.get(url, headers=market.a.headers)
    assert after.json() == before.json()
    assert after.headers["etag"] == before.headers["etag"]


@pytest.mark.parametrize("actor", ["a", "a1"])
@pytest.mark.parametrize("kind", KINDS)
async def test_owner_and_its_partner_may_write(
    client: httpx.AsyncClient, market: Market, actor: str, kind: str
) -> None:
    make = make_offer if kind == "offers" else make_request
    created = await make(client, market.a1, visibility="network")
    headers = headers_of(market, actor)
    url = f"/v1/{kind}/{created['id']}"

    patched = await client.patch(url, json={"title": f"renamed by {actor}"}, headers=headers)
    assert patched.status_code == 200, patched.text
    assert patched.json()["title"] == f"renamed by {actor}"
    deleted = await client.delete(url, headers=headers)
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["status"] == ("closed" if kind == "offers" else "cancelled")


async def test_sibling_sees_but_cannot_change_a_network_offer(
    client: httpx.AsyncClient, world: World
) -> None:
    market = world.market
    url = f"/v1/offers/{world.offers['a1-network-active']}"
    seen = await client.get(url, headers=market.a2.headers)
    assert seen.status_code == 200
    assert seen.json()["organization_id"] == market.a1.id
    assert_hidden(await client.patch(url, json={"status": "paused"}, headers=market.a2.headers))
    assert_hidden(await client.delete(url, headers=market.a2.headers))
    after = await client.get(url, headers=market.a1.headers)
    assert after.json()["status"] == "active"
    assert after.headers["etag"] == seen.headers["etag"]


@pytest.mark.parametrize(("actor", "target"), [*FOREIGN_PAIRS, ("a", "org_missing")])
async def test_creating_for_an_organization_not_yours_is_404(
    client: httpx.AsyncClient, market: Market, actor: str, target: str
) -> None:
    target_id = target if target == "org_missing" else id_of(market, target)
    for kind, body in (
        ("offers", offer_body(target_id, title="planted")),
        ("requests", request_body(target_id, title="planted")),
    ):
        response = await client.post(f"/v1/{kind}", json=body, headers=headers_of(market, actor))

        assert_hidden(response)
        for partner in ("a", "b"):
            found = await list_all(client, f"/v1/{kind}", headers_of(market, partner), q="planted")
            assert found == []


@pytest.mark.parametrize("kind", KINDS)
async def test_organization_key_posts_for_itself(
    client: httpx.AsyncClient, market: Market, kind: str
) -> None:
    body = (offer_body if kind == "offers" else request_body)(None)
    implied = await client.post(f"/v1/{kind}", json=body, headers=market.a1.headers)
    assert implied.status_code == 201, implied.text
    assert implied.json()["organization_id"] == market.a1.id
    assert implied.json()["partner_id"] == market.a.id

    explicit = await client.post(
        f"/v1/{kind}", json={**body, "organization_id": market.a1.id}, headers=market.a1.headers
    )
    assert explicit.status_code == 201
    assert explicit.json()["organization_id"] == market.a1.id

    # A partner key must say for whom it posts.
    missing = await client.post(f"/v1/{kind}", json=body, headers=market.a.headers)
    errors = assert_problem(missing, 422)["errors"]
    assert [e["field"] for e in errors] == ["organization_id"]


@pytest.mark.parametrize("kind", KINDS)
async def test_owner_fields_cannot_be_set_in_a_body(
    client: httpx.AsyncClient, market: Market, kind: str
) -> None:
    body = (offer_body if kind == "offers" else request_body)(None, partner_id=market.b.id)
    response = await client.post(f"/v1/{kind}", json=body, headers=market.a1.headers)
    assert [e["field"] for e in assert_problem(response, 422)["errors"]] == ["partner_id"]

    created = await client.post(
        f"/v1/{kind}",
        json=(offer_body if kind == "offers" else request_body)(None),
        headers=market.a1.headers,
    )
    url = f"/v1/{kind}/{created.json()['id']}"
    for field, value in (("organization_id", market.b1.id), ("partner_id", market.b.id)):
        patched = await client.patch(url, json={field: value}, headers=market.a.headers)
        assert [e["field"] for e in assert_problem(patched, 422)["errors"]] == [field]
    read = (await client.get(url, headers=market.a.headers)).json()
    assert read["organization_id"] == market.a1.id
    assert read["partner_id"] == market.a.id
