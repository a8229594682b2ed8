"""Rate limits (API.md "Rate limits"): per key, per client address without one, a write
budget on top, a stricter budget for failed authentication; RateLimit-* headers on every
/v1 answer and 429 problem+json with Retry-After past a limit; in memory or shared in Redis.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from limits import parse
from limits.aio.storage import RedisStorage
from limits.strategies import SlidingWindowCounterRateLimiter as InProcessLimiter

from app.core.config import Settings
from app.web.ratelimits import STORAGE_PREFIX, QuietMemoryStorage, RateLimits
from tests.fixtures import ADMIN_KEY
from tests.fixtures.factories import ADMIN, make_partner


def _limits(settings: Settings, storage: RedisStorage | None = None, **budgets: str) -> RateLimits:
    return RateLimits(settings.model_copy(update=budgets), storage=storage)


def _redis(url: str, prefix: str) -> RedisStorage:
    return RedisStorage(f"async+{url}", implementation="redispy", key_prefix=prefix)


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_a_burst_past_the_limit_gets_429_with_retry_after(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    partner = await make_partner(client)
    other = await make_partner(client)
    app.state.rate_limits = _limits(settings, rate_limit="5/minute")
    remaining = []
    for _ in range(5):
        response = await client.get("/v1/organizations", headers=_bearer(partner.key))
        assert response.status_code == 200
        assert response.headers["RateLimit-Limit"] == "5"
        assert 0 < int(response.headers["RateLimit-Reset"]) <= 60
        remaining.append(int(response.headers["RateLimit-Remaining"]))
    assert remaining == [4, 3, 2, 1, 0]

    refused = await client.get("/v1/organizations", headers=_bearer(partner.key))
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["type"].endswith("rate-limited")
    assert problem["status"] == 429
    assert "5 per 1 minute" in problem["detail"]
    assert problem["request_id"] == refused.headers["X-Request-ID"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["RateLimit-Remaining"] == "0"

    # One key's traffic never limits another key.
    assert (await client.get("/v1/organizations", headers=_bearer(other.key))).status_code == 200


async def test_writes_have_their_own_budget_on_top(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    partner = await make_partner(client)
    app.state.rate_limits = _limits(settings, rate_limit="100/minute", rate_limit_write="2/minute")
    for number in range(2):
        created = await client.post(
            "/v1/organizations",
            json={
                "name": f"Weberei {number}",
                "kind": "manufacturer",
                "location": {"lat": 48.5, "lon": 9.2},
            },
            headers=_bearer(partner.key),
        )
        assert created.status_code == 201, created.text
        # The tighter budget is the one reported.
        assert created.headers["RateLimit-Limit"] == "2"
    third = await client.post(
        "/v1/organizations", json={"name": "Dritte", "kind": "buyer"}, headers=_bearer(partner.key)
    )
    assert third.status_code == 429
    listed = await client.get("/v1/organizations", headers=_bearer(partner.key))
    assert listed.status_code == 200
    assert listed.headers["RateLimit-Limit"] == "100"
    assert listed.headers["RateLimit-Remaining"] == "96"  # three writes and this read


async def test_without_a_key_the_client_address_is_limited(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    app.state.rate_limits = _limits(settings, rate_limit="3/minute")
    answers = [(await client.get("/v1/offers")).status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]


async def test_failed_authentication_locks_out_unverified_keys_only(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    known = await make_partner(client)
    unused = await make_partner(client)
    app.state.rate_limits = _limits(settings, rate_limit_auth_failures="3/minute")
    assert (await client.get("/v1/offers", headers=_bearer(known.key))).status_code == 200

    guesses = [
        (await client.get("/v1/offers", headers=_bearer(f"cmp_guess{n}"))).status_code
        for n in range(5)
    ]
    assert guesses == [401, 401, 401, 429, 429]
    # A key this worker verified recently, and the operator's key, still work from there...
    assert (await client.get("/v1/offers", headers=_bearer(known.key))).status_code == 200
    assert (await client.get("/v1/partners", headers=ADMIN)).status_code == 200
    # ...a key it has not seen waits like a guess would (it cannot be told apart).
    assert (await client.get("/v1/offers", headers=_bearer(unused.key))).status_code == 429


async def test_probes_and_the_console_are_not_limited(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    app.state.rate_limits = _limits(settings, rate_limit="1/minute")
    for path in ("/healthz", "/healthz", "/console", "/console"):
        response = await client.get(path)
        assert response.status_code == 200
        assert "RateLimit-Limit" not in response.headers


async def test_off_turns_every_limit_off(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings
) -> None:
    app.state.rate_limits = _limits(
        settings, rate_limit="off", rate_limit_write="off", rate_limit_auth_failures="off"
    )
    assert not app.state.rate_limits.enabled
    response = await client.get("/v1/partners", headers=ADMIN)
    assert response.status_code == 200
    assert "RateLimit-Limit" not in response.headers


@pytest.mark.parametrize(
    ("value", "accepted"),
    [("1200/minute", True), ("20/second;1200/minute", True), ("OFF", True), ("lots", False)],
)
def test_limits_are_read_at_start_up(value: str, accepted: bool) -> None:
    if accepted:
        assert Settings(rate_limit=value).rate_limit in (value, "off")
    else:
        with pytest.raises(ValueError, match="1200/minute"):
            Settings(rate_limit=value)


@pytest.fixture
async def redis_prefix(redis_url: str) -> AsyncIterator[str]:
    """Keys of this test only, removed afterwards."""
    import redis.asyncio

    prefix = f"{STORAGE_PREFIX}-test-{uuid.uuid4().hex}"
    yield prefix
    connection = redis.asyncio.Redis.from_url(redis_url)
    try:
        keys = [key async for key in connection.scan_iter(f"{prefix}*")]
        if keys:
            await connection.delete(*keys)
    finally:
        await connection.aclose()


async def test_in_redis_two_workers_share_one_budget(
    app: FastAPI,
    client: httpx.AsyncClient,
    settings: Settings,
    redis_url: str,
    redis_prefix: str,
) -> None:
    """Two apps (as two workers would be) on one Redis: together they allow the limit once."""
    partner = await make_partner(client)
    workers = [
        _limits(settings, _redis(redis_url, redis_prefix), rate_limit="4/minute") for _ in range(2)
    ]
    answers = []
    for turn in range(6):
        app.state.rate_limits = workers[turn % 2]
        response = await client.get("/v1/offers", headers=_bearer(partner.key))
        answers.append((turn, response.status_code))
    assert [status for _, status in answers] == [200, 200, 200, 200, 429, 429]


async def test_redis_out_of_reach_lets_requests_through_with_a_warning(
    app: FastAPI, client: httpx.AsyncClient, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    nowhere = RedisStorage(
        "async+redis://127.0.0.1:1/0", implementation="redispy", socket_connect_timeout=0.5
    )
    app.state.rate_limits = _limits(settings, nowhere, rate_limit="1/minute")
    with caplog.at_level(logging.WARNING, logger="capmatch.ratelimits"):
        for _ in range(3):
            response = await client.get("/v1/partners", headers=ADMIN)
            assert response.status_code == 200
            assert "RateLimit-Limit" not in response.headers
    warnings = [record for record in caplog.records if "rate limits not applied" in record.message]
    assert len(warnings) == 1  # once a minute, not once a request
    assert ADMIN_KEY not in caplog.text


def test_the_memory_storage_purges_inline_once_a_second_and_starts_no_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The base class schedules its purge on every hit: our hook must be the one it calls,
    or every hit under load starts a thread again."""
    storage = QuietMemoryStorage()
    storage.timer.join()  # the base class's first timer (10 ms), started once
    purges: list[int] = []
    monkeypatch.setattr(storage, "_MemoryStorage__expire_events", lambda: purges.append(1))
    limiter = InProcessLimiter(storage)
    item = parse("5/second")
    storage.purged_at -= QuietMemoryStorage.PURGE_EVERY_S
    threads = threading.active_count()
    for _ in range(5):
        assert limiter.hit(item, "purge")
    assert not limiter.hit(item, "purge")  # the counting is the library's
    assert purges == [1]  # once, however many hits
    assert threading.active_count() == threads
    assert not storage.timer.is_alive()
