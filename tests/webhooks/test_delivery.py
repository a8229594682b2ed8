"""One attempt against a real receiver on 127.0.0.1: 2xx is success; a 500, a 301 (not
followed) and no answer in time are failures to retry."""

from __future__ import annotations

import httpx
import pytest

from app.webhooks.delivery import Attempt, new_client, post
from tests.webhooks.conftest import SHORT_TIMEOUT_S, TIMEOUT_S, Receiver


async def _post(client: httpx.AsyncClient, url: str, timeout_s: float = TIMEOUT_S) -> Attempt:
    return await post(
        client,
        url=url,
        payload='{"id":"evt_1"}',
        headers={"webhook-id": "evt_1"},
        allow_private=True,
        timeout_s=timeout_s,
    )


async def test_a_2xx_answer_is_success(http_client: httpx.AsyncClient, receiver: Receiver) -> None:
    attempt = await _post(http_client, receiver.url("/ok"))
    assert (attempt.ok, attempt.response_status, attempt.error) == (True, 200, None)
    [received] = receiver.received
    assert received.body == '{"id":"evt_1"}'
    assert received.headers["content-type"] == "application/json"
    assert received.headers["webhook-id"] == "evt_1"


@pytest.mark.parametrize(
    ("path", "status", "error"),
    [("/fail", 500, "answered 500"), ("/moved", 301, "redirects are not followed")],
)
async def test_errors_and_redirects_are_failures(
    http_client: httpx.AsyncClient, receiver: Receiver, path: str, status: int, error: str
) -> None:
    attempt = await _post(http_client, receiver.url(path))
    assert not attempt.ok
    assert attempt.response_status == status
    assert attempt.error is not None
    assert error in attempt.error
    assert receiver.paths() == [path]  # the redirect's target was not asked


async def test_no_answer_within_the_timeout_is_a_failure(
    http_client: httpx.AsyncClient, receiver: Receiver
) -> None:
    attempt = await _post(http_client, receiver.url("/slow"), SHORT_TIMEOUT_S)
    assert not attempt.ok
    assert attempt.response_status is None
    assert attempt.error == "no answer within 1 s"


async def test_a_closed_port_is_a_failure() -> None:
    async with new_client(allow_private=True, timeout_s=1) as client:
        attempt = await _post(client, "http://127.0.0.1:9/x")
    assert not attempt.ok
    assert attempt.error is not None
    assert "ConnectError" in attempt.error


def test_the_client_follows_no_redirects_and_waits_10_s() -> None:
    client = new_client(allow_private=False)
    assert client.follow_redirects is False
    assert client.timeout.read == 10.0
