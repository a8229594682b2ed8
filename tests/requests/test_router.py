"""HTTP behaviour of /v1/requests: create, validate, read, change, cancel and list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.dates import today
from app.models import CapacityRequest
from tests.fixtures.assertions import assert_invalid, assert_problem, day, ids
from tests.fixtures.factories import (
    ADMIN,
    Market,
    make_organization,
    make_request,
    request_body,
)

STUTTGART = {"lat": 48.7758, "lon": 9.1829}
REUTLINGEN = {"lat": 48.4931, "lon": 9.2125}  # the market organisations' location
HAMBURG = {"lat": 53.5511, "lon": 9.9937}


async def set_columns(
    session_factory: async_sessionmaker[AsyncSession], request_id: str, **values: Any
) -> None:
    async with session_factory() as session:
        await session.execute(
            update(CapacityRequest).where(CapacityRequest.id == request_id).values(**values)
        )
        await session.commit()


async def expire(session_factory: async_sessionmaker[AsyncSession], request_id: str) -> None:
    """Move a request's date into the past (the API rejects that on input)."""
    await set_columns(session_factory, request_id, needed_by=today() - timedelta(days=1))


# --- create -------------------------------------------------------------------------------


async def test_create_with_partner_key_returns_the_request(
    client: httpx.AsyncClient, market: Market
) -> None:
    body = request_body(market.a1.id, needed_by=day(70), description="for clinics")
    response = await client.post("/v1/requests", json=body, headers=market.a.headers)

    assert response.status_code == 201, response.text
    assert response.headers["etag"] == '"1"'
    request = response.json()
    assert request["id"].startswith("req_")
    assert request["partner_id"] == market.a.id
    assert request["organization_id"] == market.a1.id
    assert request["title"] == "20k type IIR masks for clinics"
    assert request["description"] == "for clinics"
    assert request["skills"] == ["textile.sewing"]
    assert request["products"] == ["mask.surgical"]
    assert request["quantity"] == 20000
    assert request["unit"] == "pieces"
    assert request["needed_by"] == day(70)
    assert request["location"] == STUTTGART
    assert request["region"] == "DE-BW"  # no gazetteer here: the state outline holds it
    assert request["max_distance_km"] == 400
    assert request["required_certifications"] == ["en-14683"]
    assert request["preferred_certifications"] == ["iso-13485"]
    assert request["visibility"] == "shared"
    assert request["status"] == "open"
    assert request["closed_at"] is None
    assert request["created_at"] == request["updated_at"]
    assert "reserved_quantity" not in request


async def test_create_with_org_key_implies_the_organisation(
    client: httpx.AsyncClient, market: Market
) -> None:
    response = await client.post("/v1/requests", json=request_body(None), headers=market.b1.headers)
    assert response.status_code == 201, response.text
    assert response.json()["organization_id"] == market.b1.id
    assert response.json()["partner_id"] == market.b.id


async def test_location_defaults_to_the_organisations(
    client: httpx.AsyncClient, market: Market
) -> None:
    body = request_body(market.a1.id)
    del body["location"]
    response = await client.post("/v1/requests", json=body, headers=market.a.headers)
    assert response.status_code == 201, response.text
    assert response.json()["location"] == REUTLINGEN


async def test_defaults(client: httpx.AsyncClient, market: Market) -> None:
    body = {"title": "Gloves", "products": ["glove"], "quantity": 5, "needed_by": day(1)}
    response = await client.post("/v1/requests", json=body, headers=market.a2.headers)
    assert response.status_code == 201, response.text
    request = response.json()
    assert request["unit"] == "pieces"
    assert request["skills"] == []
    assert request["required_certifications"] == []
    assert request["preferred_certifications"] == []
    assert request["max_distance_km"] is None
    assert request["description"] is None
    assert request["visibility"] == "shared"
    assert request["status"] == "open"


async def test_needed_by_today_is_accepted(client: httpx.AsyncClient, market: Market) -> None:
    request = await make_request(client, market.a1, needed_by=day(0))
    assert request["status"] == "open"


