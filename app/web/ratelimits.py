"""Rate limits per API key (per client address without one), with the ``limits`` library's
sliding window counters, in memory or in Redis (``CAPMATCH_REDIS_URL``) so the limit holds
across workers and hosts.

Each request to ``/v1`` counts against its caller's budget (``CAPMATCH_RATE_LIMIT``),
a POST, PATCH or DELETE also against the write budget (``CAPMATCH_RATE_LIMIT_WRITE``);
the answer carries ``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset``
of the tighter one, and past either it is a 429 problem with ``Retry-After``. A key is
told apart by the hash of the token, so one key's traffic never limits another's; the
token is never stored. Answers 401 count per client address (``CAPMATCH_RATE_LIMIT_AUTH_
FAILURES``): past that budget an address gets 429 for any key this worker has not
verified recently, so guessing keys stays slow while colleagues behind the same NAT keep
working with theirs.

If Redis cannot be reached, requests pass unlimited (and a warning is logged once a
minute): a rate limiter must not take the API down with it.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any, Protocol

from limits import RateLimitItem, WindowStats, parse_many
from limits.aio.storage import RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter as InProcessLimiter
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.config import RATE_LIMIT_OFF, Settings
from app.core.errors import PROBLEM_MEDIA_TYPE, problem_response
from app.core.hashing import hash_secret

logger = logging.getLogger("capmatch.ratelimits")

LIMITED_PREFIX = "/v1/"
WRITE_METHODS = frozenset({"POST", "PATCH", "DELETE", "PUT"})
STORAGE_PREFIX = "capmatch-limits"
WARN_EVERY_S = 60.0
UNAUTHORIZED = 401


def _items(text: str) -> tuple[RateLimitItem, ...]:
    return () if text == RATE_LIMIT_OFF else tuple(parse_many(text))


class QuietMemoryStorage(MemoryStorage):
    """The library's memory storage, purging expired counters inline once a second. Its
    own purge runs on a ``threading.Timer`` started again by the next hit after each run:
    under load that is a new thread a hundred times a second, and their wake-ups cost
    the event loop about 0.1 ms per request (bench/ratelimits.py). Counters past their
    expiry read as expired either way (``get`` checks it); the purge only frees memory."""

    PURGE_EVERY_S = 1.0

    def __init__(self) -> None:
        super().__init__()
        self.purged_at = time.monotonic()

    # Overrides the base class's private hook (name-mangled there as it is spelt here);
    # tests/web/test_ratelimits.py fails if a library upgrade stops calling it.
    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now - self.purged_at >= self.PURGE_EVERY_S:
            self.purged_at = now
            getattr(self, "_MemoryStorage__expire_events")()  # noqa: B009 - private


class InProcess:
    """The limiter over the process's memory, behind the async interface of the Redis
    one. The library's synchronous memory storage: counting in a dict needs no I/O, and
    its async twin starts a task per expiry round (and cancels it from ``__del__``, which
    hung a test process in garbage collection)."""

    def __init__(self) -> None:
        self.storage = QuietMemoryStorage()
        self.limiter = InProcessLimiter(self.storage)

    async def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        return self.limiter.hit(item, *identifiers)

    async def test(self, item: RateLimitItem, *identifiers: str) -> bool:
        return self.limiter.test(item, *identifiers)

    async def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        return self.limiter.get_window_stats(item, *identifiers)


Limiter = InProcess | SlidingWindowCounterRateLimiter


def limiter_for(settings: Settings, storage: Storage | None = None) -> Limiter:
    """Redis when ``CAPMATCH_REDIS_URL`` is set (through the ``redis`` package) or a
    storage is given, else the process's memory."""
    if storage is not None:
        return SlidingWindowCounterRateLimiter(storage)
    if settings.redis_url is None:
        return InProcess()
    url = settings.redis_url.get_secret_value()
    unix = url.startswith("unix://")
    uri = "async+redis+unix://" + url.removeprefix("unix://") if unix else "async+" + url
    return SlidingWindowCounterRateLimiter(
        RedisStorage(uri, implementation="redispy", key_prefix=STORAGE_PREFIX)
    )


@dataclass(frozen=True, slots=True)
class Budget:
    """Where a request stands against one limit."""

    item: RateLimitItem
    allowed: bool
    remaining: int
    reset_at: float

    def headers(self, now: float) -> dict[str, str]:
        reset_in = max(0, math.ceil(self.reset_at - now))
        headers = {
            "RateLimit-Limit": str(self.item.amount),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(reset_in),
            "RateLimit-Policy": f"{self.item.amount};w={self.item.get_expiry()}",
        }
        if not self.allowed:
            headers["Retry-After"] = str(max(1, reset_in))
        return headers


