"""Two uvicorn workers sharing a real Redis (``capmatch serve --workers 2``): a revoked key
stops working on both at once, and a key's rate limit is one budget for both.

The key cache is trusted for a minute here, so without Redis the other worker would keep
accepting the revoked key for that long; and each worker alone would allow the whole
rate limit again.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fixtures import ADMIN_KEY
from tests.fixtures.database import own_database_url

RATE_LIMIT = 25
START_S = 60.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[str]:
    port = _free_port()
    environment = {
        **{name: value for name, value in os.environ.items() if not name.startswith("CAPMATCH_")},
        "CAPMATCH_DATABASE_URL": own_database_url(tmp_path_factory.mktemp("workers"), "workers"),
        "CAPMATCH_ADMIN_API_KEY": ADMIN_KEY,
        "CAPMATCH_ENVIRONMENT": "test",
        "CAPMATCH_REDIS_URL": redis_url,
        "CAPMATCH_KEY_CACHE_TTL_S": "60",
        "CAPMATCH_RATE_LIMIT": f"{RATE_LIMIT}/minute",
        "CAPMATCH_RATE_LIMIT_WRITE": "1000/minute",
        "CAPMATCH_MATCH_PRELOAD": "false",
    }
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"]
    process = subprocess.Popen(  # noqa: S603 - our own command line, no shell
        command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_S
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            assert time.monotonic() < deadline, "capmatch serve --workers 2 did not start"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _fresh(url: str, method: str, path: str, key: str, **kwargs: Any) -> httpx.Response:
    """One request on a new connection, so the two workers share the requests."""
    with httpx.Client(base_url=url, timeout=10) as client:
        return client.request(method, path, headers={"Authorization": f"Bearer {key}"}, **kwargs)


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_revoked_key_stops_working_on_every_worker_at_once(workers: str) -> None:
    partner = _created(
        _fresh(workers, "POST", "/v1/partners", ADMIN_KEY, json={"name": "P", "slug": "revoking"})
    )
    member = _created(
        _fresh(
            workers,
            "POST",
            "/v1/organizations",
            partner["api_key"],
            json={"name": "Weberei", "kind": "manufacturer", "location": {"lat": 48.5, "lon": 9.2}},
        )
    )
    key = _created(
        _fresh(workers, "POST", f"/v1/organizations/{member['id']}/api-keys", partner["api_key"])
    )
    # Both workers verify the key and keep it in their caches.
    assert {
        _fresh(workers, "GET", "/v1/offers", key["api_key"]).status_code for _ in range(12)
    } == {200}

    revoked = _fresh(
        workers,
        "DELETE",
        f"/v1/organizations/{member['id']}/api-keys/{key['id']}",
        partner["api_key"],
    )
    assert revoked.status_code in (200, 204), revoked.text
    time.sleep(0.3)  # pub/sub delivery between processes on one host: milliseconds
    answers = [_fresh(workers, "GET", "/v1/offers", key["api_key"]).status_code for _ in range(12)]
    assert answers == [401] * 12


def test_one_key_has_one_budget_across_workers(workers: str) -> None:
    partner = _created(
        _fresh(workers, "POST", "/v1/partners", ADMIN_KEY, json={"name": "Q", "slug": "limited"})
    )
    answers = [
        _fresh(workers, "GET", "/v1/offers", partner["api_key"]).status_code
        for _ in range(RATE_LIMIT + 10)
    ]
    assert answers.count(200) == RATE_LIMIT
    assert answers[RATE_LIMIT:] == [429] * 10