async def test_partner_key_requires_organization_id(
    client: httpx.AsyncClient, market: Market
) -> None:
    response = await client.post("/v1/requests", json=request_body(None), headers=market.a.headers)
    assert_invalid(response, "organization_id")


async def test_manufacturer_organisation_may_request_too(
    client: httpx.AsyncClient, market: Market
) -> None:
    # API.md does not tie posting to `kind`: a manufacturer also buys.
    maker = await make_organization(client, market.a, kind="manufacturer")
    response = await client.post(
        "/v1/requests", json=request_body(maker.id), headers=market.a.headers
    )
    assert response.status_code == 201, response.text
    by_itself = await client.post("/v1/requests", json=request_body(None), headers=maker.headers)
    assert by_itself.status_code == 201, by_itself.text


async def test_buyer_organisation_can_request(client: httpx.AsyncClient, market: Market) -> None:
    buyer = await make_organization(client, market.a, kind="buyer", certifications=[])
    request = await make_request(client, buyer, as_org=True)
    # a buyer need not hold the certifications it asks for
    assert request["required_certifications"] == ["en-14683"]


async def test_cannot_post_for_someone_elses_organisation(
    client: httpx.AsyncClient, market: Market
) -> None:
    other_partner = await client.post(
        "/v1/requests", json=request_body(market.b1.id), headers=market.a.headers
    )
    sibling = await client.post(
        "/v1/requests", json=request_body(market.a2.id), headers=market.a1.headers
    )
    assert_problem(other_partner, 404)
    assert_problem(sibling, 404)


async def test_admin_key_does_not_post_requests(client: httpx.AsyncClient, market: Market) -> None:
    response = await client.post("/v1/requests", json=request_body(market.a1.id), headers=ADMIN)
    assert_problem(response, 403)


async def test_created_request_is_stored_with_search_codes(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    request = await make_request(client, market.a1)
    async with session_factory() as session:
        row = (
            await session.execute(
                select(CapacityRequest).where(CapacityRequest.id == request["id"])
            )
        ).scalar_one()
    assert row.version == 1
    assert set(row.search_codes) == {
        "s:textile",
        "s:textile.sewing",
        "p:mask",
        "p:mask.surgical",
        "c:en-14683",
        "c:iso-13485",
    }


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"needed_by": "-1"}, "needed_by"),
        ({"needed_by": "2027-02-30"}, "needed_by"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": -10}, "quantity"),
        ({"quantity": 1_000_000_001}, "quantity"),
        ({"quantity": "many"}, "quantity"),
        ({"unit": "Pieces!"}, "unit"),
        ({"location": {"lat": 91, "lon": 9}}, "location.lat"),
        ({"location": {"lat": 48, "lon": 9, "alt": 3}}, "location.alt"),
        ({"max_distance_km": 0}, "max_distance_km"),
        ({"max_distance_km": 20_001}, "max_distance_km"),
        ({"visibility": "public"}, "visibility"),
        ({"status": "open"}, "status"),
        ({"partner_id": "prt_x"}, "partner_id"),
        ({"verified": True}, "verified"),
        ({"reserved_quantity": 1}, "reserved_quantity"),
        ({"skills": ["textile sewing"]}, "skills[0]"),
        ({"products": ["mask.", "ok"]}, "products[0]"),
        ({"required_certifications": ["ok", "EN 14683"]}, "required_certifications[1]"),
        ({"skills": [], "products": []}, "skills"),
        (
            {"required_certifications": ["en-14683"], "preferred_certifications": ["en-14683"]},
            "preferred_certifications",
        ),
        ({"title": ""}, "title"),
    ],
)
async def test_invalid_request_names_the_field(
    client: httpx.AsyncClient, market: Market, overrides: dict[str, Any], field: str
) -> None:
    value = overrides.get("needed_by")
    if isinstance(value, str) and value[0] in "+-":
        overrides = {**overrides, "needed_by": day(int(value))}
    response = await client.post(
        "/v1/requests", json=request_body(market.a1.id, **overrides), headers=market.a.headers
    )
    assert_invalid(response, field)
    assert ids(await client.get("/v1/requests", headers=market.a.headers)) == []


