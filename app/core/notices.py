"""Notices between the workers of one deployment: "something changed, drop what you
cached". In one process they are calls; with ``CAPMATCH_REDIS_URL`` they travel over
Redis pub/sub to every worker on every host.

A notice carries no data, only its topic: a worker that receives one re-reads the
database. So a lost notice costs only time, never correctness; and when the connection
to Redis comes back every handler runs once, since notices may have been missed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Protocol

import redis.asyncio
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.background import Stop

logger = logging.getLogger("capmatch.notices")

CHANNEL_PREFIX = "capmatch:notice:"
RECONNECT_S = (0.5, 1.0, 2.0, 5.0)
POLL_S = 1.0

Handler = Callable[[], None]
# Where a session finds its deployment's notices (``Session.info``, set on the maker).
NOTICES_INFO = "capmatch.notices"


class Notices(Protocol):
    def on(self, topic: str, handler: Handler) -> None: ...

    async def publish(self, topic: str) -> None: ...

    async def listen(self, stop: Stop) -> None: ...


class _Handlers:
    def __init__(self) -> None:
        self.handlers: dict[str, list[Handler]] = {}

    def on(self, topic: str, handler: Handler) -> None:
        self.handlers.setdefault(topic, []).append(handler)

    def fire(self, topic: str) -> None:
        for handler in self.handlers.get(topic, ()):
            handler()

    def fire_all(self) -> None:
        for topic in self.handlers:
            self.fire(topic)


class LocalNotices(_Handlers):
    """One process: a notice is a call."""

    async def publish(self, topic: str) -> None:
        self.fire(topic)

    async def listen(self, stop: Stop) -> None:
        return None


class RedisNotices(_Handlers):
    """Every worker subscribed to one Redis; this one's handlers run on its own notices too."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.client = redis.asyncio.Redis.from_url(url, socket_connect_timeout=2.0)
        self.subscribed = asyncio.Event()

    async def publish(self, topic: str) -> None:
        self.fire(topic)  # at once here, whatever Redis does
        try:
            await self.client.publish(CHANNEL_PREFIX + topic, b"")
        except (RedisError, OSError) as error:
            logger.warning("notice %r not sent to other workers: %s", topic, error)

    async def listen(self, stop: Stop) -> None:
        """Run the handlers of every notice until ``stop``, reconnecting when Redis goes."""
        attempt = 0
        while not stop.requested:
            try:
                await self._follow(stop)
                attempt = 0
            except (RedisError, OSError) as error:
                self.subscribed.clear()
                delay = RECONNECT_S[min(attempt, len(RECONNECT_S) - 1)]
                attempt += 1
                logger.warning("notices from Redis lost (%s); retrying in %.1f s", error, delay)
                await stop.wait(delay)
        await self.client.aclose()

    async def _follow(self, stop: Stop) -> None:
        channels = [CHANNEL_PREFIX + topic for topic in self.handlers]
        if not channels:
            await stop.wait(3600 * 24 * 365)
            return
        async with self.client.pubsub() as pubsub:
            await pubsub.subscribe(*channels)
            # Whatever was announced while this worker was not listening is unknown.
            self.fire_all()
            self.subscribed.set()
            while not stop.requested:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=POLL_S)
                if message is not None:
                    channel = message["channel"]
                    topic = (channel.decode() if isinstance(channel, bytes) else channel)[
                        len(CHANNEL_PREFIX) :
                    ]
                    self.fire(topic)


def notices_for(redis_url: str | None) -> LocalNotices | RedisNotices:
    return RedisNotices(redis_url) if redis_url else LocalNotices()


def attach_notices(sessions: async_sessionmaker[AsyncSession], notices: Notices) -> None:
    """Every session ``sessions`` makes can reach ``notices`` (``notices_of``)."""
    sessions.configure(info={NOTICES_INFO: notices})


def notices_of(session: AsyncSession) -> Notices | None:
    notices = session.info.get(NOTICES_INFO)
    return notices if isinstance(notices, LocalNotices | RedisNotices) else None
