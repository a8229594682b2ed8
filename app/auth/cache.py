"""Recently verified keys, so most requests cost no authentication query."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core.dates import utcnow
from app.core.db import announce_after_commit
from app.core.notices import Notices

KEY_CACHE_INFO = "capmatch.key_cache"
KEYS_CHANGED = "api-keys"


@dataclass(slots=True)
class CachedKey:
    principal: Principal
    last_used_at: datetime | None
    expires_at: float


class KeyCache:
    """Verified keys by hash, each trusted for ``ttl_s`` seconds.

    Revoking a key, deactivating a partner or closing an organisation clears this
    worker's cache when the change commits (``forget_cached_keys``). Other workers hear
    of it at once through the deployment's notices when Redis carries them
    (``CAPMATCH_REDIS_URL``), else within ``ttl_s``.
    """

    def __init__(
        self, ttl_s: float, max_entries: int = 10_000, notices: Notices | None = None
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[str, CachedKey] = {}
        self.notices = notices
        if notices is not None:
            notices.on(KEYS_CHANGED, self.clear)

    def get(self, secret_hash: str) -> CachedKey | None:
        entry = self._entries.get(secret_hash)
        if entry is None:
            return None
        if entry.expires_at <= time.monotonic():
            del self._entries[secret_hash]
            return None
        return entry

    def put(
        self,
        secret_hash: str,
        principal: Principal,
        last_used_at: datetime | None,
        *,
        until: datetime | None = None,
    ) -> CachedKey:
        """Remember a verified key (unless the cache is disabled), no longer than ``until``
        (the key's own expiry); returns its entry."""
        trusted_s = self.ttl_s
        if until is not None:
            trusted_s = min(trusted_s, (until - utcnow()).total_seconds())
        entry = CachedKey(
            principal=principal,
            last_used_at=last_used_at,
            expires_at=time.monotonic() + trusted_s,
        )
        if self.ttl_s > 0:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()  # rare; cheaper and simpler than LRU bookkeeping
            self._entries[secret_hash] = entry
        return entry

    def clear(self) -> None:
        self._entries.clear()

    async def announce(self) -> None:
        """Clear this cache and every other worker's."""
        self.clear()
        if self.notices is not None:
            await self.notices.publish(KEYS_CHANGED)


def remember_cache(session: AsyncSession, cache: KeyCache) -> None:
    """Let services on this session reach the worker's key cache (``forget_cached_keys``)."""
    session.info[KEY_CACHE_INFO] = cache


def forget_cached_keys(session: AsyncSession) -> None:
    """Call when keys, partners or organisations change status: once this transaction
    commits, this worker re-checks every key against the database."""
    cache = session.info.get(KEY_CACHE_INFO)
    if isinstance(cache, KeyCache):
        announce_after_commit(session, cache.announce)
