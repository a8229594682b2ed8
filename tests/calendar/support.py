"""Calendar events for the tests: a body, and posting one."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.factories import OrgCtx


def event_body(organization_id: str | None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Webinar: EN 14683 in practice",
        "description": "Type IIR masks: tests, labels, pitfalls.",
        "starts_at": "2027-01-20T14:00:00+01:00",
        "ends_at": "2027-01-20T15:30:00+01:00",
        "timezone": "Europe/Berlin",
        "online_url": "https://meet.example.org/en14683",
        "location": None,
        "topics": ["mask.surgical"],
        "language": "de",
        "visibility": "shared",
        "registration_url": "https://place2tex.example/register",
    }
    if organization_id is not None:
        body["organization_id"] = organization_id
    body.update(overrides)
    return body


async def post_event(
    client: httpx.AsyncClient, org: OrgCtx, *, as_org: bool = False, **overrides: Any
) -> dict[str, Any]:
    headers = org.headers if as_org else org.partner.headers
    body = event_body(None if as_org else org.id, **overrides)
    response = await client.post("/v1/calendar-events", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created
