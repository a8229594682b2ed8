"""``external_ref``: a partner's own id of an organisation, offer or request, unique per
partner and kind (API.md "Imports"), on create and PATCH, for all three kinds."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fixtures.assertions import assert_problem
from tests.fixtures.factories import Market, OrgCtx, offer_body, organization_body, request_body

KINDS = ("organizations", "offers", "requests")


def body_of(kind: str, org: OrgCtx, **overrides: Any) -> dict[str, Any]:
    if kind == "organizations":
        return organization_body(**overrides)
    if kind == "offers":
        return offer_body(org.id, **overrides)
    return request_body(org.id, **overrides)


async def create(
    client: httpx.AsyncClient, kind: str, org: OrgCtx, **overrides: Any
) -> httpx.Response:
    return await client.post(
        f"/v1/{kind}", json=body_of(kind, org, **overrides), headers=org.partner.headers
    )


@pytest.mark.parametrize("kind", KINDS)
async def test_a_reference_is_stored_shown_and_unique_per_partner(
    client: httpx.AsyncClient, market: Market, kind: str
) -> None:
    first = await create(client, kind, market.a1, external_ref="CRM-4711")
    assert first.status_code == 201, first.text
    assert first.json()["external_ref"] == "CRM-4711"
    shown = await client.get(f"/v1/{kind}/{first.json()['id']}", headers=market.a.headers)
    assert shown.json()["external_ref"] == "CRM-4711"

    taken = await create(client, kind, market.a2, external_ref="CRM-4711")
    problem = assert_problem(taken, 409)
    assert problem["type"].endswith(":external-ref-taken")
    assert [error["field"] for error in problem["errors"]] == ["external_ref"]
    assert first.json()["id"] in problem["errors"][0]["message"]

    # Another partner's numbering is its own.
    other = await create(client, kind, market.b1, external_ref="CRM-4711")
    assert other.status_code == 201, other.text


async def test_the_same_reference_may_name_one_object_of_each_kind(
    client: httpx.AsyncClient, market: Market
) -> None:
    for kind in KINDS:
        created = await create(client, kind, market.a1, external_ref="ROW-1")
        assert created.status_code == 201, (kind, created.text)


@pytest.mark.parametrize("kind", KINDS)
async def test_patch_sets_keeps_refuses_a_taken_one_and_clears(
    client: httpx.AsyncClient, market: Market, kind: str
) -> None:
    headers = market.a.headers
    first = (await create(client, kind, market.a1, external_ref="A")).json()
    second = (await create(client, kind, market.a1)).json()
    assert second["external_ref"] is None
    path = f"/v1/{kind}/{second['id']}"

    assert_problem(await client.patch(path, json={"external_ref": "A"}, headers=headers), 409)
    renamed = await client.patch(path, json={"external_ref": "B"}, headers=headers)
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["external_ref"] == "B"
    # Sending its own reference again is no conflict.
    same = await client.patch(path, json={"external_ref": "B"}, headers=headers)
    assert same.status_code == 200, same.text
    cleared = await client.patch(path, json={"external_ref": None}, headers=headers)
    assert cleared.json()["external_ref"] is None
    # Freed: the first object's reference can move here once the first lets it go.
    await client.patch(f"/v1/{kind}/{first['id']}", json={"external_ref": None}, headers=headers)
    moved = await client.patch(path, json={"external_ref": "A"}, headers=headers)
    assert moved.json()["external_ref"] == "A"


@pytest.mark.parametrize("value", ["", "   ", "x" * 101])
async def test_a_reference_is_one_to_a_hundred_characters(
    client: httpx.AsyncClient, market: Market, value: str
) -> None:
    problem = assert_problem(await create(client, "offers", market.a1, external_ref=value), 422)
    assert [error["field"] for error in problem["errors"]] == ["external_ref"]


async def test_outer_spaces_are_trimmed_as_in_every_text_field(
    client: httpx.AsyncClient, market: Market
) -> None:
    created = await create(client, "offers", market.a1, external_ref=" R-1 ")
    assert created.json()["external_ref"] == "R-1"


async def test_a_concurrent_write_that_took_the_reference_first_answers_409(
    client: httpx.AsyncClient, market: Market, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race the check cannot see (both checked before either wrote): the unique index
    refuses the second write, and the caller gets a 409, not a 500."""
    from app.organizations import acting

    assert (await create(client, "offers", market.a1, external_ref="RACE")).status_code == 201

    async def sees_nothing(*_args: Any, **_kwargs: Any) -> dict[tuple[str, str], str]:
        return {}

    monkeypatch.setattr(acting, "refs_in_use", sees_nothing)
    problem = assert_problem(await create(client, "offers", market.a1, external_ref="RACE"), 409)
    assert problem["type"].endswith(":unique-value-taken")
