"""Cursors are opaque: a forged one is a 422 on `cursor`, never a database error."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from app.core.errors import InvalidInput
from app.core.pagination import decode_cursor, encode_cursor
from tests.fixtures.assertions import assert_invalid
from tests.fixtures.factories import Market


def forged(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def test_cursor_round_trip() -> None:
    assert decode_cursor(encode_cursor("off_01ABC")) == "off_01ABC"


@pytest.mark.parametrize("payload", [{"after": "off_\u0000"}, {"after": 7}, ["off_1"]])
def test_forged_cursor_is_refused(payload: object) -> None:
    with pytest.raises(InvalidInput):
        decode_cursor(forged(payload))


@pytest.mark.parametrize("path", ["/v1/offers", "/v1/requests", "/v1/organizations"])
async def test_cursor_hiding_a_nul_is_422(
    client: httpx.AsyncClient, market: Market, path: str
) -> None:
    # The NUL is inside the base64, where the query-string check cannot see it.
    cursor = forged({"after": "off_\u0000"})
    response = await client.get(path, params={"cursor": cursor}, headers=market.a.headers)
    assert_invalid(response, "cursor")
