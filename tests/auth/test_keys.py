"""API keys: hashing, the in-process key cache and its invalidation."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.cache import KeyCache
from app.auth.keys import generate_key
from app.auth.principal import Principal
from app.core.dates import utcnow
from app.core.hashing import hash_secret
from app.models import ApiKey
from tests.fixtures.assertions import assert_problem
from tests.fixtures.factories import ADMIN, Market, bearer


def test_generated_keys_are_prefixed_random_and_stored_as_sha256() -> None:
    first, second = generate_key("partner"), generate_key("organization")
    assert first.plaintext.startswith("cmp_")
    assert second.plaintext.startswith("cmo_")
    assert len(first.plaintext) >= 4 + 43  # 256 bits of randomness, url-safe base64
    assert first.plaintext not in first.secret_hash
    assert first.prefix == first.plaintext[:12]


def test_hash_secret_is_the_sha256_hex_digest_of_the_whole_key() -> None:
    # A fixed vector (printf '%s' KEY | sha256sum): pins the algorithm, the encoding and
    # that every character counts, independently of how hash_secret computes it.
    key = "cmp_capmatch-test-vector-not-a-real-key-0123456789ab"
    expected = "8d16a5a430a32ff9bb5e895f4ffcd3ef3aa615cd4cf46581d0a5df8466eaae0b"
    assert hash_secret(key) == expected


def wrong_tails(key: str) -> list[str]:
    """The key with its last character changed, and its first 16 characters alone."""
    last = "A" if key[-1] != "A" else "B"
    return [key[:-1] + last, key[:16]]


async def test_a_key_with_the_right_prefix_and_a_wrong_tail_is_refused(
    client: httpx.AsyncClient, market: Market
) -> None:
    for key in (market.a.key, market.a1.key):
        assert key.startswith(("cmp_", "cmo_"))
        # The real key works (and is now cached) ...
        assert (await client.get("/v1/offers", headers=bearer(key))).status_code == 200
        # ... but no key that only shares its start with it does.
        for wrong in wrong_tails(key):
            response = await client.get("/v1/offers", headers=bearer(wrong))
            assert response.status_code == 401, (wrong, response.text)
            assert response.json()["type"] == "urn:capmatch:problem:unauthorized"


def test_key_cache_expires_and_can_be_disabled() -> None:
    principal = Principal(kind="partner", key_id="key_1", partner_id="par_1")
    cache = KeyCache(ttl_s=60)
    cache.put("h", principal, None)
    entry = cache.get("h")
    assert entry is not None
    assert entry.principal == principal
    expired = KeyCache(ttl_s=0.000001)
    expired.put("h", principal, None)
    time.sleep(0.001)
    assert expired.get("h") is None
    disabled = KeyCache(ttl_s=0)
    disabled.put("h", principal, None)
    assert disabled.get("h") is None


async def test_a_cached_key_needs_no_query_until_the_ttl_ends(
    app: FastAPI,
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    assert (await client.get("/v1/offers", headers=market.a.headers)).status_code == 200
    # Revoked behind the API's back: the cache still trusts the key (for <= ttl) ...
    async with session_factory() as session:
        await session.execute(
            update(ApiKey).where(ApiKey.partner_id == market.a.id).values(revoked_at=utcnow())
        )
        await session.commit()
    assert (await client.get("/v1/offers", headers=market.a.headers)).status_code == 200
    # ... and re-checks the database once the entry is gone.
    app.state.key_cache.clear()
    assert (await client.get("/v1/offers", headers=market.a.headers)).status_code == 401


async def test_revoking_through_the_api_takes_effect_at_once(
    client: httpx.AsyncClient, market: Market
) -> None:
    headers = market.a1.headers
    assert (await client.get("/v1/offers", headers=headers)).status_code == 200  # cached
    keys = await client.get(f"/v1/organizations/{market.a1.id}/api-keys", headers=market.a.headers)
    for key in keys.json()["data"]:
        revoked = await client.delete(
            f"/v1/organizations/{market.a1.id}/api-keys/{key['id']}", headers=market.a.headers
        )
        assert revoked.status_code == 200
    assert (await client.get("/v1/offers", headers=headers)).status_code == 401


async def test_a_failed_request_does_not_clear_the_cache(
    app: FastAPI, client: httpx.AsyncClient, market: Market
) -> None:
    await client.get("/v1/offers", headers=market.a.headers)
    cached = len(app.state.key_cache._entries)
    # A revocation that fails (unknown key id) rolls back and must not flush the cache.
    response = await client.delete(
        f"/v1/partners/{market.a.id}/api-keys/key_unknown", headers=ADMIN
    )
    assert response.status_code == 404
    assert len(app.state.key_cache._entries) == cached


async def test_last_used_at_is_recorded(client: httpx.AsyncClient, market: Market) -> None:
    await client.get("/v1/offers", headers=market.a.headers)
    keys = (await client.get(f"/v1/partners/{market.a.id}/api-keys", headers=ADMIN)).json()
    assert keys["data"][0]["last_used_at"] is not None


async def test_a_key_with_an_expiry_stops_at_it_with_a_clear_401(
    client: httpx.AsyncClient, market: Market
) -> None:
    soon = utcnow() + timedelta(seconds=1.5)
    created = await client.post(
        f"/v1/organizations/{market.a1.id}/api-keys",
        json={"name": "for the trial", "expires_at": soon.isoformat()},
        headers=market.a.headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert datetime.fromisoformat(body["expires_at"]) == soon.replace(microsecond=soon.microsecond)
    listed = await client.get(
        f"/v1/organizations/{market.a1.id}/api-keys", headers=market.a.headers
    )
    assert {key["id"]: key["expires_at"] for key in listed.json()["data"]}[body["id"]] is not None

    key = bearer(body["api_key"])
    assert (await client.get("/v1/offers", headers=key)).status_code == 200  # and now cached
    await asyncio.sleep((soon - utcnow()).total_seconds() + 0.1)
    expired = assert_problem(await client.get("/v1/offers", headers=key), 401)
    assert "expired" in expired["detail"]
    # Keys without an expiry are unaffected.
    assert (await client.get("/v1/offers", headers=market.a1.headers)).status_code == 200


@pytest.mark.parametrize("expires_at", ["2020-01-01T00:00:00Z", "2099-01-01T00:00:00", "next week"])
async def test_an_expiry_must_be_a_future_instant_with_a_time_zone(
    client: httpx.AsyncClient, market: Market, expires_at: str
) -> None:
    response = await client.post(
        f"/v1/organizations/{market.a1.id}/api-keys",
        json={"expires_at": expires_at},
        headers=market.a.headers,
    )
    problem = assert_problem(response, 422)
    assert [error["field"] for error in problem["errors"]] == ["expires_at"]
