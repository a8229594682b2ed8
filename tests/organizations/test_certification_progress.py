"""Certifications in progress: the fields, their rules, verification and offers' claims."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.assertions import assert_problem
from tests.fixtures.factories import (
    ADMIN,
    days_from_today,
    make_partner,
    offer_body,
    organization_body,
)

IN_PROGRESS = {"code": "en-14683", "status": "in_progress", "expected_by": "2027-01-15"}


def _fields(response: httpx.Response) -> list[str]:
    body = assert_problem(response, 422)
    return [error["field"] for error in body["errors"]]


async def _create(client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any) -> Any:
    response = await client.post(
        "/v1/organizations", json=organization_body(**overrides), headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_certification_in_progress_shows_its_status_and_date(
    client: httpx.AsyncClient,
) -> None:
    partner = await make_partner(client)
    org = await _create(
        client,
        partner.headers,
        certifications=[IN_PROGRESS, {"code": "iso-13485", "valid_until": "2028-06-30"}],
    )

    by_code = {c["code"]: c for c in org["certifications"]}
    assert by_code["en-14683"] == {
        "code": "en-14683",
        "status": "in_progress",
        "expected_by": "2027-01-15",
        "valid_until": None,
        "certificate_number": None,
        "verified": False,
    }
    assert by_code["iso-13485"]["status"] == "held"  # the default
    assert by_code["iso-13485"]["expected_by"] is None
    read = await client.get(f"/v1/organizations/{org['id']}", headers=partner.headers)
    assert read.json()["certifications"] == org["certifications"]


async def test_expected_by_is_required_in_progress_and_refused_when_held(
    client: httpx.AsyncClient,
) -> None:
    partner = await make_partner(client)
    url = "/v1/organizations"
    missing = organization_body(
        certifications=[
            {"code": "iso-13485"},
            {"code": "en-14683", "status": "in_progress"},
        ]
    )
    assert _fields(await client.post(url, json=missing, headers=partner.headers)) == [
        "certifications[1].expected_by"
    ]
    held_with_date = organization_body(
        certifications=[{"code": "en-14683", "status": "held", "expected_by": "2027-01-15"}]
    )
    assert _fields(await client.post(url, json=held_with_date, headers=partner.headers)) == [
        "certifications[0].expected_by"
    ]
    default_held_with_date = organization_body(
        certifications=[{"code": "en-14683", "expected_by": "2027-01-15"}]
    )
    response = await client.post(url, json=default_held_with_date, headers=partner.headers)
    assert _fields(response) == ["certifications[0].expected_by"]
    expiry_in_progress = organization_body(
        certifications=[{**IN_PROGRESS, "valid_until": "2030-01-01"}]
    )
    assert _fields(await client.post(url, json=expiry_in_progress, headers=partner.headers)) == [
        "certifications[0].valid_until"
    ]
    unknown_status = organization_body(
        certifications=[{"code": "en-14683", "status": "applied", "expected_by": "2027-01-15"}]
    )
    assert "certifications[0].status" in _fields(
        await client.post(url, json=unknown_status, headers=partner.headers)
    )


async def test_patch_writes_progress_and_checks_it(client: httpx.AsyncClient) -> None:
    partner = await make_partner(client)
    org = await _create(client, partner.headers, certifications=[])
    url = f"/v1/organizations/{org['id']}"

    response = await client.patch(
        url, json={"certifications": [IN_PROGRESS]}, headers=partner.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["certifications"][0]["status"] == "in_progress"
    refused = await client.patch(
        url,
        json={"certifications": [{"code": "en-14683", "status": "in_progress"}]},
        headers=partner.headers,
    )
    assert _fields(refused) == ["certifications[0].expected_by"]


async def test_only_a_held_certificate_can_be_verified(client: httpx.AsyncClient) -> None:
    partner = await make_partner(client)
    org = await _create(client, partner.headers, certifications=[IN_PROGRESS])
    url = f"/v1/organizations/{org['id']}"

    refused = await client.post(
        f"{url}/certifications/en-14683/verify", json={"verified": True}, headers=ADMIN
    )
    body = assert_problem(refused, 409)
    assert "in progress" in body["detail"]
    assert "2027-01-15" in body["detail"]
    unverify = await client.post(
        f"{url}/certifications/en-14683/verify", json={"verified": False}, headers=ADMIN
    )
    assert unverify.status_code == 200  # nothing to undo, and nothing refused

    # Issued: the certificate turns held, unverified until the operator checks it.
    held = await client.patch(
        url,
        json={"certifications": [{"code": "en-14683", "valid_until": "2030-01-31"}]},
        headers=partner.headers,
    )
    assert held.json()["certifications"][0] == {
        "code": "en-14683",
        "status": "held",
        "expected_by": None,
        "valid_until": "2030-01-31",
        "certificate_number": None,
        "verified": False,
    }
    verified = await client.post(
        f"{url}/certifications/en-14683/verify", json={"verified": True}, headers=ADMIN
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["certifications"][0]["verified"] is True


async def test_turning_held_drops_a_verification_kept_from_before(
    client: httpx.AsyncClient,
) -> None:
    """A verified certificate sent back in progress and then held again is a new
    certificate: unverified."""
    partner = await make_partner(client)
    held = {"code": "en-14683", "valid_until": "2030-01-31"}
    org = await _create(client, partner.headers, certifications=[held])
    url = f"/v1/organizations/{org['id']}"
    await client.post(
        f"{url}/certifications/en-14683/verify", json={"verified": True}, headers=ADMIN
    )

    back = await client.patch(url, json={"certifications": [IN_PROGRESS]}, headers=partner.headers)
    assert back.json()["certifications"][0]["verified"] is False
    again = await client.patch(url, json={"certifications": [held]}, headers=partner.headers)
    assert again.json()["certifications"][0]["verified"] is False


async def test_an_offer_may_claim_a_certification_in_progress(
    client: httpx.AsyncClient,
) -> None:
    partner = await make_partner(client)
    org = await _create(
        client,
        partner.headers,
        certifications=[{**IN_PROGRESS, "expected_by": days_from_today(30)}],
    )

    claimed = await client.post(
        "/v1/offers",
        json=offer_body(org["id"], certifications=["en-14683"]),
        headers=partner.headers,
    )
    assert claimed.status_code == 201, claimed.text
    assert claimed.json()["certifications"] == ["en-14683"]

    neither = await client.post(
        "/v1/offers",
        json=offer_body(org["id"], certifications=["en-14683", "iso-13485"]),
        headers=partner.headers,
    )
    assert _fields(neither) == ["certifications[1]"]
    assert "neither held nor in progress" in assert_problem(neither, 422)["errors"][0]["message"]
