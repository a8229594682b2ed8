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

MEMBERS = ("a", "a1", "a2", "b", "b1")
EVERY_MEMBER = frozenset(MEMBERS)
A_NETWORK = frozenset({"a", "a1", "a2"})
A1_OWNER = frozenset({"a", "a1"})
B_NETWORK = frozenset({"b", "b1"})

# label -> (owner organisation, visibility, status, who sees it)
OFFERS: dict[str, tuple[str, str, str, frozenset[str]]] = {
    "a1-shared-active": ("a1", "shared", "active", EVERY_MEMBER),
    "a1-shared-paused": ("a1", "shared", "paused", EVERY_MEMBER),
    "a1-shared-closed": ("a1", "shared", "closed", EVERY_MEMBER),
    "a1-network-active": ("a1", "network", "active", A_NETWORK),
    "a1-network-paused": ("a1", "network", "paused", A_NETWORK),
    "a1-shared-draft": ("a1", "shared", "draft", A1_OWNER),
    "a1-network-draft": ("a1", "network", "draft", A1_OWNER),
    "b1-shared-active": ("b1", "shared", "active", EVERY_MEMBER),
    "b1-network-active": ("b1", "network", "active", B_NETWORK),
    "b1-shared-draft": ("b1", "shared", "draft", frozenset({"b", "b1"})),
}
REQUESTS: dict[str, tuple[str, str, str, frozenset[str]]] = {
    "a1-shared-open": ("a1", "shared", "open", EVERY_MEMBER),
    "a1-shared-cancelled": ("a1", "shared", "cancelled", EVERY_MEMBER),
    "a1-network-open": ("a1", "network", "open", A_NETWORK),
    "a1-network-fulfilled": ("a1", "network", "fulfilled", A_NETWORK),
    "b1-shared-open": ("b1", "shared", "open", EVERY_MEMBER),
    "b1-network-open": ("b1", "network", "open", B_NETWORK),
}
# Who may change an object of an organisation: the organisation and its partner.
WRITERS = {"a1": A1_OWNER, "b1": frozenset({"b", "b1"})}
OWNER_PARTNER = {"a1": "a", "a2": "a", "b1": "b", "b2": "b"}
ORGANIZATIONS = ("a1", "a2", "b1", "b2")
# Who sees (and acts for) an organisation.
ORGANIZATION_VIEWERS = {
    "a": {"a1", "a2"},
    "a1": {"a1"},
    "a2": {"a2"},
    "b": {"b1", "b2"},
    "b1": {"b1"},
}
# (actor, organisation) pairs where the actor may not act for the organisation.
FOREIGN_PAIRS = [
    ("a", "b1"),
    ("b", "a1"),
    ("a1", "a2"),
    ("a2", "a1"),
    ("a1", "b1"),
    ("b1", "a1"),
    ("b1", "b2"),
]


def headers_of(market: Market, who: str) -> dict[str, str]:
    if who == "admin":
        return ADMIN
    headers: dict[str, str] = getattr(market, who).headers
    return headers


def id_of(market: Market, who: str) -> str:
    ident: str = getattr(market, who).id
    return ident


def assert_hidden(response: httpx.Response) -> None:
    body = assert_problem(response, 404)
    assert body["type"].endswith(":not-found")


