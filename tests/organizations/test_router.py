"""Organisations: a partner's member companies, their certifications and their keys."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import Organization
from tests.fixtures.assertions import assert_problem, ids
from tests.fixtures.factories import (
    ADMIN,
    Market,
    OrgCtx,
    PartnerCtx,
    bearer,
    days_from_today,
    make_offer,
    make_organization,
    make_partner,
    make_request,
    organization_body,
)

STUTTGART = {"lat": 48.7758, "lon": 9.1829}
HAMBURG = {"lat": 53.5511, "lon": 9.9937}


def errors_of(response: httpx.Response) -> list[dict[str, str]]:
    body = assert_problem(response, 422)
    errors: list[dict[str, str]] = body["errors"]
    assert errors
    assert all(error["message"] for error in errors)
    return errors


def error_fields(response: httpx.Response) -> list[str]:
    return [error["field"] for error in errors_of(response)]


async def create_org(
    client: httpx.AsyncClient, partner: PartnerCtx, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        "/v1/organizations", json=organization_body(**overrides), headers=partner.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


# --- create ------------------------------------------------------------------------------


async def test_partner_creates_organization(client: httpx.AsyncClient) -> None:
    partner = await make_partner(client)
    body = organization_body(
        name="Musterweberei GmbH",
        kind="manufacturer",
        certifications=[
            {"code": "iso-13485", "valid_until": "2027-06-30", "certificate_number": "Q-1"},
            {"code": "en-14683"},
        ],
        description="Weaving and sewing",
        website="https://musterweberei.example",
    )

    response = await client.post("/v1/organizations", json=body, headers=partner.headers)

    assert response.status_code == 201, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["etag"]
    org = response.json()
    assert org["id"].startswith("org_")
    assert org["partner_id"] == partner.id
    assert org["name"] == "Musterweberei GmbH"
    assert org["kind"] == "manufacturer"
    assert org["location"] == {"lat": 48.4931, "lon": 9.2125}
    assert org["address"] == {
        "street": None,
        "postal_code": "72764",
        "city": "Reutlingen",
        "country": "DE",
    }
    assert "region" in org
    assert org["verified"] is False
    assert org["status"] == "active"
    assert org["description"] == "Weaving and sewing"
    assert org["website"] == "https://musterweberei.example"
    assert org["contact"] == {"name": "A. Muster", "email": "a@example.org", "phone": "+49 7121 0"}
    assert {c["code"]: c for c in org["certifications"]} == {
        "iso-13485": {
            "code": "iso-13485",
            "status": "held",
            "expected_by": None,
            "valid_until": "2027-06-30",
            "certificate_number": "Q-1",
            "verified": False,
        },
        "en-14683": {
            "code": "en-14683",
            "status": "held",
            "expected_by": None,
            "valid_until": None,
            "certificate_number": None,
            "verified": False,
        },
    }
    assert org["created_at"] == org["updated_at"]

    read = await client.get(f"/v1/organizations/{org['id']}", headers=partner.headers)
    assert read.status_code == 200
    assert read.headers["etag"] == response.headers["etag"]
    assert {k: v for k, v in read.json().items() if k != "certifications"} == {
        k: v for k, v in org.items() if k != "certifications"
    }
    assert sorted(read.json()["certifications"], key=lambda c: c["code"]) == sorted(
        org["certifications"], key=lambda c: c["code"]
    )


async def test_minimal_organization(client: httpx.AsyncClient) -> None:
    partner = await make_partner(client)
    response = await client.post(
        "/v1/organizations",
        json={"name": "Klein GmbH", "kind": "buyer", "location": STUTTGART},
        headers=partner.headers,
    )
    assert response.status_code == 201, response.text
    org = response.json()
    assert org["certifications"] == []
    assert org["contact"] is None
    assert org["address"] is None
    assert org["kind"] == "buyer"


async def test_codes_and_country_are_normalised(client: httpx.AsyncClient) -> None:
    partner = await make_partner(client)
    org = await create_org(
        client,
        partner,
        certifications=[{"code": "  ISO-13485 "}],
        address={"postal_code": "72764", "country": "de"},
    )
    assert [c["code"] for c in org["certifications"]] == ["iso-13485"]
    assert org["address"]["country"] == "DE"


async def test_only_a_partner_key_creates_organizations(
    client: httpx.AsyncClient, market: Market
) -> None:
    body = organization_body(name="Sneaky GmbH")
    assert_problem(
        await client.post("/v1/organizations", json=body, headers=market.a1.headers), 403
    )
    assert_problem(await client.post("/v1/organizations", json=body, headers=ADMIN), 403)
    assert_problem(await client.post("/v1/organizations", json=body), 401)
    assert_problem(
        await client.post("/v1/organizations", json=body, headers=bearer("cmp_unknown")), 401
    )
    everything = await client.get("/v1/organizations", params={"q": "Sneaky"}, headers=ADMIN)
    assert ids(everything) == []


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"location": {"lat": 91, "lon": 9.2}}, ["location.lat"]),
        ({"location": {"lat": 48.5, "lon": -180.5}}, ["location.lon"]),
        ({"location": {"lat": "north", "lon": 9.2}}, ["location.lat"]),
        ({"location": {"lat": 48.5}}, ["location.lon"]),
        ({"location": {"lat": 48.5, "lon": 9.2, "alt": 300}}, ["location.alt"]),
        ({"contact": {"email": "not-an-email"}}, ["contact.email"]),
        ({"contact": {"phone": "call me"}}, ["contact.phone"]),
        (
            {"certifications": [{"code": "iso-13485"}, {"code": "iso-13485"}]},
            ["certifications[1]"],
        ),
        (
            {"certifications": [{"code": "en-14683"}, {"code": "iso-9001"}, {"code": "EN-14683"}]},
            ["certifications[2]"],
        ),
        ({"certifications": [{"code": "iso 13485"}]}, ["certifications[0].code"]),
        (
            {"certifications": [{"code": "iso-13485", "verified": True}]},
            ["certifications[0].verified"],
        ),
        (
            {"certifications": [{"code": "iso-13485", "valid_until": "soon"}]},
            ["certifications[0].valid_until"],
        ),
        ({"verified": True}, ["verified"]),
        ({"partner_id": "par_other"}, ["partner_id"]),
        ({"status": "closed"}, ["status"]),
        ({"kind": "wholesaler"}, ["kind"]),
        ({"name": ""}, ["name"]),
        ({"website": "ftp://example.org"}, ["website"]),
        ({"address": {"postal_code": "72764", "country": "Germany"}}, ["address.country"]),
        ({"address": {"city": "Reutlingen", "country": "DE"}}, ["address.postal_code"]),
    ],
)
async def test_create_validation_names_the_field(
    client: httpx.AsyncClient, overrides: dict[str, Any], fields: list[str]
) -> None:
    partner = await make_partner(client)
    response = await client.post(
        "/v1/organizations", json=organization_body(**overrides), headers=partner.headers
    )
    assert error_fields(response) == fields
    listed = await client.get("/v1/organizations", headers=partner.headers)
    assert ids(listed) == []


async def test_duplicate_certification_message_names_the_code(client: httpx.AsyncClient) -> None:
    partner = await make_partner(client)
    response = await client.post(
        "/v1/organizations",
        json=organization_body(certifications=[{"code": "iso-13485"}, {"code": "iso-13485"}]),
        headers=partner.headers,
    )
    [error] = errors_of(response)
    assert error == {"field": "certifications[1]", "message": error["message"]}
    assert "iso-13485" in error["message"]


async def test_missing_location_is_named(client: httpx.AsyncClient) -> None:
    partner = await make_partner(client)
    body = organization_body(address=None)
    del body["location"]
    response = await client.post("/v1/organizations", json=body, headers=partner.headers)
    assert error_fields(response) == ["location"]


async def test_postal_code_unknown_to_the_gazetteer_is_named(client: httpx.AsyncClient) -> None:
    partner = await make_partner(client)
    body = organization_body()  # no gazetteer is loaded here
    del body["location"]
    response = await client.post("/v1/organizations", json=body, headers=partner.headers)
    assert error_fields(response) == ["address.postal_code"]


async def test_missing_required_fields(client: httpx.AsyncClient) -> None:
    partner = await make_partner(client)
    response = await client.post("/v1/organizations", json={}, headers=partner.headers)
    assert sorted(error_fields(response)) == ["kind", "name"]
    not_json = await client.post(
        "/v1/organizations",
        content=b"{not json",
        headers={**partner.headers, "Content-Type": "application/json"},
    )
    # Not JSON at all is a malformed body (400); 422 is for JSON that breaks the schema.
    assert assert_problem(not_json, 400)["errors"][0]["field"] == "body"


# --- list --------------------------------------------------------------------------------


async def test_list_filters(client: httpx.AsyncClient) -> None:
    partner = await make_partner(client)
    maker = await create_org(
        client,
        partner,
        name="Reutlinger Weberei",
        kind="manufacturer",
        certifications=[{"code": "iso-13485"}, {"code": "ce.mdr"}],
    )
    buyer = await create_org(
        client,
        partner,
        name="Klinikum Hamburg",
        kind="buyer",
        location=HAMBURG,
        address={"postal_code": "20095", "city": "Hamburg", "country": "DE"},
        certifications=[{"code": "en-14683"}],
    )
    both = await create_org(
        client,
        partner,
        name="Stuttgart 100% Textil",
        kind="both",
        location=STUTTGART,
        address={"postal_code": "70173", "city": "Stuttgart", "country": "DE"},
        certifications=[{"code": "ce.ppe"}],
    )

    async def listed(**params: Any) -> set[str]:
        response = await client.get("/v1/organizations", params=params, headers=partner.headers)
        return set(ids(response))

    assert await listed() == {maker["id"], buyer["id"], both["id"]}
    # kind
    assert await listed(kind="manufacturer") == {maker["id"]}
    assert await listed(kind="buyer") == {buyer["id"]}
    assert await listed(kind="both") == {both["id"]}
    # certification, with the hierarchy: "ce" covers "ce.mdr" and "ce.ppe"
    assert await listed(certification="iso-13485") == {maker["id"]}
    assert await listed(certification="ce") == {maker["id"], both["id"]}
    assert await listed(certification="ce.ppe") == {both["id"]}
    assert await listed(certification="CE.MDR") == {maker["id"]}
    # A prefix must be a whole segment, and a code the vocabulary lacks is a typo: 422.
    for unknown in ("c", "ce.md", "iso-13485.x"):
        response = await client.get(
            "/v1/organizations", params={"certification": unknown}, headers=partner.headers
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "certification"
    # q: case-insensitive text in name or city; LIKE wildcards are literal
    assert await listed(q="weberei") == {maker["id"]}
    assert await listed(q="HAMBURG") == {buyer["id"]}
    assert await listed(q="100%") == {both["id"]}
    assert await listed(q="%") == {both["id"]}
    assert await listed(q="_") == set()
    assert await listed(q="nowhere") == set()
    # near: Stuttgart centre, 40 km covers Stuttgart and Reutlingen (~32 km), not Hamburg
    near = {"lat": STUTTGART["lat"], "lon": STUTTGART["lon"]}
    assert await listed(**near, radius_km=40) == {maker["id"], both["id"]}
    assert await listed(**near, radius_km=5) == {both["id"]}
    assert await listed(**near, radius_km=1000) == {maker["id"], buyer["id"], both["id"]}
    assert await listed(lat=HAMBURG["lat"], lon=HAMBURG["lon"], radius_km=10) == {buyer["id"]}
    # filters combine
    assert await listed(**near, radius_km=40, kind="manufacturer") == {maker["id"]}
    assert await listed(certification="ce", q="textil") == {both["id"]}


async def test_list_filters_by_region_and_verified(
    client: httpx.AsyncClient, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    partner = await make_partner(client)
    bw = await create_org(client, partner)
    hh = await create_org(client, partner, location=HAMBURG)
    # Regions come from the gazetteer; set them directly to exercise the filter.
    async with session_factory() as session:
        for org_id, region in ((bw["id"], "DE-BW"), (hh["id"], "DE-HH")):
            await session.execute(
                update(Organization).where(Organization.id == org_id).values(region=region)
            )
        await session.commit()

    async def listed(**params: Any) -> list[str]:
        return ids(await client.get("/v1/organizations", params=params, headers=partner.headers))

    assert await listed(region="DE-BW") == [bw["id"]]
    assert await listed(region="DE-HH") == [hh["id"]]
    assert await listed(region="DE-BY") == []
    read = await client.get(f"/v1/organizations/{bw['id']}", headers=partner.headers)
    assert read.json()["region"] == "DE-BW"

    verified = await client.post(
        f"/v1/organizations/{hh['id']}/verify", json={"verified": True}, headers=ADMIN
    )
    assert verified.status_code == 200
    assert await listed(verified="true") == [hh["id"]]
    assert await listed(verified="false") == [bw["id"]]


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"lat": 48.7}, ["lon", "radius_km"]),
        ({"lat": 48.7, "lon": 9.1}, ["radius_km"]),
        ({"radius_km": 10}, ["lat", "lon"]),
        ({"lat": 95, "lon": 9.1, "radius_km": 10}, ["lat"]),
        ({"lat": 48.7, "lon": 9.1, "radius_km": 0}, ["radius_km"]),
        ({"lat": 48.7, "lon": 9.1, "radius_km": 20_001}, ["radius_km"]),
        ({"kind": "wholesaler"}, ["kind"]),
        ({"certification": "not a code"}, ["certification"]),
        ({"status": "deleted"}, ["status"]),
        ({"limit": 0}, ["limit"]),
        ({"limit": 101}, ["limit"]),
        ({"limit": "many"}, ["limit"]),
    ],
)
async def test_list_rejects_bad_parameters(
    client: httpx.AsyncClient, params: dict[str, Any], fields: list[str]
) -> None:
    partner = await make_partner(client)
    await create_org(client, partner)
    response = await client.get("/v1/organizations", params=params, headers=partner.headers)
    assert sorted(error_fields(response)) == sorted(fields)


def _cursor(payload: bytes) -> str:
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!!",
        "x",
        _cursor(b"not json"),
        _cursor(b'{"before": "org_1"}'),
        _cursor(b'{"after": 5}'),
        _cursor(b'["org_1"]'),
    ],
)
async def test_bad_cursor_is_422(client: httpx.AsyncClient, cursor: str) -> None:
    partner = await make_partner(client)
    response = await client.get(
        "/v1/organizations", params={"cursor": cursor}, headers=partner.headers
    )
    assert error_fields(response) == ["cursor"]


async def test_cursor_pagination_walks_every_page(client: httpx.AsyncClient) -> None:
    partner = await make_partner(client)
    created = [(await create_org(client, partner))["id"] for _ in range(4)]
    other = await make_partner(client)
    await create_org(client, other)

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 1}
        if cursor is not None:
            params["cursor"] = cursor
        response = await client.get("/v1/organizations", params=params, headers=partner.headers)
        assert response.status_code == 200
        page = response.json()
        pages += 1
        assert len(page["data"]) == 1
        seen.extend(item["id"] for item in page["data"])
        if not page["has_more"]:
            assert page["next_cursor"] is None
            break
        assert isinstance(page["next_cursor"], str)
        cursor = page["next_cursor"]
        assert pages < 10, "pagination does not terminate"

    assert pages == 4
    assert len(seen) == len(set(seen))
    assert seen == sorted(created, reverse=True)  # newest first, by time-sortable id

    full = (await client.get("/v1/organizations", headers=partner.headers)).json()
    assert [item["id"] for item in full["data"]] == seen
    assert full["has_more"] is False
    assert full["next_cursor"] is None
    exact = (
        await client.get("/v1/organizations", params={"limit": 4}, headers=partner.headers)
    ).json()
    assert exact["has_more"] is False
    assert exact["next_cursor"] is None


# --- update ------------------------------------------------------------------------------


async def test_patch_with_if_match(client: httpx.AsyncClient, market: Market) -> None:
    url = f"/v1/organizations/{market.a1.id}"
    read = await client.get(url, headers=market.a.headers)
    etag = read.headers["etag"]

    stale = await client.patch(
        url, json={"name": "Renamed"}, headers={**market.a.headers, "If-Match": '"999"'}
    )
    assert_problem(stale, 412)
    assert (await client.get(url, headers=market.a.headers)).json()["name"] == read.json()["name"]

    updated = await client.patch(
        url,
        json={"name": "Renamed", "description": "New", "location": STUTTGART},
        headers={**market.a.headers, "If-Match": etag},
    )
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert body["name"] == "Renamed"
    assert body["description"] == "New"
    assert body["location"] == STUTTGART
    assert body["kind"] == read.json()["kind"]
    assert body["contact"] == read.json()["contact"]
    assert updated.headers["etag"] != etag
    assert datetime.fromisoformat(body["updated_at"]) > datetime.fromisoformat(
        read.json()["updated_at"]
    )

    reread = await client.get(url, headers=market.a.headers)
    assert reread.headers["etag"] == updated.headers["etag"]
    assert reread.json()["name"] == "Renamed"
    assert_problem(
        await client.patch(
            url, json={"name": "Again"}, headers={**market.a.headers, "If-Match": etag}
        ),
        412,
    )


async def test_patch_clears_nullable_fields_and_rejects_null_elsewhere(
    client: httpx.AsyncClient, market: Market
) -> None:
    url = f"/v1/organizations/{market.a1.id}"
    cleared = await client.patch(
        url, json={"contact": None, "address": None}, headers=market.a.headers
    )
    assert cleared.status_code == 200
    assert cleared.json()["contact"] is None
    assert cleared.json()["address"] is None
    assert error_fields(await client.patch(url, json={"name": None}, headers=market.a.headers)) == [
        "name"
    ]
    assert error_fields(
        await client.patch(url, json={"location": None}, headers=market.a.headers)
    ) == ["location"]
    assert error_fields(
        await client.patch(url, json={"verified": True}, headers=market.a.headers)
    ) == ["verified"]
    assert error_fields(
        await client.patch(url, json={"partner_id": market.b.id}, headers=market.a.headers)
    ) == ["partner_id"]
    assert error_fields(
        await client.patch(
            url,
            json={"certifications": [{"code": "en-14683"}, {"code": "en-14683"}]},
            headers=market.a.headers,
        )
    ) == ["certifications[1]"]
    read = (await client.get(url, headers=market.a.headers)).json()
    assert read["verified"] is False
    assert read["partner_id"] == market.a.id
    assert len(read["certifications"]) == 2


async def test_verifying_again_leaves_the_organisation_unchanged(
    client: httpx.AsyncClient, market: Market
) -> None:
    # A repeated operator call must not change the ETag: a partner holding it for an
    # If-Match update would get 412 for nothing.
    url = f"/v1/organizations/{market.a1.id}"
    first = await client.post(f"{url}/verify", json={"verified": True}, headers=ADMIN)
    again = await client.post(f"{url}/verify", json={"verified": True}, headers=ADMIN)

    assert first.status_code == again.status_code == 200
    assert again.json()["verified"] is True
    assert again.headers["etag"] == first.headers["etag"]
    assert again.json()["updated_at"] == first.json()["updated_at"]
    undone = await client.post(f"{url}/verify", json={"verified": False}, headers=ADMIN)
    assert undone.json()["verified"] is False
    assert undone.headers["etag"] != first.headers["etag"]


async def test_patch_replaces_certifications(client: httpx.AsyncClient, market: Market) -> None:
    url = f"/v1/organizations/{market.a1.id}"
    before = {c["code"]: c for c in (await client.get(url, headers=ADMIN)).json()["certifications"]}
    assert set(before) == {"en-14683", "iso-13485"}
    verified = await client.post(
        f"{url}/certifications/iso-13485/verify", json={"verified": True}, headers=ADMIN
    )
    assert verified.status_code == 200

    response = await client.patch(
        url,
        json={
            "certifications": [
                {"code": "iso-13485", "valid_until": before["iso-13485"]["valid_until"]},
                {"code": "iso-9001", "valid_until": "2028-01-31"},
            ]
        },
        headers=market.a.headers,
    )

    assert response.status_code == 200, response.text
    after = {c["code"]: c for c in response.json()["certifications"]}
    assert set(after) == {"iso-13485", "iso-9001"}
    # An unchanged certificate keeps its verification; a new one is unverified.
    assert after["iso-13485"]["verified"] is True
    assert after["iso-9001"] == {
        "code": "iso-9001",
        "status": "held",
        "expected_by": None,
        "valid_until": "2028-01-31",
        "certificate_number": None,
        "verified": False,
    }
    reread = {c["code"]: c for c in (await client.get(url, headers=ADMIN)).json()["certifications"]}
    assert reread == after

    # A changed certificate must be verified again.
    changed = await client.patch(
        url,
        json={"certifications": [{"code": "iso-13485", "valid_until": "2030-01-01"}]},
        headers=market.a.headers,
    )
    assert changed.json()["certifications"] == [
        {
            "code": "iso-13485",
            "status": "held",
            "expected_by": None,
            "valid_until": "2030-01-01",
            "certificate_number": None,
            "verified": False,
        }
    ]
    cleared = await client.patch(url, json={"certifications": []}, headers=market.a.headers)
    assert cleared.json()["certifications"] == []


async def test_removing_a_certification_claimed_by_an_open_offer_is_422(
    client: httpx.AsyncClient, market: Market
) -> None:
    offer = await make_offer(client, market.a1, certifications=["en-14683"], status="paused")
    url = f"/v1/organizations/{market.a1.id}"
    etag = (await client.get(url, headers=market.a.headers)).headers["etag"]

    response = await client.patch(
        url,
        json={"certifications": [{"code": "iso-13485"}]},
        headers=market.a.headers,
    )

    [error] = errors_of(response)
    assert error["field"] == "certifications"
    assert "en-14683" in error["message"]
    assert offer["id"] in error["message"]
    read = await client.get(url, headers=market.a.headers)
    assert {c["code"] for c in read.json()["certifications"]} == {"en-14683", "iso-13485"}
    assert read.headers["etag"] == etag

    # Keeping the claimed one is fine; once the offer is closed it may go too.
    kept = await client.patch(
        url, json={"certifications": [{"code": "en-14683"}]}, headers=market.a.headers
    )
    assert kept.status_code == 200, kept.text
    closed = await client.delete(f"/v1/offers/{offer['id']}", headers=market.a.headers)
    assert closed.status_code == 200
    removed = await client.patch(url, json={"certifications": []}, headers=market.a.headers)
    assert removed.status_code == 200, removed.text
    assert removed.json()["certifications"] == []


async def test_org_key_may_update_its_own_organization(
    client: httpx.AsyncClient, market: Market
) -> None:
    response = await client.patch(
        f"/v1/organizations/{market.a1.id}", json={"name": "Self GmbH"}, headers=market.a1.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Self GmbH"
    assert_problem(
        await client.patch(
            f"/v1/organizations/{market.a1.id}", json={"name": "Admin"}, headers=ADMIN
        ),
        403,
    )


# --- close -------------------------------------------------------------------------------


async def test_delete_closes_organization_with_its_offers_requests_and_keys(
    client: httpx.AsyncClient, market: Market
) -> None:
    org = market.a1
    active = await make_offer(client, org)
    draft = await make_offer(client, org, status="draft", visibility="network")
    paused = await make_offer(client, org, status="paused")
    open_request = await make_request(client, org)
    fulfilled = await make_request(client, org)
    done = await client.patch(
        f"/v1/requests/{fulfilled['id']}", json={"status": "fulfilled"}, headers=org.partner.headers
    )
    assert done.json()["status"] == "fulfilled"
    sibling_offer = await make_offer(client, market.a2)
    sibling_request = await make_request(client, market.a2)
    second_key = await client.post(
        f"/v1/organizations/{org.id}/api-keys", headers=org.partner.headers
    )
    second_headers = bearer(second_key.json()["api_key"])
    assert (await client.get("/v1/offers", headers=org.headers)).status_code == 200

    response = await client.delete(f"/v1/organizations/{org.id}", headers=org.partner.headers)

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "closed"
    assert response.json()["id"] == org.id
    # Its partner can still read it.
    read = await client.get(f"/v1/organizations/{org.id}", headers=org.partner.headers)
    assert read.status_code == 200
    assert read.json()["status"] == "closed"
    assert read.headers["etag"] == response.headers["etag"]
    # Open offers closed, open requests cancelled; finished ones untouched.
    for offer in (active, draft, paused):
        got = await client.get(f"/v1/offers/{offer['id']}", headers=org.partner.headers)
        assert got.json()["status"] == "closed", offer["status"]
        assert got.json()["closed_at"] is not None
    got = await client.get(f"/v1/requests/{open_request['id']}", headers=org.partner.headers)
    assert got.json()["status"] == "cancelled"
    got = await client.get(f"/v1/requests/{fulfilled['id']}", headers=org.partner.headers)
    assert got.json()["status"] == "fulfilled"
    # The sibling's objects are untouched.
    got = await client.get(f"/v1/offers/{sibling_offer['id']}", headers=org.partner.headers)
    assert got.json()["status"] == "active"
    got = await client.get(f"/v1/requests/{sibling_request['id']}", headers=org.partner.headers)
    assert got.json()["status"] == "open"
    # Every key of the organisation stops working; the sibling's key still works.
    assert_problem(await client.get("/v1/offers", headers=org.headers), 401)
    assert_problem(await client.get("/v1/offers", headers=second_headers), 401)
    assert (await client.get("/v1/offers", headers=market.a2.headers)).status_code == 200
    keys = await client.get(f"/v1/organizations/{org.id}/api-keys", headers=org.partner.headers)
    assert keys.status_code == 200
    assert len(keys.json()["data"]) == 2
    assert all(k["revoked_at"] is not None for k in keys.json()["data"])
    # Closed organisations don't change and take no new offers or requests.
    assert_problem(
        await client.patch(
            f"/v1/organizations/{org.id}", json={"name": "Zombie"}, headers=org.partner.headers
        ),
        409,
    )
    assert_problem(
        await client.post(
            "/v1/offers",
            json={
                "organization_id": org.id,
                "title": "x",
                "skills": ["textile.sewing"],
                "capacity": {"per_week": 10},
                "available_until": days_from_today(30),
            },
            headers=org.partner.headers,
        ),
        409,
    )
    # Closing again is harmless.
    again = await client.delete(f"/v1/organizations/{org.id}", headers=org.partner.headers)
    assert again.status_code == 200
    assert again.json()["status"] == "closed"


async def test_delete_honours_if_match(client: httpx.AsyncClient, market: Market) -> None:
    url = f"/v1/organizations/{market.a1.id}"
    assert_problem(await client.delete(url, headers={**market.a.headers, "If-Match": '"999"'}), 412)
    read = await client.get(url, headers=market.a.headers)
    assert read.json()["status"] == "active"
    assert (await client.get("/v1/offers", headers=market.a1.headers)).status_code == 200
    closed = await client.delete(
        url, headers={**market.a.headers, "If-Match": read.headers["etag"]}
    )
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert_problem(await client.delete(url, headers=ADMIN), 403)


async def test_list_status_filter(client: httpx.AsyncClient, market: Market) -> None:
    await client.delete(f"/v1/organizations/{market.a2.id}", headers=market.a.headers)
    closed = await client.get(
        "/v1/organizations", params={"status": "closed"}, headers=market.a.headers
    )
    assert ids(closed) == [market.a2.id]
    active = await client.get(
        "/v1/organizations", params={"status": "active"}, headers=market.a.headers
    )
    assert ids(active) == [market.a1.id]


# --- verification (admin) ----------------------------------------------------------------


async def test_admin_verifies_organization(client: httpx.AsyncClient, market: Market) -> None:
    url = f"/v1/organizations/{market.a1.id}"
    etag = (await client.get(url, headers=ADMIN)).headers["etag"]

    response = await client.post(f"{url}/verify", json={"verified": True}, headers=ADMIN)

    assert response.status_code == 200, response.text
    assert response.json()["verified"] is True
    assert response.headers["etag"] != etag
    partner_view = await client.get(url, headers=market.a.headers)
    assert partner_view.json()["verified"] is True
    assert all(c["verified"] is False for c in partner_view.json()["certifications"])

    undone = await client.post(f"{url}/verify", json={"verified": False}, headers=ADMIN)
    assert undone.json()["verified"] is False
    assert error_fields(await client.post(f"{url}/verify", json={}, headers=ADMIN)) == ["verified"]
    assert_problem(
        await client.post(
            "/v1/organizations/org_missing/verify", json={"verified": True}, headers=ADMIN
        ),
        404,
    )


async def test_admin_verifies_one_certification(client: httpx.AsyncClient, market: Market) -> None:
    url = f"/v1/organizations/{market.a1.id}"

    response = await client.post(
        f"{url}/certifications/iso-13485/verify", json={"verified": True}, headers=ADMIN
    )

    assert response.status_code == 200, response.text
    by_code = {c["code"]: c["verified"] for c in response.json()["certifications"]}
    assert by_code == {"iso-13485": True, "en-14683": False}
    assert response.json()["verified"] is False
    read = await client.get(url, headers=market.a.headers)
    assert {c["code"]: c["verified"] for c in read.json()["certifications"]} == by_code

    missing = await client.post(
        f"{url}/certifications/iso-9001/verify", json={"verified": True}, headers=ADMIN
    )
    assert "iso-9001" in assert_problem(missing, 404)["detail"]
    undone = await client.post(
        f"{url}/certifications/iso-13485/verify", json={"verified": False}, headers=ADMIN
    )
    assert all(c["verified"] is False for c in undone.json()["certifications"])


@pytest.mark.parametrize("who", ["partner", "org"])
async def test_only_the_admin_verifies(client: httpx.AsyncClient, market: Market, who: str) -> None:
    headers = market.a.headers if who == "partner" else market.a1.headers
    url = f"/v1/organizations/{market.a1.id}"
    assert_problem(
        await client.post(f"{url}/verify", json={"verified": True}, headers=headers), 403
    )
    assert_problem(
        await client.post(
            f"{url}/certifications/iso-13485/verify", json={"verified": True}, headers=headers
        ),
        403,
    )
    assert_problem(await client.post(f"{url}/verify", json={"verified": True}), 401)
    read = (await client.get(url, headers=ADMIN)).json()
    assert read["verified"] is False
    assert all(c["verified"] is False for c in read["certifications"])


# --- organisation keys -------------------------------------------------------------------


async def test_organization_keys(client: httpx.AsyncClient) -> None:
    partner = await make_partner(client)
    org: OrgCtx = await make_organization(client, partner)
    url = f"/v1/organizations/{org.id}/api-keys"

    [first] = (await client.get(url, headers=partner.headers)).json()["data"]
    assert first["kind"] == "organization"
    assert first["organization_id"] == org.id
    assert first["partner_id"] == partner.id
    assert first["prefix"].startswith("cmo_")
    assert org.key.startswith(first["prefix"])

    created = await client.post(url, json={"name": "erp"}, headers=partner.headers)
    assert created.status_code == 201, created.text
    new = created.json()
    assert new["api_key"].startswith("cmo_")
    assert new["name"] == "erp"
    assert new["organization_id"] == org.id
    new_headers = bearer(new["api_key"])
    me = await client.get(f"/v1/organizations/{org.id}", headers=new_headers)
    assert me.status_code == 200
    assert me.json()["id"] == org.id

    listed = await client.get(url, headers=partner.headers)
    assert listed.status_code == 200
    assert {k["id"] for k in listed.json()["data"]} == {first["id"], new["id"]}
    assert new["api_key"] not in listed.text
    assert org.key not in listed.text
    assert all("api_key" not in k for k in listed.json()["data"])
    assert {k["id"]: k for k in listed.json()["data"]}[new["id"]]["last_used_at"] is not None

    revoked = await client.delete(f"{url}/{new['id']}", headers=partner.headers)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert_problem(await client.get(f"/v1/organizations/{org.id}", headers=new_headers), 401)
    assert (await client.get(f"/v1/organizations/{org.id}", headers=org.headers)).status_code == 200
    assert_problem(await client.delete(f"{url}/key_missing", headers=partner.headers), 404)
    # A partner key's id is not an organisation key of this organisation.
    [partner_key] = (
        await client.get(f"/v1/partners/{partner.id}/api-keys", headers=partner.headers)
    ).json()["data"]
    assert_problem(await client.delete(f"{url}/{partner_key['id']}", headers=partner.headers), 404)
    assert (
        await client.get(f"/v1/partners/{partner.id}", headers=partner.headers)
    ).status_code == 200


async def test_a_closed_organization_takes_no_new_keys(
    client: httpx.AsyncClient, market: Market
) -> None:
    url = f"/v1/organizations/{market.a1.id}"
    await client.delete(url, headers=market.a.headers)

    response = await client.post(f"{url}/api-keys", headers=market.a.headers)

    assert "closed" in assert_problem(response, 409)["detail"]
    keys = (await client.get(f"{url}/api-keys", headers=market.a.headers)).json()["data"]
    assert len(keys) == 1
    assert keys[0]["revoked_at"] is not None


async def test_admin_does_not_manage_organization_keys(
    client: httpx.AsyncClient, market: Market
) -> None:
    url = f"/v1/organizations/{market.a1.id}/api-keys"
    assert_problem(await client.post(url, headers=ADMIN), 403)
    assert_problem(await client.get(url, headers=ADMIN), 403)
    assert_problem(await client.post(url), 401)
    listed = await client.get(url, headers=market.a.headers)
    assert len(listed.json()["data"]) == 1
