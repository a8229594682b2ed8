"""GET /v1/taxonomy/* and the validation of codes on offers, requests and organisations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.core.config import Settings
from app.main import create_app
from app.taxonomy.loading import load_taxonomy
from app.taxonomy.vocabulary import TaxonomyError
from tests.fixtures.assertions import PROBLEM
from tests.fixtures.factories import (
    Market,
    make_offer,
    make_partner,
    offer_body,
    organization_body,
    request_body,
)


def invalid(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    errors: list[dict[str, str]] = response.json()["errors"]
    return errors


def by_code(response: httpx.Response) -> dict[str, dict[str, Any]]:
    assert response.status_code == 200, response.text
    return {entry["code"]: entry for entry in response.json()["data"]}


# --- reading the vocabulary --------------------------------------------------------------


@pytest.mark.parametrize("kind", ["skills", "products", "certifications"])
async def test_listing_needs_a_key(client: httpx.AsyncClient, kind: str) -> None:
    response = await client.get(f"/v1/taxonomy/{kind}")
    assert response.status_code == 401


async def test_flat_skills_in_english(client: httpx.AsyncClient, market: Market) -> None:
    response = await client.get("/v1/taxonomy/skills", headers=market.a1.headers)
    skills = by_code(response)
    assert skills["textile.sewing"] == {
        "code": "textile.sewing",
        "label": "Sewing",
        "label_en": "Sewing",
        "label_de": "Nähen",
        "description": "Industrial sewing of textile products.",
        "parent": "textile",
        "deprecated": False,
    }
    assert skills["textile"]["parent"] is None
    codes = [entry["code"] for entry in response.json()["data"]]
    assert codes == sorted(codes)


@pytest.mark.parametrize(
    ("header", "label"),
    [
        ("de", "OP-Maske Typ IIR"),
        ("de-CH, en;q=0.5", "OP-Maske Typ IIR"),
        ("fr", "Surgical mask type IIR"),
    ],
)
async def test_labels_follow_accept_language(
    client: httpx.AsyncClient, market: Market, header: str, label: str
) -> None:
    response = await client.get(
        "/v1/taxonomy/products", headers={**market.a.headers, "Accept-Language": header}
    )
    assert by_code(response)["mask.surgical.type-iir"]["label"] == label


async def test_certifications_are_listed(client: httpx.AsyncClient, market: Market) -> None:
    certifications = by_code(
        await client.get("/v1/taxonomy/certifications", headers=market.a.headers)
    )
    assert {"iso-13485", "en-14683", "iso-9001", "ce", "ce.mdr", "ce.ppe"} <= set(certifications)
    assert certifications["ce.mdr"]["parent"] == "ce"


async def test_tree_nests_children(client: httpx.AsyncClient, market: Market) -> None:
    headers = {**market.a.headers, "Accept-Language": "de"}
    flat = (await client.get("/v1/taxonomy/skills", headers=headers)).json()["data"]
    response = await client.get("/v1/taxonomy/skills?format=tree", headers=headers)
    assert response.status_code == 200, response.text
    roots = response.json()["data"]
    assert all(root["parent"] is None for root in roots)
    textile = next(root for root in roots if root["code"] == "textile")
    assert textile["label"] == "Textilverarbeitung"
    sewing = next(child for child in textile["children"] if child["code"] == "textile.sewing")
    assert {child["code"] for child in sewing["children"]} >= {"textile.sewing.medical"}

    def walk(entries: list[dict[str, Any]]) -> list[str]:
        return [code for e in entries for code in [e["code"], *walk(e["children"])]]

    assert sorted(walk(roots)) == sorted(entry["code"] for entry in flat)


async def test_unknown_format_is_invalid(client: httpx.AsyncClient, market: Market) -> None:
    response = await client.get("/v1/taxonomy/skills?format=graph", headers=market.a.headers)
    assert [e["field"] for e in invalid(response)] == ["format"]


# --- codes are validated where they are written ------------------------------------------


async def test_offer_with_unknown_codes_names_them_and_the_closest(
    client: httpx.AsyncClient, market: Market
) -> None:
    body = offer_body(
        market.a1.id,
        skills=["textile.sewing", "textile.sewin"],
        products=["mask.surgica"],
        certifications=["en-1468"],
    )
    response = await client.post("/v1/offers", json=body, headers=market.a.headers)
    errors = invalid(response)
    assert [e["field"] for e in errors] == ["skills[1]", "products[0]", "certifications[0]"]
    assert errors[0]["message"].startswith("unknown skill 'textile.sewin'; closest: textile.sewing")
    assert "mask.surgical" in errors[1]["message"]
    assert "en-14683" in errors[2]["message"]
    assert "textile.sewin" in response.json()["detail"]


async def test_offer_patch_validates_codes(client: httpx.AsyncClient, market: Market) -> None:
    offer = await make_offer(client, market.a1)
    response = await client.patch(
        f"/v1/offers/{offer['id']}", json={"products": ["mask.ffp9"]}, headers=market.a.headers
    )
    [error] = invalid(response)
    assert error["field"] == "products[0]"
    assert "mask.ffp2" in error["message"]
    ok = await client.patch(
        f"/v1/offers/{offer['id']}", json={"products": ["mask.ffp2"]}, headers=market.a.headers
    )
    assert ok.status_code == 200, ok.text


async def test_request_codes_are_validated(client: httpx.AsyncClient, market: Market) -> None:
    body = request_body(
        market.a1.id, required_certifications=["en-14683"], preferred_certifications=["iso-1348"]
    )
    response = await client.post("/v1/requests", json=body, headers=market.a.headers)
    [error] = invalid(response)
    assert error["field"] == "preferred_certifications[0]"
    assert "iso-13485" in error["message"]
    created = await client.post(
        "/v1/requests", json=request_body(market.a1.id), headers=market.a.headers
    )
    assert created.status_code == 201, created.text
    response = await client.patch(
        f"/v1/requests/{created.json()['id']}",
        json={"skills": ["plastics.injection-molding"]},
        headers=market.a.headers,
    )
    [error] = invalid(response)
    assert error["field"] == "skills[0]"
    assert "plastics.injection-moulding" in error["message"]


async def test_organisation_certifications_are_validated(client: httpx.AsyncClient) -> None:
    partner = await make_partner(client)
    body = organization_body(certifications=[{"code": "iso-13485"}, {"code": "iso-13458"}])
    response = await client.post("/v1/organizations", json=body, headers=partner.headers)
    [error] = invalid(response)
    assert error["field"] == "certifications[1].code"
    assert "iso-13485" in error["message"]
    created = await client.post(
        "/v1/organizations", json=organization_body(), headers=partner.headers
    )
    assert created.status_code == 201, created.text
    response = await client.patch(
        f"/v1/organizations/{created.json()['id']}",
        json={"certifications": [{"code": "ce.mdd"}]},
        headers=partner.headers,
    )
    [error] = invalid(response)
    assert error["field"] == "certifications[0].code"
    assert "ce.mdr" in error["message"]


# --- deprecated codes ---------------------------------------------------------------------


async def test_deprecated_codes_stay_where_used_but_are_not_added(
    app: FastAPI, client: httpx.AsyncClient, market: Market, tmp_path: Path
) -> None:
    offer = await make_offer(client, market.a1, skills=["textile.sewing", "textile.cutting"])
    operator = tmp_path / "vocabulary.yaml"
    operator.write_text(
        "skills:\n  textile.cutting: {deprecated: true, replaced_by: textile.sewing}\n",
        encoding="utf-8",
    )
    app.state.taxonomy = load_taxonomy(operator)
    headers = market.a.headers

    listed = by_code(await client.get("/v1/taxonomy/skills", headers=headers))
    assert listed["textile.cutting"]["deprecated"] is True
    # the existing offer keeps its code through unrelated and related changes
    url = f"/v1/offers/{offer['id']}"
    assert (await client.patch(url, json={"title": "Still cutting"}, headers=headers)).is_success
    kept = await client.patch(url, json={"skills": ["textile.cutting"]}, headers=headers)
    assert kept.status_code == 200, kept.text
    # but no new object may take it up
    response = await client.post(
        "/v1/offers",
        json=offer_body(market.a2.id, skills=["textile.cutting"]),
        headers=headers,
    )
    [error] = invalid(response)
    assert error == {
        "field": "skills[0]",
        "message": "skill 'textile.cutting' is deprecated; use textile.sewing",
    }


def test_the_operator_file_comes_from_settings(tmp_path: Path) -> None:
    operator = tmp_path / "vocabulary.yaml"
    operator.write_text("skills:\n  textile.sewing.leather: {label_en: Leather}\n", "utf-8")
    app = create_app(Settings(environment="test", taxonomy_file=operator))
    assert ("skill", "textile.sewing.leather") in app.state.taxonomy
    (tmp_path / "other.yaml").write_text("skills:\n  orphan.child: {label_en: X}\n", "utf-8")
    with pytest.raises(TaxonomyError, match="orphan"):
        create_app(Settings(environment="test", taxonomy_file=tmp_path / "other.yaml"))


def test_the_setting_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CAPMATCH_TAXONOMY_FILE", str(tmp_path / "v.yaml"))
    assert Settings().taxonomy_file == tmp_path / "v.yaml"
