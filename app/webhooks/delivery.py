"""One HTTP attempt of a delivery: POST the signed payload, time it, say what came back.

One pooled ``httpx.AsyncClient`` per worker, 10 s for the whole attempt, redirects not
followed (a 3xx is a failure), no proxies from the environment, and every connection
through the SSRF guard. A 2xx answer is success; anything else is retried.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import httpx

from app.webhooks.ssrf import TargetRefused, check_url, guarded_transport

TIMEOUT_S = 10.0
USER_AGENT = "capmatch-webhooks/1"
MAX_ERROR_LENGTH = 500


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one POST gave: the status (None when no answer came) and why it failed."""

    ok: bool
    response_status: int | None
    duration_ms: int
    error: str | None


def new_client(
    *, allow_private: bool, timeout_s: float = TIMEOUT_S, max_connections: int = 100
) -> httpx.AsyncClient:
    """The worker's one client: pooled connections, guarded, no redirects, no env proxies."""
    transport = guarded_transport(
        allow_private=allow_private,
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=20),
    )
    return httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(timeout_s),
        follow_redirects=False,
        trust_env=False,
        headers={"user-agent": USER_AGENT},
    )


async def post(
    client: httpx.AsyncClient,
    *,
    url: str,
    payload: str,
    headers: dict[str, str],
    allow_private: bool,
    timeout_s: float = TIMEOUT_S,
) -> Attempt:
    """POST ``payload`` to ``url``; never raises for what the receiver or network does."""
    started = time.perf_counter()

    def elapsed() -> int:
        return round((time.perf_counter() - started) * 1000)

    try:
        check_url(url, allow_private=allow_private)
        # httpx's timeout bounds each phase; the attempt as a whole gets timeout_s too.
        async with asyncio.timeout(timeout_s):
            response = await client.post(
                url,
                content=payload.encode(),
                headers={**headers, "content-type": "application/json"},
                timeout=timeout_s,
            )
    except TargetRefused as exc:
        return Attempt(ok=False, response_status=None, duration_ms=elapsed(), error=str(exc))
    except (httpx.TimeoutException, TimeoutError):
        return Attempt(
            ok=False,
            response_status=None,
            duration_ms=elapsed(),
            error=f"no answer within {timeout_s:g} s",
        )
    except httpx.HTTPError as exc:
        message = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
        return Attempt(ok=False, response_status=None, duration_ms=elapsed(), error=message)
    status = response.status_code
    ok = 200 <= status < 300
    error = None if ok else f"answered {status}"
    if 300 <= status < 400:
        error = f"answered {status} (redirects are not followed)"
    return Attempt(ok=ok, response_status=status, duration_ms=elapsed(), error=error)
