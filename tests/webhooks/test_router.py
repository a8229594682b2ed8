"""The webhook-endpoint API: CRUD, the secret shown once, rotation, test pings, the
delivery log, retries, and tenancy (other callers' endpoints answer 404)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.fixtures.assertions import assert_invalid, assert_problem, ids
from tests.fixtures.factories import ADMIN, Market
from tests.fixtures.tenancy import assert_hidden
from tests.webhooks.conftest import create_endpoint

BASE = "/v1/webhook-endpoints"


async def test_create_shows_the_secret_once_and_reads_never_show_it(
    client: httpx.AsyncClient, market: Market
) -> None:
    body = {"url": "https://hooks.example/a", "event_types": ["offer.*", "match.found"]}
    headers = {**market.a.headers, "Idempotency-Key": "create-hook-1"}
    response = await client.post(BASE, json={**body, "description": "portal"}, headers=headers)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["secret"].startswith("whsec_")
    assert created["status"] == "enabled"
    assert created["event_types"] == ["offer.*", "match.found"]
    assert (created["partner_id"], created["organization_id"]) == (market.a.id, None)
    replay = await client.post(BASE, json={**body, "description": "portal"}, headers=headers)
    problem = assert_problem(replay, 409)
    assert created["id"] in problem["detail"]
    assert "whsec_" not in replay.text
    read = await client.get(f"{BASE}/{created['id']}", headers=market.a.headers)
    assert read.status_code == 200
    assert "secret" not in read.json()
    assert read.headers["etag"]
    listed = await client.get(BASE, headers=market.a.headers)
    assert ids(listed) == [created["id"]]
    assert "whsec_" not in listed.text


async def test_an_organisation_key_owns_its_endpoints_and_its_partner_sees_them(
    client: httpx.AsyncClient, market: Market
) -> None:
    own = await create_endpoint(client, market.a1.headers)
    assert (own["partner_id"], own["organization_id"]) == (market.a.id, market.a1.id)
    partners = await create_endpoint(client, market.a.headers)
    assert ids(await client.get(BASE, headers=market.a1.headers)) == [own["id"]]
    assert ids(await client.get(BASE, headers=market.a2.headers)) == []
    assert ids(await client.get(BASE, headers=market.a.headers)) == [partners["id"], own["id"]]
    assert ids(await client.get(BASE, headers=market.b.headers)) == []


async def test_the_admin_key_has_no_endpoints(client: httpx.AsyncClient) -> None:
    response = await client.post(
        BASE, json={"url": "https://hooks.example", "event_types": ["*"]}, headers=ADMIN
    )
    assert_problem(response, 403)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "https://hooks.example", "event_types": []}, "event_types"),
        ({"url": "https://hooks.example", "event_types": ["offer.**"]}, "event_types[0]"),
        ({"url": "https://hooks.example", "event_types": ["Offer"]}, "event_types[0]"),
        ({"url": "https://hooks.example", "event_types": ["*"], "secret": "x"}, "secret"),
        ({"event_types": ["*"]}, "url"),
    ],
)
async def test_invalid_bodies_answer_422(
    client: httpx.AsyncClient, market: Market, body: dict[str, object], field: str
) -> None:
    assert_invalid(await client.post(BASE, json=body, headers=market.a.headers), field)


async def test_update_and_delete(client: httpx.AsyncClient, market: Market) -> None:
    endpoint = await create_endpoint(client, market.a.headers, description="old")
    url = f"{BASE}/{endpoint['id']}"
    stale = await client.patch(
        url, json={"status": "disabled"}, headers={**market.a.headers, "If-Match": '"99"'}
    )
    assert_problem(stale, 412)
    patched = await client.patch(
        url,
        json={"status": "disabled", "description": None, "event_types": ["request.*"]},
        headers=market.a.headers,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["status"] == "disabled"
    assert patched.json()["description"] is None
    assert patched.json()["event_types"] == ["request.*"]
    assert_invalid(await client.patch(url, json={"url": None}, headers=market.a.headers), "url")
    deleted = await client.delete(url, headers=market.a.headers)
    assert deleted.status_code == 204
    assert_hidden(await client.get(url, headers=market.a.headers))


async def test_rotation_returns_a_new_secret_once(
    client: httpx.AsyncClient, market: Market
) -> None:
    endpoint = await create_endpoint(client, market.a.headers)
    url = f"{BASE}/{endpoint['id']}/rotate-secret"
    headers = {**market.a.headers, "Idempotency-Key": "rotate-1"}
    rotated = await client.post(url, headers=headers)
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != endpoint["secret"]
    assert rotated.json()["previous_secret_expires_at"]
    replay = await client.post(url, headers=headers)
    assert_problem(replay, 409)
    assert "whsec_" not in replay.text


async def test_ping_is_queued_listed_and_can_be_retried(
    client: httpx.AsyncClient, market: Market
) -> None:
    endpoint = await create_endpoint(client, market.a1.headers, event_types=["offer.created"])
    base = f"{BASE}/{endpoint['id']}"
    ping = await client.post(f"{base}/test", headers=market.a1.headers)
    assert ping.status_code == 202, ping.text
    delivery = ping.json()
    assert delivery["event_type"] == "ping"
    assert delivery["event_id"].startswith("evt_")
    assert (delivery["status"], delivery["attempt"]) == ("pending", 0)
    listed = await client.get(f"{base}/deliveries", headers=market.a1.headers)
    assert listed.status_code == 200
    [item] = listed.json()["data"]
    assert set(item) >= {
        "event_id",
        "event_type",
        "attempt",
        "status",
        "response_status",
        "duration_ms",
        "next_attempt_at",
        "error",
    }
    retried = await client.post(
        f"{base}/deliveries/{delivery['id']}/retry", headers=market.a1.headers
    )
    assert retried.status_code == 202, retried.text
    assert retried.json()["status"] == "pending"
    assert_hidden(await client.post(f"{base}/deliveries/whd_nope/retry", headers=market.a.headers))


async def test_a_disabled_endpoint_refuses_pings(client: httpx.AsyncClient, market: Market) -> None:
    endpoint = await create_endpoint(client, market.a.headers)
    base = f"{BASE}/{endpoint['id']}"
    await client.patch(base, json={"status": "disabled"}, headers=market.a.headers)
    assert_problem(await client.post(f"{base}/test", headers=market.a.headers), 409)


async def test_every_id_path_answers_404_to_other_callers(
    client: httpx.AsyncClient, market: Market
) -> None:
    endpoint = await create_endpoint(client, market.a1.headers)
    base = f"{BASE}/{endpoint['id']}"
    ping = (await client.post(f"{base}/test", headers=market.a1.headers)).json()
    calls = [
        ("GET", base, None),
        ("PATCH", base, {"description": "mine now"}),
        ("DELETE", base, None),
        ("POST", f"{base}/rotate-secret", None),
        ("POST", f"{base}/test", None),
        ("GET", f"{base}/deliveries", None),
        ("POST", f"{base}/deliveries/{ping['id']}/retry", None),
    ]
    for who in (market.b, market.b1, market.a2):
        for method, url, body in calls:
            response = await client.request(method, url, json=body, headers=who.headers)
            assert_hidden(response)
    # Another endpoint's delivery is not reachable through one's own endpoint either.
    other = await create_endpoint(client, market.b.headers)
    assert_hidden(
        await client.post(
            f"{BASE}/{other['id']}/deliveries/{ping['id']}/retry", headers=market.b.headers
        )
    )
    still = await client.get(base, headers=market.a.headers)
    assert still.status_code == 200
    assert still.json()["description"] is None


async def test_private_targets_are_refused_outside_development(
    app: FastAPI, client: httpx.AsyncClient, market: Market
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"webhook_allow_private": False})
    for url in (
        "http://hooks.example/x",
        "https://127.0.0.1/x",
        "https://10.1.2.3/x",
        "https://169.254.169.254/latest",
        "https://[::1]/x",
        "https://localhost/x",
    ):
        response = await client.post(
            BASE, json={"url": url, "event_types": ["*"]}, headers=market.a.headers
        )
        assert_invalid(response, "url")