async def test_overlap_is_named_in_the_message(client: httpx.AsyncClient, market: Market) -> None:
    response = await client.post(
        "/v1/requests",
        json=request_body(
            market.a1.id,
            required_certifications=["en-14683", "iso-13485"],
            preferred_certifications=["ISO-13485", "ce"],
        ),
        headers=market.a.headers,
    )
    errors = assert_invalid(response, "preferred_certifications")
    assert "iso-13485" in errors[0]["message"]
    assert "en-14683" not in errors[0]["message"]


@pytest.mark.parametrize("missing", ["title", "quantity", "needed_by"])
async def test_missing_required_field(
    client: httpx.AsyncClient, market: Market, missing: str
) -> None:
    body = request_body(market.a1.id)
    del body[missing]
    response = await client.post("/v1/requests", json=body, headers=market.a.headers)
    assert assert_invalid(response, missing)[0]["message"] == "field required"


async def test_body_not_json(client: httpx.AsyncClient, market: Market) -> None:
    response = await client.post(
        "/v1/requests",
        content=b"{not json}",
        headers={**market.a.headers, "Content-Type": "application/json"},
    )
    body = assert_problem(response, 400)
    assert [error["field"] for error in body["errors"]] == ["body"]
    assert body["errors"][0]["message"].startswith("not valid JSON: ")


async def test_wrong_content(client: httpx.AsyncClient, market: Market) -> None:
    response = await client.post(
        "/v1/requests",
        content=b"<request/>",
        headers={**market.a.headers, "Content-Type": "application/xml"},
    )
    assert_invalid(response, "body")


# --- read -----------------------------------------------------------------------------------


async def test_get_returns_the_request(client: httpx.AsyncClient, market: Market) -> None:
    request = await make_request(client, market.a1)
    response = await client.get(f"/v1/requests/{request['id']}", headers=market.b2.headers)
    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    assert response.json() == request


async def test_network_request_is_hidden_from_other_partners(
    client: httpx.AsyncClient, market: Market
) -> None:
    request = await make_request(client, market.a1, visibility="network")
    path = f"/v1/requests/{request['id']}"
    assert (await client.get(path, headers=market.a2.headers)).status_code == 200
    assert_problem(await client.get(path, headers=market.b.headers), 404)
    assert_problem(await client.get(path, headers=market.b1.headers), 404)
    assert ids(await client.get("/v1/requests", headers=market.b1.headers)) == []


async def test_get_unknown_request_is_404(client: httpx.AsyncClient, market: Market) -> None:
    assert_problem(await client.get("/v1/requests/req_missing", headers=market.a.headers), 404)


# --- PATCH ----------------------------------------------------------------------------------


