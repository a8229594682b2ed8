"""Feed subscriptions for the tests: make a link, get its body (url and token included)."""

from __future__ import annotations

from typing import Any

import httpx


async def subscribe(
    client: httpx.AsyncClient, headers: dict[str, str], **body: Any
) -> dict[str, Any]:
    response = await client.post("/v1/calendar-subscriptions", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
