"""The event feed doubles as an audit log: every event names its actor (the key's kind and
id, never the key), and the operator's and partners' actions on partners, keys and
verification are events too."""

from __future__ import annotations

import json

import httpx

from tests.events.test_router import events, types
from tests.fixtures.factories import ADMIN, Market, bearer


def _key_id_of(client_key: str, listed: list[dict[str, str]]) -> str:
    return next(key["id"] for key in listed if client_key.startswith(key["prefix"]))


async def test_partner_changes_are_events_of_the_operator(
    client: httpx.AsyncClient, market: Market
) -> None:
    created = await client.post("/v1/partners", json={"name": "Neu", "slug": "neu"}, headers=ADMIN)
    partner = created.json()
    url = f"/v1/partners/{partner['id']}"
    assert (await client.patch(url, json={"name": "Neu Cluster"}, headers=ADMIN)).status_code == 200
    assert (await client.patch(url, json={"name": "Neu Cluster"}, headers=ADMIN)).status_code == 200
    assert (await client.delete(url, headers=ADMIN)).status_code == 200

    seen, _ = await events(client, ADMIN, types="partner.*,api_key.*")
    mine = [event for event in seen if event["partner_id"] == partner["id"]]
    assert types(mine) == [
        "partner.created",
        "api_key.created",
        "partner.updated",  # the second PATCH changed nothing: no event
        "partner.deactivated",
    ]
    assert {event["actor"]["kind"] for event in mine} == {"admin"}
    assert mine[2]["data"]["object"]["name"] == "Neu Cluster"
    assert mine[3]["data"]["object"]["status"] == "inactive"
    # The initial key's event shows the key as listings do, never the secret.
    assert partner["api_key"] not in json.dumps(mine)
    assert mine[1]["data"]["object"]["id"] == partner["api_key_id"]
    # Another partner sees none of it.
    others, _ = await events(client, market.b.headers, types="partner.*,api_key.*")
    assert [event for event in others if event["partner_id"] == partner["id"]] == []


async def test_keys_issued_and_revoked_name_who_did_it(
    client: httpx.AsyncClient, market: Market
) -> None:
    url = f"/v1/organizations/{market.a1.id}/api-keys"
    issued = (await client.post(url, json={"name": "erp"}, headers=market.a.headers)).json()
    revoked = await client.delete(f"{url}/{issued['id']}", headers=market.a.headers)
    assert revoked.status_code == 200
    partner_keys = (await client.get(f"/v1/partners/{market.a.id}/api-keys", headers=ADMIN)).json()
    acting_key = _key_id_of(market.a.key, partner_keys["data"])

    seen, _ = await events(client, market.a1.headers, types="api_key.*")
    assert types(seen[-2:]) == ["api_key.created", "api_key.revoked"]
    for event in seen[-2:]:
        assert event["actor"] == {"kind": "partner", "key_id": acting_key}
        assert event["organization_id"] == market.a1.id
        assert event["data"]["object"]["id"] == issued["id"]
    assert seen[-1]["data"]["object"]["revoked_at"] is not None
    assert issued["api_key"] not in json.dumps(seen)
    assert market.a.key not in json.dumps(seen)


async def test_verification_by_the_operator_is_an_event_with_the_admin_as_actor(
    client: httpx.AsyncClient, market: Market
) -> None:
    verified = await client.post(
        f"/v1/organizations/{market.a1.id}/verify", json={"verified": True}, headers=ADMIN
    )
    assert verified.status_code == 200
    seen, _ = await events(client, market.a.headers, types="organization.updated")
    assert seen[-1]["actor"] == {"kind": "admin", "key_id": "admin"}
    assert seen[-1]["data"]["object"]["verified"] is True


async def test_an_organisation_key_is_named_when_it_acts(
    client: httpx.AsyncClient, market: Market
) -> None:
    key = market.a1.key
    listed = await client.get(f"/v1/organizations/{market.a1.id}/api-keys", headers=bearer(key))
    own = _key_id_of(key, listed.json()["data"])
    patched = await client.patch(
        f"/v1/organizations/{market.a1.id}", json={"name": "Weberei Neu"}, headers=bearer(key)
    )
    assert patched.status_code == 200
    seen, _ = await events(client, bearer(key), types="organization.updated")
    assert seen[-1]["actor"] == {"kind": "organization", "key_id": own}
