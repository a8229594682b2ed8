"""Partners: created and managed by the operator (admin key), keys shown once, revocable."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker

from app.core.config import Settings
from app.core.db import Database
from app.main import create_app
from tests.fixtures.assertions import assert_problem
from tests.fixtures.factories import (
    ADMIN,
    Market,
    PartnerCtx,
    bearer,
    make_organization,
    make_partner,
)


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def error_fields(response: httpx.Response) -> list[str]:
    body = assert_problem(response, 422)
    return [error["field"] for error in body["errors"]]


async def list_keys(
    client: httpx.AsyncClient, partner_id: str, headers: dict[str, str]
) -> list[Any]:
    response = await client.get(f"/v1/partners/{partner_id}/api-keys", headers=headers)
    assert response.status_code == 200, response.text
    data: list[Any] = response.json()["data"]
    return data


# --- create ------------------------------------------------------------------------------


async def test_admin_creates_partner_and_sees_its_key_once(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/partners", json={"name": "Place2tex", "slug": "place2tex"}, headers=ADMIN
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "Place2tex"
    assert body["slug"] == "place2tex"
    assert body["status"] == "active"
    assert body["id"].startswith("par_")
    assert parse_time(body["created_at"]).utcoffset() == timedelta(0)
    assert body["api_key"].startswith("cmp_")
    assert len(body["api_key"]) > 40
    key = body["api_key"]

    # The key works, and is never shown again.
    read = await client.get(f"/v1/partners/{body['id']}", headers=bearer(key))
    assert read.status_code == 200
    assert "api_key" not in read.json()
    assert key not in read.text
    assert read.json()["slug"] == "place2tex"
    admin_read = await client.get(f"/v1/partners/{body['id']}", headers=ADMIN)
    assert "api_key" not in admin_read.json()
    listed = await client.get("/v1/partners", headers=ADMIN)
    assert key not in listed.text
    keys = await client.get(f"/v1/partners/{body['id']}/api-keys", headers=ADMIN)
    assert key not in keys.text


async def test_create_partner_needs_the_admin_key(client: httpx.AsyncClient) -> None:
    body = {"name": "X", "slug": "x-cluster"}
    assert_problem(await client.post("/v1/partners", json=body), 401)
    partner = await make_partner(client)
    assert_problem(await client.post("/v1/partners", json=body, headers=partner.headers), 403)
    # Nothing was created by the refused calls: the slug is still free.
    created = await client.post("/v1/partners", json=body, headers=ADMIN)
    assert created.status_code == 201


@pytest.mark.parametrize(
    "slug",
    [
        "Place2tex",
        "-place",
        "place-",
        "place tex",
        "place_tex",
        "plätze",
        "",
        "a" * 64,
    ],
)
async def test_invalid_slug_is_rejected(client: httpx.AsyncClient, slug: str) -> None:
    response = await client.post("/v1/partners", json={"name": "X", "slug": slug}, headers=ADMIN)
    assert error_fields(response) == ["slug"]


@pytest.mark.parametrize("slug", ["a", "p2", "place2tex", "a" * 63, "cluster-bw-1"])
async def test_valid_slugs_are_accepted(client: httpx.AsyncClient, slug: str) -> None:
    response = await client.post("/v1/partners", json={"name": "X", "slug": slug}, headers=ADMIN)
    assert response.status_code == 201, response.text
    assert response.json()["slug"] == slug


async def test_create_partner_validation(client: httpx.AsyncClient) -> None:
    missing = await client.post("/v1/partners", json={"slug": "abc"}, headers=ADMIN)
    assert error_fields(missing) == ["name"]
    # Unknown fields are rejected: a client cannot set the status (or a key) itself.
    unknown = await client.post(
        "/v1/partners",
        json={"name": "X", "slug": "abc", "status": "inactive", "api_key": "cmp_mine"},
        headers=ADMIN,
    )
    assert sorted(error_fields(unknown)) == ["api_key", "status"]
    empty_name = await client.post("/v1/partners", json={"name": "", "slug": "abc"}, headers=ADMIN)
    assert error_fields(empty_name) == ["name"]


async def test_duplicate_slug_is_a_conflict(client: httpx.AsyncClient) -> None:
    first = await client.post("/v1/partners", json={"name": "A", "slug": "dup"}, headers=ADMIN)
    assert first.status_code == 201

    second = await client.post("/v1/partners", json={"name": "B", "slug": "dup"}, headers=ADMIN)

    body = assert_problem(second, 409)
    assert "dup" in body["detail"]
    listed = (await client.get("/v1/partners", headers=ADMIN)).json()["data"]
    assert [p["name"] for p in listed if p["slug"] == "dup"] == ["A"]


# --- list --------------------------------------------------------------------------------


async def test_list_partners_is_admin_only(client: httpx.AsyncClient, market: Market) -> None:
    response = await client.get("/v1/partners", headers=ADMIN)
    assert response.status_code == 200
    body = response.json()
    assert {p["id"] for p in body["data"]} == {market.a.id, market.b.id}
    assert body["has_more"] is False
    assert body["next_cursor"] is None
    # Newest first (ids are time-sortable).
    assert [p["id"] for p in body["data"]] == sorted((market.a.id, market.b.id), reverse=True)
    assert all("api_key" not in p for p in body["data"])

    assert_problem(await client.get("/v1/partners", headers=market.a.headers), 403)
    assert_problem(await client.get("/v1/partners", headers=market.a1.headers), 403)
    assert_problem(await client.get("/v1/partners"), 401)
    assert_problem(await client.get("/v1/partners", headers=bearer("cmp_not-a-real-key")), 401)
    assert_problem(await client.get("/v1/partners", headers=bearer("not-even-prefixed")), 401)


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token cmp_abc", "cmp_abc"],
)
async def test_malformed_authorization_is_401(
    client: httpx.AsyncClient, authorization: str
) -> None:
    response = await client.get("/v1/partners", headers={"Authorization": authorization})
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_list_partners_pages_and_filters(client: httpx.AsyncClient) -> None:
    partners = [await make_partner(client) for _ in range(3)]
    await client.delete(f"/v1/partners/{partners[1].id}", headers=ADMIN)

    first = await client.get("/v1/partners", params={"limit": 2}, headers=ADMIN)
    assert first.status_code == 200
    page1 = first.json()
    assert page1["has_more"] is True
    assert page1["next_cursor"]
    second = await client.get(
        "/v1/partners", params={"limit": 2, "cursor": page1["next_cursor"]}, headers=ADMIN
    )
    page2 = second.json()
    assert page2["has_more"] is False
    assert page2["next_cursor"] is None
    ids = [p["id"] for p in page1["data"] + page2["data"]]
    assert ids == sorted((p.id for p in partners), reverse=True)

    inactive = await client.get("/v1/partners", params={"status": "inactive"}, headers=ADMIN)
    assert [p["id"] for p in inactive.json()["data"]] == [partners[1].id]
    active = await client.get("/v1/partners", params={"status": "active"}, headers=ADMIN)
    active_ids = [p["id"] for p in active.json()["data"]]
    assert active_ids == sorted((partners[2].id, partners[0].id), reverse=True)
    bad = await client.get("/v1/partners", params={"status": "gone"}, headers=ADMIN)
    assert error_fields(bad) == ["status"]


# --- get ---------------------------------------------------------------------------------


async def test_get_partner_admin_any_partner_only_itself(
    client: httpx.AsyncClient, market: Market
) -> None:
    for partner in (market.a, market.b):
        response = await client.get(f"/v1/partners/{partner.id}", headers=ADMIN)
        assert response.status_code == 200
        assert response.json()["id"] == partner.id
        assert response.headers["etag"]

    own = await client.get(f"/v1/partners/{market.a.id}", headers=market.a.headers)
    assert own.status_code == 200
    assert own.json()["id"] == market.a.id

    assert_problem(await client.get(f"/v1/partners/{market.b.id}", headers=market.a.headers), 404)
    assert_problem(await client.get("/v1/partners/par_missing", headers=ADMIN), 404)
    assert_problem(await client.get(f"/v1/partners/{market.a.id}"), 401)


# --- update ------------------------------------------------------------------------------


async def test_patch_partner_with_etag(client: httpx.AsyncClient) -> None:
    partner = await make_partner(client)
    read = await client.get(f"/v1/partners/{partner.id}", headers=ADMIN)
    etag = read.headers["etag"]
    assert etag.startswith('"')
    assert etag.endswith('"')

    stale = await client.patch(
        f"/v1/partners/{partner.id}",
        json={"name": "Renamed"},
        headers={**ADMIN, "If-Match": '"999"'},
    )
    assert_problem(stale, 412)
    unchanged = await client.get(f"/v1/partners/{partner.id}", headers=ADMIN)
    assert unchanged.json()["name"] == read.json()["name"]
    assert unchanged.headers["etag"] == etag

    updated = await client.patch(
        f"/v1/partners/{partner.id}", json={"name": "Renamed"}, headers={**ADMIN, "If-Match": etag}
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["name"] == "Renamed"
    assert updated.json()["slug"] == read.json()["slug"]
    new_etag = updated.headers["etag"]
    assert new_etag != etag
    assert parse_time(updated.json()["updated_at"]) > parse_time(read.json()["updated_at"])

    again = await client.get(f"/v1/partners/{partner.id}", headers=ADMIN)
    assert again.headers["etag"] == new_etag
    assert again.json()["name"] == "Renamed"

    # The old ETag no longer matches.
    replay = await client.patch(
        f"/v1/partners/{partner.id}", json={"name": "Other"}, headers={**ADMIN, "If-Match": etag}
    )
    assert_problem(replay, 412)
    # A weak tag for the current version, or "*", matches.
    weak = await client.patch(
        f"/v1/partners/{partner.id}",
        json={"name": "Weak"},
        headers={**ADMIN, "If-Match": f"W/{new_etag}"},
    )
    assert weak.status_code == 200
    star = await client.patch(
        f"/v1/partners/{partner.id}", json={"name": "Star"}, headers={**ADMIN, "If-Match": "*"}
    )
    assert star.status_code == 200
    assert star.json()["name"] == "Star"


async def test_patch_partner_rules(client: httpx.AsyncClient, market: Market) -> None:
    url = f"/v1/partners/{market.a.id}"
    assert_problem(await client.patch(url, json={"name": "Mine"}, headers=market.a.headers), 403)
    assert_problem(await client.patch(url, json={"name": "Mine"}), 401)
    assert error_fields(await client.patch(url, json={"slug": "new"}, headers=ADMIN)) == ["slug"]
    assert error_fields(await client.patch(url, json={"name": None}, headers=ADMIN)) == ["name"]
    assert error_fields(await client.patch(url, json={"status": "gone"}, headers=ADMIN)) == [
        "status"
    ]
    assert_problem(
        await client.patch("/v1/partners/par_missing", json={"name": "X"}, headers=ADMIN), 404
    )
    # The refused calls changed nothing.
    read = await client.get(url, headers=ADMIN)
    assert read.json()["name"] != "Mine"
    assert read.json()["status"] == "active"


# --- deactivate --------------------------------------------------------------------------


async def test_delete_deactivates_partner_and_its_keys(
    client: httpx.AsyncClient, market: Market
) -> None:
    assert (await client.get("/v1/organizations", headers=market.a.headers)).status_code == 200

    response = await client.delete(f"/v1/partners/{market.a.id}", headers=ADMIN)

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "inactive"
    assert response.headers["etag"]
    # The partner's own key and its organisations' keys stop working.
    assert_problem(await client.get("/v1/organizations", headers=market.a.headers), 401)
    assert_problem(await client.get(f"/v1/partners/{market.a.id}", headers=market.a.headers), 401)
    assert_problem(await client.get("/v1/organizations", headers=market.a1.headers), 401)
    # The data is kept; the other partner is untouched.
    read = await client.get(f"/v1/partners/{market.a.id}", headers=ADMIN)
    assert read.json()["status"] == "inactive"
    assert (await client.get("/v1/organizations", headers=market.b.headers)).status_code == 200
    # Deleting again is harmless.
    again = await client.delete(f"/v1/partners/{market.a.id}", headers=ADMIN)
    assert again.status_code == 200
    assert again.json()["status"] == "inactive"


async def test_reactivating_a_partner_restores_its_keys(
    client: httpx.AsyncClient, market: Market
) -> None:
    await client.delete(f"/v1/partners/{market.a.id}", headers=ADMIN)
    assert_problem(await client.get("/v1/organizations", headers=market.a.headers), 401)

    response = await client.patch(
        f"/v1/partners/{market.a.id}", json={"status": "active"}, headers=ADMIN
    )

    assert response.json()["status"] == "active"
    assert (await client.get("/v1/organizations", headers=market.a.headers)).status_code == 200


async def test_delete_partner_rules(client: httpx.AsyncClient, market: Market) -> None:
    url = f"/v1/partners/{market.a.id}"
    assert_problem(await client.delete(url, headers=market.a.headers), 403)
    assert_problem(await client.delete(url), 401)
    assert_problem(await client.delete(url, headers={**ADMIN, "If-Match": '"999"'}), 412)
    assert_problem(await client.delete("/v1/partners/par_missing", headers=ADMIN), 404)
    read = await client.get(url, headers=market.a.headers)
    assert read.status_code == 200
    assert read.json()["status"] == "active"


# --- partner keys ------------------------------------------------------------------------


async def test_partner_issues_lists_and_revokes_keys(client: httpx.AsyncClient) -> None:
    partner = await make_partner(client)
    [initial] = await list_keys(client, partner.id, partner.headers)
    assert initial["kind"] == "partner"
    assert initial["partner_id"] == partner.id
    assert initial["organization_id"] is None
    assert initial["prefix"] == partner.key[: len(initial["prefix"])]
    assert initial["prefix"].startswith("cmp_")
    assert initial["revoked_at"] is None

    created = await client.post(
        f"/v1/partners/{partner.id}/api-keys", json={"name": "rotation"}, headers=partner.headers
    )
    assert created.status_code == 201, created.text
    new = created.json()
    assert new["api_key"].startswith("cmp_")
    assert new["api_key"] != partner.key
    assert new["name"] == "rotation"
    assert new["kind"] == "partner"
    assert new["prefix"] == new["api_key"][: len(new["prefix"])]
    assert new["last_used_at"] is None
    new_headers = bearer(new["api_key"])

    # The list shows both keys, never a secret.
    listed = await client.get(f"/v1/partners/{partner.id}/api-keys", headers=partner.headers)
    assert listed.status_code == 200
    assert {k["id"] for k in listed.json()["data"]} == {initial["id"], new["id"]}
    assert new["api_key"] not in listed.text
    assert partner.key not in listed.text
    assert all("api_key" not in k and "secret_hash" not in k for k in listed.json()["data"])
    by_id = {k["id"]: k for k in listed.json()["data"]}
    assert by_id[new["id"]]["last_used_at"] is None

    # The new key works, and its use is recorded.
    assert (await client.get(f"/v1/partners/{partner.id}", headers=new_headers)).status_code == 200
    by_id = {k["id"]: k for k in await list_keys(client, partner.id, partner.headers)}
    assert by_id[new["id"]]["last_used_at"] is not None
    assert parse_time(by_id[new["id"]]["last_used_at"]) >= parse_time(new["created_at"])

    # Revoking the original key stops it at once; the new one keeps working.
    revoked = await client.delete(
        f"/v1/partners/{partner.id}/api-keys/{initial['id']}", headers=new_headers
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["id"] == initial["id"]
    assert revoked.json()["revoked_at"] is not None
    assert "api_key" not in revoked.json()
    assert_problem(await client.get(f"/v1/partners/{partner.id}", headers=partner.headers), 401)
    assert (await client.get(f"/v1/partners/{partner.id}", headers=new_headers)).status_code == 200
    by_id = {k["id"]: k for k in await list_keys(client, partner.id, new_headers)}
    assert by_id[initial["id"]]["revoked_at"] is not None
    assert by_id[new["id"]]["revoked_at"] is None

    # Revoking twice is harmless; an unknown key id is 404.
    again = await client.delete(
        f"/v1/partners/{partner.id}/api-keys/{initial['id']}", headers=new_headers
    )
    assert again.status_code == 200
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]
    assert_problem(
        await client.delete(f"/v1/partners/{partner.id}/api-keys/key_missing", headers=new_headers),
        404,
    )


async def test_a_partner_may_revoke_the_key_it_calls_with(client: httpx.AsyncClient) -> None:
    partner = await make_partner(client)
    [key] = await list_keys(client, partner.id, partner.headers)

    response = await client.delete(
        f"/v1/partners/{partner.id}/api-keys/{key['id']}", headers=partner.headers
    )

    assert response.status_code == 200
    assert_problem(await client.get(f"/v1/partners/{partner.id}", headers=partner.headers), 401)


async def test_admin_manages_partner_keys(client: httpx.AsyncClient) -> None:
    partner = await make_partner(client)
    created = await client.post(f"/v1/partners/{partner.id}/api-keys", headers=ADMIN)
    assert created.status_code == 201
    assert created.json()["name"] is None
    new_headers = bearer(created.json()["api_key"])
    assert (await client.get(f"/v1/partners/{partner.id}", headers=new_headers)).status_code == 200

    assert len(await list_keys(client, partner.id, ADMIN)) == 2
    revoked = await client.delete(
        f"/v1/partners/{partner.id}/api-keys/{created.json()['id']}", headers=ADMIN
    )
    assert revoked.status_code == 200
    assert_problem(await client.get(f"/v1/partners/{partner.id}", headers=new_headers), 401)
    assert_problem(await client.post("/v1/partners/par_missing/api-keys", headers=ADMIN), 404)


async def test_partner_key_endpoints_need_a_key(client: httpx.AsyncClient) -> None:
    partner = await make_partner(client)
    [key] = await list_keys(client, partner.id, partner.headers)
    base = f"/v1/partners/{partner.id}/api-keys"
    assert_problem(await client.post(base), 401)
    assert_problem(await client.get(base), 401)
    assert_problem(await client.delete(f"{base}/{key['id']}"), 401)
    assert len(await list_keys(client, partner.id, partner.headers)) == 1


async def test_key_name_is_validated(client: httpx.AsyncClient) -> None:
    partner = await make_partner(client)
    url = f"/v1/partners/{partner.id}/api-keys"
    too_long = await client.post(url, json={"name": "x" * 101}, headers=partner.headers)
    assert error_fields(too_long) == ["name"]
    unknown = await client.post(url, json={"kind": "admin"}, headers=partner.headers)
    assert error_fields(unknown) == ["kind"]
    assert len(await list_keys(client, partner.id, partner.headers)) == 1


async def test_partner_key_list_pages(client: httpx.AsyncClient) -> None:
    partner = await make_partner(client)
    for _ in range(2):
        await client.post(f"/v1/partners/{partner.id}/api-keys", headers=partner.headers)
    url = f"/v1/partners/{partner.id}/api-keys"
    first = (await client.get(url, params={"limit": 2}, headers=partner.headers)).json()
    assert first["has_more"] is True
    rest = (
        await client.get(
            url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=partner.headers
        )
    ).json()
    assert rest["has_more"] is False
    ids = [k["id"] for k in first["data"] + rest["data"]]
    assert len(ids) == len(set(ids)) == 3


# --- admin disabled ----------------------------------------------------------------------


@pytest.fixture
async def client_without_admin(
    settings: Settings, engine: AsyncEngine, connection: AsyncConnection
) -> AsyncIterator[httpx.AsyncClient]:
    """The app as run without CAPMATCH_ADMIN_API_KEY: the admin endpoints are disabled."""
    no_admin = settings.model_copy(update={"admin_api_key": None})
    sessionmaker = async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    app: FastAPI = create_app(no_admin, database=Database(engine=engine, sessionmaker=sessionmaker))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://capmatch.test") as client:
        yield client


async def test_admin_endpoints_are_401_without_a_configured_admin_key(
    client: httpx.AsyncClient, client_without_admin: httpx.AsyncClient
) -> None:
    partner: PartnerCtx = await make_partner(client)
    org = await make_organization(client, partner)
    body = {"name": "X", "slug": "no-admin"}

    assert_problem(await client_without_admin.post("/v1/partners", json=body, headers=ADMIN), 401)
    assert_problem(await client_without_admin.get("/v1/partners", headers=ADMIN), 401)
    assert_problem(await client_without_admin.get(f"/v1/partners/{partner.id}", headers=ADMIN), 401)
    assert_problem(
        await client_without_admin.patch(
            f"/v1/partners/{partner.id}", json={"name": "Y"}, headers=ADMIN
        ),
        401,
    )
    assert_problem(
        await client_without_admin.delete(f"/v1/partners/{partner.id}", headers=ADMIN), 401
    )
    assert_problem(
        await client_without_admin.post(
            f"/v1/organizations/{org.id}/verify", json={"verified": True}, headers=ADMIN
        ),
        401,
    )
    # Partner keys keep working on that app.
    own = await client_without_admin.get(f"/v1/partners/{partner.id}", headers=partner.headers)
    assert own.status_code == 200
    assert own.json()["status"] == "active"
    assert own.json()["name"] != "Y"
