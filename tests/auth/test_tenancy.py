"""Tenancy of partners and their keys: only the admin manages partners, a partner only
its own keys; anything else answers 404 and changes nothing."""

from __future__ import annotations

import httpx
import pytest

from tests.fixtures.assertions import assert_problem
from tests.fixtures.factories import (
    ADMIN,
    Market,
)
from tests.fixtures.tenancy import MEMBERS, assert_hidden, headers_of, id_of


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
