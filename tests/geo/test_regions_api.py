"""GET /v1/regions: the ISO 3166-2 regions of DE, AT and CH."""

from __future__ import annotations

from collections import Counter

import httpx

from tests.fixtures.factories import ADMIN, Market


async def test_lists_the_regions_of_the_three_countries(
    client: httpx.AsyncClient, market: Market
) -> None:
    response = await client.get("/v1/regions", headers=market.a1.headers)
    assert response.status_code == 200
    regions = response.json()["data"]
    assert Counter(r["country"] for r in regions) == {"DE": 16, "AT": 9, "CH": 26}
    by_code = {r["code"]: r for r in regions}
    assert by_code["DE-BY"] == {
        "code": "DE-BY",
        "country": "DE",
        "name_de": "Bayern",
        "name_en": "Bavaria",
    }
    assert by_code["AT-9"]["name_en"] == "Vienna"
    assert by_code["CH-GE"]["name_de"] == "Genf"


async def test_filters_by_country_in_any_case(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/regions", params={"country": "at"}, headers=ADMIN)
    assert response.status_code == 200
    codes = [r["code"] for r in response.json()["data"]]
    assert codes == [f"AT-{n}" for n in range(1, 10)]
    response = await client.get("/v1/regions", params={"country": "FR"}, headers=ADMIN)
    assert response.json()["data"] == []


async def test_needs_a_key_and_a_valid_country(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/regions")).status_code == 401
    response = await client.get("/v1/regions", params={"country": "DEU"}, headers=ADMIN)
    assert response.status_code == 422
