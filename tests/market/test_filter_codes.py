"""List filters take taxonomy codes from the vocabulary: a typo is a 422 naming the
parameter and the closest codes, as the write paths do, instead of an empty list that
looks like an empty market."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.taxonomy.loading import load_taxonomy
from tests.fixtures.assertions import assert_problem
from tests.fixtures.factories import Market, make_offer


@pytest.mark.parametrize(
    ("path", "parameter", "typo", "closest"),
    [
        ("/v1/offers", "skill", "textile.sewng", "textile.sewing"),
        ("/v1/requests", "product", "mask.surgicl", "mask.surgical"),
        ("/v1/offers", "certification", "en-14863", "en-14683"),
        ("/v1/organizations", "certification", "iso-13845", "iso-13485"),
        ("/v1/offers/export", "skill", "textile.sewng", "textile.sewing"),
        ("/v1/analytics/supply-demand", "skill", "textile.sewng", "textile.sewing"),
        ("/v1/analytics/regions.geojson", "product", "mask.surgicl", "mask.surgical"),
    ],
)
async def test_an_unknown_code_in_a_filter_is_a_422_with_the_closest_codes(
    client: httpx.AsyncClient, market: Market, path: str, parameter: str, typo: str, closest: str
) -> None:
    response = await client.get(path, params={parameter: typo}, headers=market.a.headers)
    problem = assert_problem(response, 422)
    [error] = problem["errors"]
    assert error["field"] == parameter
    assert f"unknown {parameter} '{typo}'" in error["message"]
    assert closest in error["message"]


async def test_known_codes_filter_as_before_and_deprecated_ones_still_do(
    client: httpx.AsyncClient, market: Market
) -> None:
    for parameter, code in (("skill", "textile"), ("skill", "textile.sewing"), ("product", "mask")):
        response = await client.get(
            "/v1/offers", params={parameter: code}, headers=market.a.headers
        )
        assert response.status_code == 200, response.text


async def test_a_deprecated_code_still_finds_what_carries_it(
    app: FastAPI, client: httpx.AsyncClient, market: Market, tmp_path: Path
) -> None:
    offer = await make_offer(client, market.a1, skills=["textile.cutting"])
    operator = tmp_path / "vocabulary.yaml"
    operator.write_text(
        "skills:\n  textile.cutting: {deprecated: true, replaced_by: textile.sewing}\n",
        encoding="utf-8",
    )
    app.state.taxonomy = load_taxonomy(operator)
    found = await client.get(
        "/v1/offers", params={"skill": "textile.cutting"}, headers=market.a.headers
    )
    assert found.status_code == 200, found.text
    assert [row["id"] for row in found.json()["data"]] == [offer["id"]]
