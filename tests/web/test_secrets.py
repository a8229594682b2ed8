"""A secret shown once is never stored for idempotency, and a replay does not show it.

The three POSTs that issue an API key (a new partner's first key, another partner key,
an organisation key) answer with the plaintext once; with an ``Idempotency-Key`` the
stored row holds the 409 a replay answers, which names the key instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import ApiKey, IdempotencyRecord
from tests.fixtures.assertions import assert_problem
from tests.fixtures.factories import ADMIN, Market, bearer, organization_body


@dataclass(frozen=True)
class Issuer:
    """One POST that issues a key: where, as whom, and how to tell a body apart."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    other_body: dict[str, Any]
    # A GET the new key may make: proves the first answer's key works after the replay.
    check_path: str


IssuerFactory = Callable[[Market], Issuer]


def new_partner(_market: Market) -> Issuer:
    return Issuer(
        path="/v1/partners",
        headers=ADMIN,
        body={"name": "Life Science Nord", "slug": "lsn"},
        other_body={"name": "Life Science Nord", "slug": "lsn-2"},
        check_path="/v1/offers",
    )


def partner_key(market: Market) -> Issuer:
    return Issuer(
        path=f"/v1/partners/{market.a.id}/api-keys",
        headers=market.a.headers,
        body=None,
        other_body={"name": "rotation"},
        check_path=f"/v1/partners/{market.a.id}",
    )


def organization_key(market: Market) -> Issuer:
    return Issuer(
        path=f"/v1/organizations/{market.a1.id}/api-keys",
        headers=market.a.headers,
        body={"name": "shop floor"},
        other_body={"name": "office"},
        check_path=f"/v1/organizations/{market.a1.id}",
    )


ISSUERS = pytest.mark.parametrize(
    "make_issuer",
    [new_partner, partner_key, organization_key],
    ids=["POST /v1/partners", "POST partner api-keys", "POST organization api-keys"],
)


async def post(
    client: httpx.AsyncClient, issuer: Issuer, key: str, body: dict[str, Any] | None
) -> httpx.Response:
    headers = {**issuer.headers, "Idempotency-Key": key}
    return await client.post(issuer.path, json=body, headers=headers)


def key_id_of(created: dict[str, Any]) -> str:
    key_id: str = created["api_key_id"] if "api_key_id" in created else created["id"]
    return key_id


async def stored_rows(factory: async_sessionmaker[AsyncSession]) -> list[IdempotencyRecord]:
    async with factory() as session:
        return list((await session.execute(select(IdempotencyRecord))).scalars())


async def count_keys(factory: async_sessionmaker[AsyncSession]) -> int:
    async with factory() as session:
        return int((await session.execute(select(func.count()).select_from(ApiKey))).scalar_one())


@ISSUERS
async def test_no_idempotency_row_holds_the_plaintext_key(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
    make_issuer: IssuerFactory,
) -> None:
    issuer = make_issuer(market)
    first = await post(client, issuer, "issue-1", issuer.body)
    assert first.status_code == 201, first.text
    plaintext = first.json()["api_key"]
    assert plaintext.startswith(("cmp_", "cmo_"))

    rows = await stored_rows(session_factory)
    assert [row.key for row in rows] == ["issue-1"]  # the claim row was written ...
    assert rows[0].status_code == 409  # ... with the answer a replay gets
    for row in rows:
        for value in (row.response_body or b"", repr(row.response_headers).encode()):
            assert plaintext.encode() not in value
            assert b'api_key"' not in value


@ISSUERS
async def test_a_replay_names_the_key_and_does_not_show_it(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
    make_issuer: IssuerFactory,
) -> None:
    issuer = make_issuer(market)
    first = await post(client, issuer, "issue-2", issuer.body)
    assert first.status_code == 201, first.text
    created = first.json()
    keys_after_first = await count_keys(session_factory)

    replay = await post(client, issuer, "issue-2", issuer.body)

    problem = assert_problem(replay, 409)  # its request_id is the replay's own
    assert replay.headers["idempotent-replayed"] == "true"
    assert problem["type"] == "urn:capmatch:problem:key-already-issued"
    assert key_id_of(created) in problem["detail"]
    assert "shown only once" in problem["detail"]
    if "api_key_id" in created:  # POST /v1/partners names the partner it created too
        assert created["id"] in problem["detail"]
    assert created["api_key"] not in replay.text
    assert "api_key" not in problem
    # The replay issued nothing, and the key the first answer showed works.
    assert await count_keys(session_factory) == keys_after_first
    new_key = bearer(created["api_key"])
    assert (await client.get(issuer.check_path, headers=new_key)).status_code == 200


@ISSUERS
async def test_the_same_key_with_another_body_is_still_422(
    client: httpx.AsyncClient, market: Market, make_issuer: IssuerFactory
) -> None:
    issuer = make_issuer(market)
    assert (await post(client, issuer, "issue-3", issuer.body)).status_code == 201
    other = await post(client, issuer, "issue-3", issuer.other_body)
    assert other.status_code == 422, other.text
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_other_responses_are_still_stored_and_replayed_in_full(
    client: httpx.AsyncClient, market: Market, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    # Only routes whose response model holds a secret are stored as the 409.
    headers = {**market.a.headers, "Idempotency-Key": "org-1"}
    body = organization_body()
    first = await client.post("/v1/organizations", json=body, headers=headers)
    replay = await client.post("/v1/organizations", json=body, headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    rows = await stored_rows(session_factory)
    assert [row.status_code for row in rows] == [201]


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/v1/partners", "post"),
        ("/v1/partners/{partner_id}/api-keys", "post"),
        ("/v1/organizations/{organization_id}/api-keys", "post"),
    ],
)
def test_the_contract_documents_the_replay_conflict(app: FastAPI, path: str, method: str) -> None:
    operation = app.openapi()["paths"][path][method]
    assert "key-already-issued" in operation["description"]
    assert "key-already-issued" in operation["responses"]["409"]["description"]


def test_routes_without_a_secret_do_not_mention_it(app: FastAPI) -> None:
    operation = app.openapi()["paths"]["/v1/organizations"]["post"]
    assert "key-already-issued" not in str(operation)
