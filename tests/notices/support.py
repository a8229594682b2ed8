"""Notices built through the API, as a partner site would post them."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.factories import OrgCtx

MARKDOWN = (
    "We look for **sewing** partners.\n\n- EN 14683\n- 20k a week\n\n"
    "[Call](https://example.org/call)"
)


def notice_body(organization_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Partners wanted: type IIR masks",
        "body": MARKDOWN,
        "kind": "call_for_partners",
        "topics": ["mask.surgical", "textile.sewing"],
        "links": ["https://example.org/call.pdf"],
        "language": "de",
    }
    if organization_id is not None:
        body["organization_id"] = organization_id
    body.update(overrides)
    return body


async def post_notice(
    client: httpx.AsyncClient, org: OrgCtx, *, as_org: bool = False, **overrides: Any
) -> dict[str, Any]:
    """A notice of ``org``, posted by its partner (or by itself with ``as_org``)."""
    headers = org.headers if as_org else org.partner.headers
    body = notice_body(None if as_org else org.id, **overrides)
    response = await client.post("/v1/notices", json=body, headers=headers)
    assert response.status_code == 201, response.text
    notice: dict[str, Any] = response.json()
    return notice
