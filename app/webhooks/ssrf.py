"""The SSRF guard: webhook targets are public https URLs, checked when an endpoint is saved
and again at every connection.

At send time the host is resolved here, every address it resolves to is checked, and the
connection goes to a checked address (the TLS server name and ``Host`` stay the URL's
host): a name that resolves to 10.0.0.1, or is re-pointed there after the endpoint was
saved (DNS rebinding), is refused. ``allow_private`` (development and test) lifts the
address rule and allows ``http``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata services that sit on otherwise routable addresses.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)
METADATA_NAMES = frozenset({"metadata", "metadata.google.internal", "metadata.azure.internal"})


class TargetRefused(Exception):
    """A URL or address a webhook may not be sent to; the message says why."""


def address_refused(address: IPAddress) -> bool:
    """Loopback, private, link-local, shared, reserved, multicast or metadata: not global."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address in METADATA_ADDRESSES or not address.is_global or address.is_multicast


def check_url(url: str, *, allow_private: bool) -> str:
    """The URL's host if the URL may be a target; ``TargetRefused`` otherwise."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
        _ = parts.port
    except ValueError as exc:  # a bad IPv6 literal or port
        raise TargetRefused(f"is not a valid URL ({exc})") from exc
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise TargetRefused("must be an https URL")
    if not host:
        raise TargetRefused("must name a host")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("must not carry credentials")
    if allow_private:
        return host
    if host == "localhost" or host.endswith(".localhost") or host in METADATA_NAMES:
        raise TargetRefused(f"host {host} is a loopback or metadata name")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        return host
    if address_refused(literal):
        raise TargetRefused(f"address {host} is not public")
    return host


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (tests replace this function)."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return [ipaddress.ip_address(info[4][0]) for info in infos]


async def checked_addresses(host: str, port: int, *, allow_private: bool) -> list[IPAddress]:
    """The addresses to connect to for ``host``: all of them checked, or ``TargetRefused``."""
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            addresses = await resolve(host, port)
        except OSError as exc:
            raise TargetRefused(f"host {host} does not resolve") from exc
    if not addresses:
        raise TargetRefused(f"host {host} does not resolve")
    if not allow_private:
        refused = [str(address) for address in addresses if address_refused(address)]
        if refused:
            raise TargetRefused(f"host {host} resolves to a non-public address ({refused[0]})")
    return addresses


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend that connects only to checked addresses."""

    def __init__(self, *, allow_private: bool, inner: httpcore.AsyncNetworkBackend | None = None):
        self.allow_private = allow_private
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await checked_addresses(host, port, allow_private=self.allow_private)
        except TargetRefused as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        last: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks are not sent to unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def guarded_transport(*, allow_private: bool, **kwargs: Any) -> httpx.AsyncHTTPTransport:
    """httpx's pooled transport whose connections go through ``GuardedBackend``."""
    transport = httpx.AsyncHTTPTransport(**kwargs)
    pool = transport._pool  # httpx exposes no public hook for the network backend
    pool._network_backend = GuardedBackend(allow_private=allow_private)
    return transport
