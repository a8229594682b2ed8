"""Addresses and coordinates resolved through the gazetteer; region filters on the lists."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fixtures.factories import (
    Market,
    PartnerCtx,
    make_offer,
    make_organization,
    make_partner,
    make_request,
    organization_body,
)

pytestmark = pytest.mark.usefixtures("gazetteer")

ZURICH = {"lat": 47.37, "lon": 8.54}
VIENNA = {"lat": 48.21, "lon": 16.37}
NORTH_SEA = {"lat": 55.5, "lon": 4.0}


async def _create_org(
    client: httpx.AsyncClient, partner: PartnerCtx, **overrides: Any
) -> httpx.Response:
    return await client.post(
        "/v1/organizations", json=organization_body(**overrides), headers=partner.headers
    )


async def test_postal_code_gives_coordinates_and_region(client: httpx.AsyncClient) -> None:
    partner = await make_partner(client)
    response = await _create_org(client, partner, location=None)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["region"] == "DE-BW"
    assert body["location"]["lat"] == pytest.approx(48.49, abs=0.01)
    assert body["location"]["lon"] == pytest.approx(9.21, abs=0.01)


async def test_city_picks_the_place_of_a_shared_postal_code(client: httpx.AsyncClient) -> None:
    partner = await make_partner(client)
    address = {"postal_code": "6020", "city": "Hötting", "country": "at"}
    body = (await _create_org(client, partner, location=None, address=address)).json()
    assert body["region"] == "AT-7"
    assert (body["location"]["lat"], body["location"]["lon"]) == (47.2714, 11.3865)


async def test_unknown_postal_code_asks_for_coordinates(client: httpx.AsyncClient) -> None:
    partner = await make_partner(client)
    address = {"postal_code": "99999", "country": "DE"}
    response = await _create_org(client, partner, location=None, address=address)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["address.postal_code"]
    assert "coordinates are needed" in errors[0]["message"]


async def test_no_location_and_no_address_asks_for_coordinates(client: httpx.AsyncClient) -> None:
    partner = await make_partner(client)
    response = await _create_org(client, partner, location=None, address=None)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "location"


@pytest.mark.parametrize(
    ("location", "region"), [(ZURICH, "CH-ZH"), (VIENNA, "AT-9"), (NORTH_SEA, None)]
)
async def test_coordinates_alone_take_the_nearest_region(
    client: httpx.AsyncClient, location: dict[str, float], region: str | None
) -> None:
    partner = await make_partner(client)
    response = await _create_org(client, partner, location=location, address=None)
    assert response.status_code == 201, response.text
    assert response.json()["region"] == region
    assert response.json()["location"] == location


async def test_patch_moves_and_recomputes_the_region(client: httpx.AsyncClient) -> None:
    partner = await make_partner(client)
    org = await make_organization(client, partner, address=None)
    url = f"/v1/organizations/{org.id}"
    response = await client.patch(
        url, json={"location": ZURICH}, headers={**partner.headers, "If-Match": '"1"'}
    )
    assert response.status_code == 200, response.text
    assert response.json()["region"] == "CH-ZH"
    assert response.headers["ETag"] == '"2"'
    address = {"postal_code": "80331", "city": "München", "country": "DE"}
    response = await client.patch(
        url, json={"address": address}, headers={**partner.headers, "If-Match": '"2"'}
    )
    assert response.json()["region"] == "DE-BY"
    assert response.json()["location"] == {"lat": 48.1345, "lon": 11.571}


async def test_offers_and_requests_derive_their_region(
    client: httpx.AsyncClient, market: Market
) -> None:
    own = await make_offer(client, market.a1)
    assert own["region"] == "DE-BW"  # the organisation's, resolved from 72764
    elsewhere = await make_offer(client, market.a1, location=ZURICH)
    assert elsewhere["region"] == "CH-ZH"
    request = await make_request(client, market.a1)  # Stuttgart coordinates
    assert request["region"] == "DE-BW"
    response = await client.patch(
        f"/v1/requests/{request['id']}",
        json={"location": VIENNA},
        headers={**market.a.headers, "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    assert response.json()["region"] == "AT-9"
    response = await client.patch(
        f"/v1/offers/{elsewhere['id']}",
        json={"location": NORTH_SEA},
        headers={**market.a.headers, "If-Match": '"1"'},
    )
    assert response.json()["region"] is None


def _ids(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["data"]}


async def test_lists_filter_by_derived_region_and_distance(
    client: httpx.AsyncClient, market: Market
) -> None:
    headers = market.a.headers
    swiss = await make_organization(client, market.a, location=ZURICH, address=None)
    german_offer = await make_offer(client, market.a1)
    swiss_offer = await make_offer(client, swiss)
    german_request = await make_request(client, market.a1)
    swiss_request = await make_request(client, swiss, location=ZURICH)

    orgs = _ids(await client.get("/v1/organizations", params={"region": "ch-zh"}, headers=headers))
    assert orgs == {swiss.id}
    orgs = _ids(await client.get("/v1/organizations", params={"region": "DE-BW"}, headers=headers))
    assert orgs == {market.a1.id, market.a2.id}
    offers = _ids(await client.get("/v1/offers", params={"region": "CH-ZH"}, headers=headers))
    assert offers == {swiss_offer["id"]}
    offers = _ids(await client.get("/v1/offers", params={"region": "de-bw"}, headers=headers))
    assert german_offer["id"] in offers
    assert swiss_offer["id"] not in offers
    requests = _ids(await client.get("/v1/requests", params={"region": "CH-ZH"}, headers=headers))
    assert requests == {swiss_request["id"]}
    assert german_request["id"] not in requests

    near_zurich = {**ZURICH, "radius_km": 50}
    assert _ids(await client.get("/v1/organizations", params=near_zurich, headers=headers)) == {
        swiss.id
    }
    assert _ids(await client.get("/v1/offers", params=near_zurich, headers=headers)) == {
        swiss_offer["id"]
    }


async def test_region_filter_rejects_what_is_no_iso_code(
    client: httpx.AsyncClient, market: Market
) -> None:
    for path in ("/v1/organizations", "/v1/offers", "/v1/requests"):
        response = await client.get(path, params={"region": "Bavaria"}, headers=market.a.headers)
        assert response.status_code == 422, path
        assert response.json()["errors"][0]["field"] == "region"
