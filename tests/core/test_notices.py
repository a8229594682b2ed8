"""Notices between workers: calls in one process, Redis pub/sub across processes."""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest

from app.core.background import Stop
from app.core.notices import LocalNotices, RedisNotices, notices_for


async def test_in_one_process_a_notice_is_a_call() -> None:
    notices = notices_for(None)
    assert isinstance(notices, LocalNotices)
    heard: list[str] = []
    notices.on("api-keys", lambda: heard.append("keys"))
    await notices.publish("api-keys")
    await notices.publish("other")
    assert heard == ["keys"]
    await notices.listen(Stop())  # nothing to follow; returns at once


async def _eventually(condition: object, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


async def test_over_redis_every_worker_hears_every_notice(redis_url: str) -> None:
    topic = f"test-{uuid.uuid4().hex}"
    first, second = RedisNotices(redis_url), RedisNotices(redis_url)
    heard = {"first": 0, "second": 0}
    first.on(topic, lambda: heard.__setitem__("first", heard["first"] + 1))
    second.on(topic, lambda: heard.__setitem__("second", heard["second"] + 1))
    stop = Stop()
    listening = [asyncio.create_task(n.listen(stop)) for n in (first, second)]
    await asyncio.wait_for(first.subscribed.wait(), 5)
    await asyncio.wait_for(second.subscribed.wait(), 5)
    # Subscribing runs every handler once: what was announced before is unknown.
    assert heard == {"first": 1, "second": 1}

    await first.publish(topic)
    await _eventually(lambda: heard["second"] == 2)
    # The publisher heard it at once, and once more from Redis (handlers are idempotent).
    await _eventually(lambda: heard["first"] == 3)
    stop.set()
    await asyncio.wait_for(asyncio.gather(*listening), 10)


async def test_redis_out_of_reach_is_retried_and_publishing_still_acts_here(
    caplog: pytest.LogCaptureFixture,
) -> None:
    notices = RedisNotices("redis://127.0.0.1:1/0")
    heard: list[int] = []
    notices.on("api-keys", lambda: heard.append(1))
    stop = Stop()
    with caplog.at_level(logging.WARNING, logger="capmatch.notices"):
        listening = asyncio.create_task(notices.listen(stop))
        await notices.publish("api-keys")
        await _eventually(lambda: "retrying" in caplog.text)
        stop.set()
        await asyncio.wait_for(listening, 10)
    assert heard == [1]
    assert "not sent to other workers" in caplog.text
    assert not notices.subscribed.is_set()
