"""Idempotency-Key on POST: replay, mismatch, scoping, expiry, in-progress claims and
concurrent first claims (on SQLite and, with CAPMATCH_TEST_DATABASE_URL, PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.models import IdempotencyRecord, Offer
from tests.fixtures.factories import (
    Market,
    make_organization,
    make_partner,
    offer_body,
)


async def age_record(key: str, factory: async_sessionmaker[AsyncSession], *, by: timedelta) -> None:
    """Move an idempotency record's creation back in time, as if it were that old."""
    async with factory() as session:
        record = (
            await session.execute(select(IdempotencyRecord).where(IdempotencyRecord.key == key))
        ).scalar_one()
        record.created_at -= by
        await session.commit()


async def count_offers(factory: async_sessionmaker[AsyncSession], title: str) -> int:
    async with factory() as session:
        result = await session.execute(select(func.count()).where(Offer.title == title))
        return int(result.scalar_one())


async def test_replay_returns_the_first_response(
    client: httpx.AsyncClient, market: Market, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    body = offer_body(market.a1.id, title="idempotent offer")
    headers = {**market.a.headers, "Idempotency-Key": "key-1"}
    first = await client.post("/v1/offers", json=body, headers=headers)
    second = await client.post("/v1/offers", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await count_offers(session_factory, "idempotent offer") == 1


async def test_same_key_other_body_is_422(client: httpx.AsyncClient, market: Market) -> None:
    headers = {**market.a.headers, "Idempotency-Key": "key-2"}
    await client.post("/v1/offers", json=offer_body(market.a1.id, title="one"), headers=headers)
    response = await client.post(
        "/v1/offers", json=offer_body(market.a1.id, title="two"), headers=headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_same_key_other_endpoint_is_422(client: httpx.AsyncClient, market: Market) -> None:
    headers = {**market.a.headers, "Idempotency-Key": "key-3"}
    first = await client.post(f"/v1/organizations/{market.a1.id}/api-keys", headers=headers)
    assert first.status_code == 201
    second = await client.post(f"/v1/organizations/{market.a2.id}/api-keys", headers=headers)
    assert second.status_code == 422


async def test_json_formatting_does_not_change_the_fingerprint(
    client: httpx.AsyncClient, market: Market
) -> None:
    headers = {**market.a.headers, "Idempotency-Key": "key-4", "Content-Type": "application/json"}
    body = offer_body(market.a1.id, title="formatting")
    first = await client.post("/v1/offers", content=json.dumps(body), headers=headers)
    second = await client.post(
        "/v1/offers", content=json.dumps(body, indent=4, sort_keys=True), headers=headers
    )
    assert second.status_code == 201
    assert second.json()["id"] == first.json()["id"]


async def test_keys_are_scoped_per_api_key(
    client: httpx.AsyncClient, market: Market, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    body_a = offer_body(market.a1.id, title="scoped")
    body_b = offer_body(market.b1.id, title="scoped")
    first = await client.post(
        "/v1/offers", json=body_a, headers={**market.a.headers, "Idempotency-Key": "shared"}
    )
    second = await client.post(
        "/v1/offers", json=body_b, headers={**market.b.headers, "Idempotency-Key": "shared"}
    )
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert await count_offers(session_factory, "scoped") == 2


async def test_failed_request_does_not_burn_the_key(
    client: httpx.AsyncClient, market: Market
) -> None:
    headers = {**market.a.headers, "Idempotency-Key": "retry-me"}
    bad = offer_body(market.a1.id, certifications=["not-held"])
    assert (await client.post("/v1/offers", json=bad, headers=headers)).status_code == 422
    # The failure was not stored: the same key with a corrected body goes through.
    good = offer_body(market.a1.id)
    assert (await client.post("/v1/offers", json=good, headers=headers)).status_code == 201


async def test_key_longer_than_255_characters_is_rejected(
    client: httpx.AsyncClient, market: Market
) -> None:
    response = await client.post(
        "/v1/offers",
        json=offer_body(market.a1.id),
        headers={**market.a.headers, "Idempotency-Key": "k" * 256},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_a_key_past_its_ttl_runs_the_post_again(
    app: FastAPI,
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    body = offer_body(market.a1.id, title="after the ttl")
    headers = {**market.a.headers, "Idempotency-Key": "ttl-1"}
    first = await client.post("/v1/offers", json=body, headers=headers)
    assert first.status_code == 201
    ttl = timedelta(hours=app.state.settings.idempotency_ttl_hours)
    await age_record("ttl-1", session_factory, by=ttl - timedelta(minutes=1))
    replay = await client.post("/v1/offers", json=body, headers=headers)
    assert replay.headers["idempotent-replayed"] == "true"  # not yet past the TTL

    await age_record("ttl-1", session_factory, by=timedelta(minutes=2))
    again = await client.post("/v1/offers", json=body, headers=headers)

    assert again.status_code == 201
    assert "idempotent-replayed" not in again.headers
    assert again.json()["id"] != first.json()["id"]
    assert await count_offers(session_factory, "after the ttl") == 2
    # The old record was replaced: the next call replays the second answer.
    third = await client.post("/v1/offers", json=body, headers=headers)
    assert third.json()["id"] == again.json()["id"]


async def test_a_claim_without_a_response_is_still_in_progress(
    client: httpx.AsyncClient, market: Market, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    body = offer_body(market.a1.id, title="in progress")
    headers = {**market.a.headers, "Idempotency-Key": "busy-1"}
    assert (await client.post("/v1/offers", json=body, headers=headers)).status_code == 201
    # What a concurrent request sees while the first has claimed the key but not yet
    # answered: the claim row without a stored response.
    async with session_factory() as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == "busy-1")
            .values(status_code=None, response_body=None, response_headers=None)
        )
        await session.commit()

    response = await client.post("/v1/offers", json=body, headers=headers)

    assert response.status_code == 409, response.text
    assert response.json()["type"] == "urn:capmatch:problem:conflict"
    assert "still in progress" in response.json()["detail"]
    assert await count_offers(session_factory, "in progress") == 1


@pytest.mark.committed
async def test_two_concurrent_first_claims_create_one_object(
    committed_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    partner = await make_partner(committed_client)
    organization = await make_organization(committed_client, partner)
    body = offer_body(organization.id, title="two at once")
    headers = {**partner.headers, "Idempotency-Key": "pair-1"}

    responses = await asyncio.gather(
        *(committed_client.post("/v1/offers", json=body, headers=headers) for _ in range(2))
    )

    factory = async_sessionmaker(engine, expire_on_commit=False)
    assert await count_offers(factory, "two at once") == 1
    created = [r for r in responses if r.status_code == 201]
    assert created, [r.text for r in responses]
    assert len({r.json()["id"] for r in created}) == 1
    assert len([r for r in created if "idempotent-replayed" not in r.headers]) == 1
    for other in responses:
        if other.status_code != 201:  # the loser may see the winner's claim in progress
            assert other.status_code == 409, other.text
            assert "still in progress" in other.json()["detail"]


@pytest.mark.committed
async def test_twenty_concurrent_identical_posts_create_one_object(
    committed_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    partner = await make_partner(committed_client)
    organization = await make_organization(committed_client, partner)
    body = offer_body(organization.id, title="burst")
    headers = {**partner.headers, "Idempotency-Key": "burst-1"}

    responses = await asyncio.gather(
        *(committed_client.post("/v1/offers", json=body, headers=headers) for _ in range(20))
    )

    assert [r.status_code for r in responses] == [201] * 20, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    factory = async_sessionmaker(engine, expire_on_commit=False)
    assert await count_offers(factory, "burst") == 1