async def list_all(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], **params: Any
) -> list[str]:
    """Walk every page (two items at a time, so paging itself is checked too)."""
    found: list[str] = []
    cursor: str | None = None
    for _ in range(20):
        query = {"limit": 2, **params}
        if cursor is not None:
            query["cursor"] = cursor
        response = await client.get(url, params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        found.extend(item["id"] for item in page["data"])
        if not page["has_more"]:
            assert page["next_cursor"] is None
            assert len(found) == len(set(found))
            return found
        # A page that says there is more must be full: hidden rows never count.
        assert len(page["data"]) == 2
        cursor = page["next_cursor"]
    raise AssertionError("pagination did not terminate")


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


# --- organisations -----------------------------------------------------------------------


@pytest.mark.parametrize("viewer", [*MEMBERS, "admin"])
async def test_organizations_a_key_may_see(
    client: httpx.AsyncClient, market: Market, viewer: str
) -> None:
    headers = headers_of(market, viewer)
    visible = set(ORGANIZATIONS) if viewer == "admin" else ORGANIZATION_VIEWERS[viewer]
    for org in ORGANIZATIONS:
        response = await client.get(f"/v1/organizations/{id_of(market, org)}", headers=headers)
        if org in visible:
            assert response.status_code == 200, response.text
            assert response.json()["id"] == id_of(market, org)
        else:
            assert_hidden(response)

    by_id = {id_of(market, org): org for org in ORGANIZATIONS}
    listed = await list_all(client, "/v1/organizations", headers)
    assert {by_id[i] for i in listed} == visible
    # Filters cannot reach other tenants' organisations either.
    near = {"lat": 48.4931, "lon": 9.2125, "radius_km": 50}
    for params in ({"kind": "both"}, {"certification": "iso-13485"}, {"q": "Musterweberei"}, near):
        filtered = await list_all(client, "/v1/organizations", headers, **params)
        assert {by_id[i] for i in filtered} == visible


async def org_snapshot(client: httpx.AsyncClient, market: Market, org: str) -> Any:
    response = await client.get(
        f"/v1/organizations/{id_of(market, org)}", headers=headers_of(market, OWNER_PARTNER[org])
    )
    assert response.status_code == 200
    keys = await client.get(
        f"/v1/organizations/{id_of(market, org)}/api-keys",
        headers=headers_of(market, OWNER_PARTNER[org]),
    )
    assert keys.status_code == 200
    key_state = sorted((k["id"], k["revoked_at"]) for k in keys.json()["data"])
    return response.headers["etag"], response.json(), key_state


@pytest.mark.parametrize(("actor", "target"), FOREIGN_PAIRS)
async def test_organization_writes_not_yours_are_404_without_side_effect(
    client: httpx.AsyncClient, market: Market, actor: str, target: str
) -> None:
    headers = headers_of(market, actor)
    url = f"/v1/organizations/{id_of(market, target)}"
    before = await org_snapshot(client, market, target)
    owner_headers = headers_of(market, OWNER_PARTNER[target])
    [key] = (await client.get(f"{url}/api-keys", headers=owner_headers)).json()["data"]

    assert_hidden(await client.patch(url, json={"name": "hijacked"}, headers=headers))
    assert_hidden(
        await client.patch(url, json={"certifications": []}, headers={**headers, "If-Match": "*"})
    )
    assert_hidden(await client.delete(url, headers=headers))
    # Its keys: no minting, no listing, no revoking.
    assert_hidden(await client.post(f"{url}/api-keys", headers=headers))
    assert_hidden(await client.post(f"{url}/api-keys", json={"name": "x"}, headers=headers))
    assert_hidden(await client.get(f"{url}/api-keys", headers=headers))
    assert_hidden(await client.delete(f"{url}/api-keys/{key['id']}", headers=headers))

    assert await org_snapshot(client, market, target) == before
    target_key = headers_of(market, target)
    assert (await client.get(url, headers=target_key)).status_code == 200


@pytest.mark.parametrize(
    ("actor", "target"), [("a", "b1"), ("b", "a1"), ("a1", "a2"), ("b1", "a1")]
)
async def test_verification_of_a_foreign_organization_is_404(
    client: httpx.AsyncClient, market: Market, actor: str, target: str
) -> None:
    headers = headers_of(market, actor)
    url = f"/v1/organizations/{id_of(market, target)}"
    before = await org_snapshot(client, market, target)
    assert_hidden(await client.post(f"{url}/verify", json={"verified": True}, headers=headers))
    assert_hidden(
        await client.post(
            f"{url}/certifications/iso-13485/verify", json={"verified": True}, headers=headers
        )
    )
    assert await org_snapshot(client, market, target) == before


async def test_a_key_id_of_another_organization_cannot_be_revoked_through_yours(
    client: httpx.AsyncClient, market: Market
) -> None:
    a = market.a.headers
    [a1_key] = (await client.get(f"/v1/organizations/{market.a1.id}/api-keys", headers=a)).json()[
        "data"
    ]
    # Partner a acts for a2, but a1's key is not a2's.
    assert_hidden(
        await client.delete(f"/v1/organizations/{market.a2.id}/api-keys/{a1_key['id']}", headers=a)
    )
    # Organisation a2 revoking via its own organisation path, too.
    assert_hidden(
        await client.delete(
            f"/v1/organizations/{market.a2.id}/api-keys/{a1_key['id']}",
            headers=market.a2.headers,
        )
    )
    # A partner key id is not an organisation key.
    [a_key] = (await client.get(f"/v1/partners/{market.a.id}/api-keys", headers=a)).json()["data"]
    assert_hidden(
        await client.delete(f"/v1/organizations/{market.a1.id}/api-keys/{a_key['id']}", headers=a)
    )
    assert (await client.get("/v1/organizations", headers=market.a1.headers)).status_code == 200
    assert (await client.get("/v1/organizations", headers=a)).status_code == 200


async def test_organization_key_acts_for_itself_only(
    client: httpx.AsyncClient, market: Market
) -> None:
    own = f"/v1/organizations/{market.a1.id}"
    patched = await client.patch(own, json={"name": "A1 GmbH"}, headers=market.a1.headers)
    assert patched.status_code == 200
    assert patched.json()["name"] == "A1 GmbH"
    # It cannot register organisations (for itself or anybody).
    assert_problem(
        await client.post(
            "/v1/organizations",
            json={"name": "Child", "kind": "buyer", "location": {"lat": 1, "lon": 1}},
            headers=market.a1.headers,
        ),
        403,
    )
    listed = await list_all(client, "/v1/organizations", market.a.headers)
    assert set(listed) == {market.a1.id, market.a2.id}


# --- partners ----------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", [*MEMBERS, "admin"])
async def test_partners_a_key_may_see(
    client: httpx.AsyncClient, market: Market, viewer: str
) -> None:
    headers = headers_of(market, viewer)
    # The admin sees every partner, a partner itself; an organisation key acts for
    # its organisation only, so its partner is not its business.
    visible = {"a", "b"} if viewer == "admin" else {viewer} & {"a", "b"}
    for partner in ("a", "b"):
        url = f"/v1/partners/{id_of(market, partner)}"
        for response in (
            await client.get(url, headers=headers),
            await client.get(f"{url}/api-keys", headers=headers),
        ):
            if partner in visible:
                assert response.status_code == 200, response.text
            else:
                assert_hidden(response)
    listed = await client.get("/v1/partners", headers=headers)
    if viewer == "admin":
        assert listed.status_code == 200
    else:
        assert_problem(listed, 403)


@pytest.mark.parametrize(
    ("actor", "target"), [("a", "b"), ("b", "a"), ("a1", "a"), ("a1", "b"), ("b1", "b")]
)
async def test_partner_keys_not_yours_cannot_be_minted_or_revoked(
    client: httpx.AsyncClient, market: Market, actor: str, target: str
) -> None:
    headers = headers_of(market, actor)
    url = f"/v1/partners/{id_of(market, target)}/api-keys"
    owner = headers_of(market, target)
    [key] = (await client.get(url, headers=owner)).json()["data"]

    assert_hidden(await client.post(url, headers=headers))
    assert_hidden(await client.post(url, json={"name": "backdoor"}, headers=headers))
    assert_hidden(await client.delete(f"{url}/{key['id']}", headers=headers))

    after = (await client.get(url, headers=owner)).json()["data"]
    assert [(k["id"], k["revoked_at"]) for k in after] == [(key["id"], None)]
    assert (
        await client.get(f"/v1/partners/{id_of(market, target)}", headers=owner)
    ).status_code == 200


async def test_a_partner_cannot_revoke_another_partners_key_through_its_own_path(
    client: httpx.AsyncClient, market: Market
) -> None:
    [b_key] = (
        await client.get(f"/v1/partners/{market.b.id}/api-keys", headers=market.b.headers)
    ).json()["data"]
    assert_hidden(
        await client.delete(
            f"/v1/partners/{market.a.id}/api-keys/{b_key['id']}", headers=market.a.headers
        )
    )
    # Nor an organisation key through the partner path.
    [a1_key] = (
        await client.get(f"/v1/organizations/{market.a1.id}/api-keys", headers=market.a.headers)
    ).json()["data"]
    assert_hidden(
        await client.delete(
            f"/v1/partners/{market.a.id}/api-keys/{a1_key['id']}", headers=market.a.headers
        )
    )
    assert (await client.get("/v1/organizations", headers=market.b.headers)).status_code == 200
    assert (await client.get("/v1/organizations", headers=market.a1.headers)).status_code == 200


@pytest.mark.parametrize("actor", MEMBERS)
async def test_only_the_admin_changes_partners(
    client: httpx.AsyncClient, market: Market, actor: str
) -> None:
    headers = headers_of(market, actor)
    for partner in ("a", "b"):
        url = f"/v1/partners/{id_of(market, partner)}"
        before = await client.get(url, headers=ADMIN)
        assert_problem(await client.patch(url, json={"name": "mine"}, headers=headers), 403)
        assert_problem(await client.delete(url, headers=headers), 403)
        after = await client.get(url, headers=ADMIN)
        assert after.json() == before.json()
        assert after.headers["etag"] == before.headers["etag"]
    assert_problem(
        await client.post("/v1/partners", json={"name": "X", "slug": "x"}, headers=headers), 403
    )


async def test_deactivating_a_partner_stops_only_its_own_keys(
    client: httpx.AsyncClient, market: Market
) -> None:
    await client.delete(f"/v1/partners/{market.a.id}", headers=ADMIN)
    for who in ("a", "a1", "a2"):
        assert_problem(await client.get("/v1/offers", headers=headers_of(market, who)), 401)
    for who in ("b", "b1", "b2"):
        assert (await client.get("/v1/offers", headers=headers_of(market, who))).status_code == 200