async def test_patch_changes_only_the_given_fields(
    client: httpx.AsyncClient, market: Market
) -> None:
    request = await make_request(client, market.a1)
    response = await client.patch(
        f"/v1/requests/{request['id']}",
        json={"quantity": 30000, "needed_by": day(90), "location": HAMBURG},
        headers=market.a1.headers,
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    updated = response.json()
    assert updated["quantity"] == 30000
    assert updated["needed_by"] == day(90)
    assert updated["location"] == HAMBURG
    assert (request["region"], updated["region"]) == ("DE-BW", "DE-HH")
    changed = {"quantity", "needed_by", "location", "region", "updated_at"}
    assert {k: v for k, v in updated.items() if k not in changed} == {
        k: v for k, v in request.items() if k not in changed
    }
    assert updated["updated_at"] > request["updated_at"]


async def test_if_match(client: httpx.AsyncClient, market: Market) -> None:
    request = await make_request(client, market.a1)
    path = f"/v1/requests/{request['id']}"
    ok = await client.patch(
        path, json={"title": "v2"}, headers={**market.a.headers, "If-Match": '"1"'}
    )
    assert ok.status_code == 200, ok.text
    assert ok.headers["etag"] == '"2"'

    stale = await client.patch(
        path, json={"title": "lost"}, headers={**market.a.headers, "If-Match": '"1"'}
    )
    assert_problem(stale, 412)
    current = await client.get(path, headers=market.a.headers)
    assert current.json() == ok.json()
    assert current.headers["etag"] == '"2"'

    star = await client.patch(
        path, json={"title": "v3"}, headers={**market.a.headers, "If-Match": "*"}
    )
    assert star.status_code == 200, star.text
    assert star.json()["title"] == "v3"
    assert star.headers["etag"] == '"3"'


@pytest.mark.parametrize(
    "field",
    [
        "title",
        "skills",
        "products",
        "quantity",
        "unit",
        "needed_by",
        "location",
        "required_certifications",
        "preferred_certifications",
        "visibility",
        "status",
    ],
)
async def test_patch_null_for_non_nullable_field(
    client: httpx.AsyncClient, market: Market, field: str
) -> None:
    request = await make_request(client, market.a1)
    path = f"/v1/requests/{request['id']}"
    assert_invalid(await client.patch(path, json={field: None}, headers=market.a.headers), field)
    assert (await client.get(path, headers=market.a.headers)).json() == request


async def test_patch_null_clears_description_and_max_distance(
    client: httpx.AsyncClient, market: Market
) -> None:
    request = await make_request(client, market.a1, description="text")
    response = await client.patch(
        f"/v1/requests/{request['id']}",
        json={"description": None, "max_distance_km": None},
        headers=market.a.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["description"] is None
    assert response.json()["max_distance_km"] is None


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"needed_by": "-1"}, "needed_by"),
        ({"quantity": 0}, "quantity"),
        ({"preferred_certifications": ["en-14683"]}, "preferred_certifications"),
        ({"required_certifications": ["iso-13485"]}, "preferred_certifications"),
        ({"skills": [], "products": []}, "skills"),
        ({"status": "expired"}, "status"),
        ({"organization_id": "org_x"}, "organization_id"),
        ({"location": {"lat": -91, "lon": 0}}, "location.lat"),
        ({"skills": ["Bad Code"]}, "skills[0]"),
    ],
)
async def test_invalid_patch_names_the_field_and_changes_nothing(
    client: httpx.AsyncClient, market: Market, patch: dict[str, Any], field: str
) -> None:
    request = await make_request(client, market.a1)
    value = patch.get("needed_by")
    if isinstance(value, str) and value[0] in "+-":
        patch = {**patch, "needed_by": day(int(value))}
    path = f"/v1/requests/{request['id']}"
    assert_invalid(await client.patch(path, json=patch, headers=market.a.headers), field)
    current = await client.get(path, headers=market.a.headers)
    assert current.headers["etag"] == '"1"'
    assert current.json() == request


