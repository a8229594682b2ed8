"""The SSRF guard: public https targets only, checked on the URL and on every connect,
including names that resolve to private addresses."""

from __future__ import annotations

import ipaddress

import httpx
import pytest
from fastapi import FastAPI

from app.webhooks import ssrf
from app.webhooks.delivery import new_client, post
from app.webhooks.ssrf import TargetRefused, check_url, checked_addresses
from tests.fixtures.assertions import assert_invalid
from tests.fixtures.factories import Market
from tests.webhooks.conftest import Receiver


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example/x",
        "ftp://hooks.example/x",
        "https:///x",
        "https://user:pw@hooks.example/x",
        "https://localhost/x",
        "https://api.localhost/x",
        "https://metadata.google.internal/computeMetadata",
        "https://127.0.0.1/x",
        "https://10.0.0.7/x",
        "https://172.16.0.1/x",
        "https://192.168.1.1/x",
        "https://169.254.169.254/latest/meta-data",
        "https://100.100.100.200/x",
        "https://0.0.0.0/x",
        "https://[::1]/x",
        "https://[fe80::1]/x",
        "https://[fd00:ec2::254]/x",
        "https://[::ffff:10.0.0.1]/x",
        "https://hooks.example:99999/x",
        "https://[::1/x",
    ],
)
def test_refused_urls(url: str) -> None:
    with pytest.raises(TargetRefused):
        check_url(url, allow_private=False)


def test_public_https_urls_pass_and_development_allows_http_and_loopback() -> None:
    assert check_url("https://Hooks.Example./x", allow_private=False) == "hooks.example"
    assert check_url("https://93.184.216.34/x", allow_private=False) == "93.184.216.34"
    assert check_url("http://127.0.0.1:8800/x", allow_private=True) == "127.0.0.1"


def _resolving_to(*addresses: str):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> list[ssrf.IPAddress]:
        return [ipaddress.ip_address(address) for address in addresses]

    return resolve


async def test_a_name_resolving_to_a_private_address_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ssrf, "resolve", _resolving_to("93.184.216.34", "10.0.0.1"))
    with pytest.raises(TargetRefused, match=r"10\.0\.0\.1"):
        await checked_addresses("rebind.example", 443, allow_private=False)
    monkeypatch.setattr(ssrf, "resolve", _resolving_to("93.184.216.34"))
    assert await checked_addresses("public.example", 443, allow_private=False) == [
        ipaddress.ip_address("93.184.216.34")
    ]


async def test_a_send_to_a_name_resolving_to_loopback_never_connects(
    monkeypatch: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    """The guard runs in the connection itself: a name that passed the URL check but
    resolves to 127.0.0.1 at send time reaches no socket (the receiver gets nothing)."""
    monkeypatch.setattr(ssrf, "resolve", _resolving_to("127.0.0.1"))
    async with new_client(allow_private=False, timeout_s=1) as client:
        with pytest.raises(httpx.ConnectError, match="non-public"):
            await client.post(f"https://rebind.example:{receiver.port}/ok", content=b"{}")
        attempt = await post(
            client,
            url=f"https://rebind.example:{receiver.port}/ok",
            payload="{}",
            headers={},
            allow_private=False,
        )
    assert not attempt.ok
    assert attempt.error is not None
    assert "non-public" in attempt.error
    assert receiver.paths() == []


async def test_the_connection_goes_to_the_checked_address_with_the_host_kept(
    monkeypatch: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    """With private targets allowed (development), a name is still resolved by the guard
    and the connection made to that address, while the Host header stays the name."""
    monkeypatch.setattr(ssrf, "resolve", _resolving_to("127.0.0.1"))
    async with new_client(allow_private=True, timeout_s=2) as client:
        attempt = await post(
            client,
            url=f"http://receiver.test:{receiver.port}/ok",
            payload="{}",
            headers={},
            allow_private=True,
        )
    assert attempt.ok, attempt.error
    [received] = receiver.received
    assert received.headers["host"] == f"receiver.test:{receiver.port}"


async def test_the_real_resolver_and_a_name_that_does_not_resolve(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert all(address.is_loopback for address in await ssrf.resolve("localhost", 443))
    with pytest.raises(TargetRefused, match="non-public"):
        await checked_addresses("localhost", 443, allow_private=False)

    async def nowhere(host: str, port: int) -> list[ssrf.IPAddress]:
        raise OSError("Name or service not known")

    monkeypatch.setattr(ssrf, "resolve", nowhere)
    with pytest.raises(TargetRefused, match="does not resolve"):
        await checked_addresses("nowhere.example", 443, allow_private=False)
    monkeypatch.setattr(ssrf, "resolve", _resolving_to())
    with pytest.raises(TargetRefused, match="does not resolve"):
        await checked_addresses("empty.example", 443, allow_private=False)


async def test_saving_an_endpoint_checks_what_its_name_resolves_to(
    app: FastAPI, client: httpx.AsyncClient, market: Market, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"webhook_allow_private": False})
    body = {"url": "https://internal.example/hooks", "event_types": ["*"]}
    monkeypatch.setattr(ssrf, "resolve", _resolving_to("10.0.0.1"))
    refused = await client.post("/v1/webhook-endpoints", json=body, headers=market.a.headers)
    assert_invalid(refused, "url")
    monkeypatch.setattr(ssrf, "resolve", _resolving_to("93.184.216.34"))
    created = await client.post("/v1/webhook-endpoints", json=body, headers=market.a.headers)
    assert created.status_code == 201, created.text
    monkeypatch.setattr(ssrf, "resolve", _resolving_to("192.168.0.1"))
    moved = await client.patch(
        f"/v1/webhook-endpoints/{created.json()['id']}",
        json={"url": "https://other.example/hooks"},
        headers=market.a.headers,
    )
    assert_invalid(moved, "url")