class RateLimits:
    """The budgets of one process (shared through Redis when configured)."""

    def __init__(self, settings: Settings, storage: Storage | None = None) -> None:
        self.limiter = limiter_for(settings, storage)
        self.general = _items(settings.rate_limit)
        self.write = _items(settings.rate_limit_write)
        self.auth_failures = _items(settings.rate_limit_auth_failures)
        admin = settings.admin_api_key
        self.admin_hash = hash_secret(admin.get_secret_value()) if admin is not None else None
        self._warned_at = -math.inf

    @property
    def enabled(self) -> bool:
        return bool(self.general or self.write or self.auth_failures)

    async def _take(self, item: RateLimitItem, *identity: str) -> Budget:
        allowed = await self.limiter.hit(item, *identity)
        return await self._stand(item, allowed, *identity)

    async def _stand(self, item: RateLimitItem, allowed: bool, *identity: str) -> Budget:
        stats = await self.limiter.get_window_stats(item, *identity)
        return Budget(item, allowed, stats.remaining, stats.reset_time)

    async def admit(self, *, key_hash: str | None, address: str, write: bool) -> Budget | None:
        """Count the request; the budget to report (the refused one, else the tightest)."""
        identity = f"key:{key_hash}" if key_hash else f"address:{address}"
        budgets = []
        counted = [("all", item) for item in self.general]
        if write:
            counted += [("write", item) for item in self.write]
        for scope, item in counted:
            budget = await self._take(item, scope, identity)
            if not budget.allowed:
                return budget
            budgets.append(budget)
        return min(budgets, key=lambda budget: budget.remaining, default=None)

    async def locked_out(self, address: str) -> Budget | None:
        """The failed-authentication budget an address has used up, if any."""
        for item in self.auth_failures:
            if not await self.limiter.test(item, "auth-failures", address):
                return await self._stand(item, False, "auth-failures", address)
        return None

    async def failed(self, address: str) -> None:
        for item in self.auth_failures:
            await self.limiter.hit(item, "auth-failures", address)

    def unavailable(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY_S:
            self._warned_at = now
            logger.warning("rate limits not applied: storage unavailable (%s)", error)


def _bearer_hash(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            token = token.strip()
            return hash_secret(token) if scheme.lower() == "bearer" and token else None
    return None


class VerifiedKeys(Protocol):
    """What authentication remembers: a key verified lately, by its hash."""

    def get(self, secret_hash: str) -> object | None: ...


def _verified(limits: RateLimits, key_cache: VerifiedKeys, key_hash: str | None) -> bool:
    if key_hash is None:
        return False
    return key_hash == limits.admin_hash or key_cache.get(key_hash) is not None


class RateLimitMiddleware:
    """Pure ASGI: counts every /v1 request before the app sees it, against the app's
    ``state.rate_limits`` (read per request, so the app may replace them)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(LIMITED_PREFIX):
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        limits: RateLimits = state.rate_limits
        if not limits.enabled:
            await self.app(scope, receive, send)
            return
        key_hash = _bearer_hash(scope)
        client = scope.get("client")
        address = client[0] if client else "unknown"
        try:
            verified = _verified(limits, state.key_cache, key_hash)
            refused = None if verified else await limits.locked_out(address)
            budget = refused or await limits.admit(
                key_hash=key_hash, address=address, write=scope["method"] in WRITE_METHODS
            )
        except Exception as error:  # any storage failure: serve unlimited
            limits.unavailable(error)
            await self.app(scope, receive, send)
            return
        now = time.time()
        if budget is not None and not budget.allowed:
            response = problem_response(
                Request(scope),
                status=429,
                title="Too many requests",
                slug="rate-limited",
                detail=f"Rate limit of {budget.item} reached; retry after the "
                "number of seconds in Retry-After.",
                headers=budget.headers(now),
            )
            await response(scope, receive, send)
            return
        status = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if budget is not None:
                    # Appended as they are: no handler sets these names (cheaper than
                    # MutableHeaders, which scans the list for each one).
                    message["headers"] = [
                        *message.get("headers", ()),
                        *(
                            (name.lower().encode(), value.encode())
                            for name, value in budget.headers(now).items()
                        ),
                    ]
            await send(message)

        await self.app(scope, receive, send_with_headers)
        if status == UNAUTHORIZED:
            try:
                await limits.failed(address)
            except Exception as error:  # as above
                limits.unavailable(error)


_HEADER_DOCS = {
    "RateLimit-Limit": "Requests allowed in the window of the tightest budget",
    "RateLimit-Remaining": "Requests left in it",
    "RateLimit-Reset": "Seconds until it has room again",
}


def document_rate_limits(schema: dict[str, Any]) -> None:
    """Every /v1 operation may answer 429 and carries the RateLimit-* headers: written
    into the OpenAPI document once here instead of on each route."""
    components = schema.setdefault("components", {})
    components["headers"] = {
        name: {"description": text, "schema": {"type": "integer"}}
        for name, text in {**_HEADER_DOCS, "Retry-After": "Seconds to wait"}.items()
    }
    refs = {name: {"$ref": f"#/components/headers/{name}"} for name in _HEADER_DOCS}
    components.setdefault("responses", {})["TooManyRequests"] = {
        "description": "Too many requests",
        "headers": {"Retry-After": {"$ref": "#/components/headers/Retry-After"}, **refs},
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith(LIMITED_PREFIX):
            continue
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.setdefault("429", {"$ref": "#/components/responses/TooManyRequests"})
            for status, response in responses.items():
                if status.startswith("2"):
                    response.setdefault("headers", {}).update(refs)