async def test_patch_removing_the_overlap_is_accepted(
    client: httpx.AsyncClient, market: Market
) -> None:
    request = await make_request(client, market.a1)
    response = await client.patch(
        f"/v1/requests/{request['id']}",
        json={"required_certifications": ["iso-13485"], "preferred_certifications": ["en-14683"]},
        headers=market.a.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["required_certifications"] == ["iso-13485"]
    assert response.json()["preferred_certifications"] == ["en-14683"]


async def test_patch_status(client: httpx.AsyncClient, market: Market) -> None:
    request = await make_request(client, market.a1)
    path = f"/v1/requests/{request['id']}"

    fulfilled = await client.patch(path, json={"status": "fulfilled"}, headers=market.a.headers)
    assert fulfilled.status_code == 200, fulfilled.text
    assert fulfilled.json()["status"] == "fulfilled"
    reopened = await client.patch(path, json={"status": "open"}, headers=market.a.headers)
    assert reopened.json()["status"] == "open"
    cancelled = await client.patch(path, json={"status": "cancelled"}, headers=market.a.headers)
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["closed_at"] is not None


async def test_patch_cancelled_request_is_409(client: httpx.AsyncClient, market: Market) -> None:
    request = await make_request(client, market.a1)
    path = f"/v1/requests/{request['id']}"
    cancelled = await client.delete(path, headers=market.a.headers)

    for patch in ({"title": "again"}, {"status": "open"}):
        assert_problem(await client.patch(path, json=patch, headers=market.a.headers), 409)
    assert (await client.get(path, headers=market.a.headers)).json() == cancelled.json()


async def test_others_cannot_change_a_request(client: httpx.AsyncClient, market: Market) -> None:
    request = await make_request(client, market.a1)
    path = f"/v1/requests/{request['id']}"
    for headers in (market.b.headers, market.b1.headers, market.a2.headers):
        assert_problem(await client.patch(path, json={"title": "x"}, headers=headers), 404)
        assert_problem(await client.delete(path, headers=headers), 404)
    assert (await client.get(path, headers=market.a.headers)).json() == request


# --- DELETE ---------------------------------------------------------------------------------


async def test_delete_cancels_and_keeps_history(client: httpx.AsyncClient, market: Market) -> None:
    request = await make_request(client, market.a1)
    path = f"/v1/requests/{request['id']}"

    response = await client.delete(path, headers=market.a1.headers)

    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    cancelled = response.json()
    assert cancelled["status"] == "cancelled"
    assert cancelled["closed_at"] is not None
    assert cancelled["quantity"] == request["quantity"]
    assert (await client.get(path, headers=market.a.headers)).json() == cancelled
    assert ids(await client.get("/v1/requests?status=open", headers=market.a.headers)) == []
    assert ids(await client.get("/v1/requests?status=cancelled", headers=market.a.headers)) == [
        request["id"]
    ]

    again = await client.delete(path, headers=market.a1.headers)
    assert again.status_code == 200
    assert again.json() == cancelled
    assert again.headers["etag"] == '"2"'


async def test_delete_with_stale_if_match(client: httpx.AsyncClient, market: Market) -> None:
    request = await make_request(client, market.a1)
    path = f"/v1/requests/{request['id']}"
    await client.patch(path, json={"title": "v2"}, headers=market.a.headers)
    assert_problem(await client.delete(path, headers={**market.a.headers, "If-Match": '"1"'}), 412)
    assert (await client.get(path, headers=market.a.headers)).json()["status"] == "open"


# --- expiry and lists -----------------------------------------------------------------------


async def test_request_past_needed_by_reads_expired(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    expired = await make_request(client, market.a1)
    fulfilled = await make_request(client, market.a1)
    cancelled = await make_request(client, market.a1)
    live = await make_request(client, market.a1)
    await client.patch(
        f"/v1/requests/{fulfilled['id']}", json={"status": "fulfilled"}, headers=market.a.headers
    )
    await client.delete(f"/v1/requests/{cancelled['id']}", headers=market.a.headers)
    for request in (expired, fulfilled, cancelled):
        await expire(session_factory, request["id"])

    async def status_of(request_id: str) -> str:
        response = await client.get(f"/v1/requests/{request_id}", headers=market.a.headers)
        return str(response.json()["status"])

    assert await status_of(expired["id"]) == "expired"
    assert await status_of(fulfilled["id"]) == "fulfilled"
    assert await status_of(cancelled["id"]) == "cancelled"

    def listed(query: str) -> Any:
        return client.get(f"/v1/requests?{query}", headers=market.a.headers)

    assert ids(await listed("status=expired")) == [expired["id"]]
    assert ids(await listed("status=open")) == [live["id"]]
    assert ids(await listed("status=fulfilled")) == [fulfilled["id"]]
    assert set(ids(await listed("status=open&status=expired"))) == {live["id"], expired["id"]}
    assert set(ids(await listed("status=fulfilled&status=cancelled"))) == {
        fulfilled["id"],
        cancelled["id"],
    }
    assert_invalid(await listed("status=closed"), "status[0]")


async def test_filter_by_skill_and_product_hierarchy(
    client: httpx.AsyncClient, market: Market
) -> None:
    sewing = await make_request(client, market.a1, skills=["textile.sewing"], products=[])
    masks = await make_request(client, market.a1, skills=[], products=["mask.ffp2"])

    def get(**params: str) -> Any:
        return client.get("/v1/requests", params=params, headers=market.a.headers)

    assert ids(await get(skill="textile")) == [sewing["id"]]
    assert ids(await get(skill="textile.sewing")) == [sewing["id"]]
    assert_invalid(await get(skill="textile.sew"), "skill")
    assert ids(await get(product="mask")) == [masks["id"]]
    assert_invalid(await get(product="mask.ffp"), "product")
    assert_invalid(await get(skill="mask"), "skill")


async def test_filter_by_certification_covers_required_and_preferred(
    client: httpx.AsyncClient, market: Market
) -> None:
    required = await make_request(
        client, market.a1, required_certifications=["en-14683"], preferred_certifications=[]
    )
    preferred = await make_request(
        client, market.a1, required_certifications=[], preferred_certifications=["en-14683"]
    )
    await make_request(client, market.a1, required_certifications=[], preferred_certifications=[])
    response = await client.get(
        "/v1/requests", params={"certification": "en-14683"}, headers=market.a.headers
    )
    assert set(ids(response)) == {required["id"], preferred["id"]}


async def test_filter_by_region_organisation_and_visibility(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    lyon = {"lat": 45.764, "lon": 4.8357}  # outside every region capmatch knows
    a1 = await make_request(client, market.a1, location=lyon)
    a2 = await make_request(client, market.a2, visibility="network", location=lyon)
    b1 = await make_request(client, market.b1, location=lyon)
    await set_columns(session_factory, a1["id"], region="DE-BW")

    def get(**params: str) -> Any:
        return client.get("/v1/requests", params=params, headers=market.a.headers)

    assert ids(await get(region="DE-BW")) == [a1["id"]]
    assert ids(await get(region="DE-BY")) == []
    assert ids(await get(organization_id=market.a2.id)) == [a2["id"]]
    assert ids(await get(organization_id=market.b1.id)) == [b1["id"]]
    assert ids(await get(visibility="network")) == [a2["id"]]
    assert set(ids(await get(visibility="shared"))) == {a1["id"], b1["id"]}


async def test_filter_by_text(client: httpx.AsyncClient, market: Market) -> None:
    masks = await make_request(client, market.a1, title="FFP2 Masks 100%")
    gowns = await make_request(client, market.a1, title="Gowns", description="for 100 beds")

    def q(text: str) -> Any:
        return client.get("/v1/requests", params={"q": text}, headers=market.a.headers)

    assert ids(await q("masks")) == [masks["id"]]
    assert ids(await q("MASKS")) == [masks["id"]]
    assert set(ids(await q("100"))) == {masks["id"], gowns["id"]}
    assert ids(await q("100%")) == [masks["id"]]
    assert ids(await q("1_0")) == []
    assert ids(await q("beds")) == [gowns["id"]]


async def test_filter_near_a_point(client: httpx.AsyncClient, market: Market) -> None:
    reutlingen = await make_request(client, market.a1, location=REUTLINGEN)
    hamburg = await make_request(client, market.a1, location=HAMBURG)

    def near(radius: float) -> Any:
        return client.get(
            "/v1/requests",
            params={"lat": STUTTGART["lat"], "lon": STUTTGART["lon"], "radius_km": radius},
            headers=market.a.headers,
        )

    assert ids(await near(40)) == [reutlingen["id"]]
    assert ids(await near(20)) == []
    assert set(ids(await near(700))) == {reutlingen["id"], hamburg["id"]}
    assert_invalid(
        await client.get("/v1/requests?lat=48&lon=9", headers=market.a.headers), "radius_km"
    )


async def test_cursor_pagination_newest_first(client: httpx.AsyncClient, market: Market) -> None:
    created = [
        (await make_request(client, market.a1, title=f"request {i}"))["id"] for i in range(5)
    ]
    seen: list[str] = []
    sizes: list[int] = []
    cursor: str | None = None
    for _ in range(5):
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/v1/requests", params=params, headers=market.a.headers)).json()
        sizes.append(len(page["data"]))
        seen.extend(item["id"] for item in page["data"])
        cursor = page["next_cursor"]
        assert page["has_more"] is (cursor is not None)
        if not page["has_more"]:
            break
    assert sizes == [2, 2, 1]
    assert len(set(seen)) == 5
    assert seen == sorted(created, reverse=True)
    assert seen[0] == created[-1]
    assert seen[-1] == created[0]
