"""Which partners have an enabled webhook endpoint: the fan-out's shortcut.

Every write publishes an event and the fan-out looks for endpoints that receive it;
most partners have none, and asking the database on every write cost a round trip per
change (bench/events.py). A process keeps the set of partners with an enabled endpoint
and reloads it when it is older than ``TTL_S``, or at once when this process saves an
endpoint (when the save commits, too: a reload between the save and its commit would not
see it). A partner not in the set gets no delivery query. A set that still names a
partner whose endpoints are gone costs one query that finds nothing; one that lacks a
partner whose first endpoint another process saved is stale for at most ``TTL_S``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import after_commit
from app.webhooks.repository import EndpointRepository

TTL_S = 1.0


class Directory:
    def __init__(self, ttl_s: float = TTL_S) -> None:
        self.ttl_s = ttl_s
        self._partners: frozenset[str] | None = None
        self._loaded_at = 0.0

    def forget(self) -> None:
        self._partners = None

    def forget_on_commit(self, session: AsyncSession) -> None:
        """This session saves an endpoint: reload now and once it has committed."""
        self.forget()
        after_commit(session, self.forget)

    async def any_of(self, session: AsyncSession, partner_ids: Iterable[str]) -> bool:
        """Whether one of these partners (may) have an enabled endpoint."""
        now = time.monotonic()
        if self._partners is None or now - self._loaded_at > self.ttl_s:
            self._partners = frozenset(
                await EndpointRepository(session).partners_with_enabled_endpoints()
            )
            self._loaded_at = now
        return not self._partners.isdisjoint(partner_ids)


DIRECTORY = Directory()
