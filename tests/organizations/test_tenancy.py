"""Tenancy of organisations: a partner sees and acts for its members, an organisation
for itself; anything else answers 404 and changes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fixtures.assertions import assert_problem
from tests.fixtures.factories import (
    Market,
)
from tests.fixtures.tenancy import (
    FOREIGN_PAIRS,
    MEMBERS,
    ORGANIZATION_VIEWERS,
    ORGANIZATIONS,
    OWNER_PARTNER,
    assert_hidden,
    headers_of,
    id_of,
    list_all,
)


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
