"""The skills that make a product, upstream first (API.md "Production chains")."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app.taxonomy.loading import load_taxonomy
from app.taxonomy.vocabulary import Taxonomy, TaxonomyError
from tests.fixtures.factories import Market

TAXONOMY = load_taxonomy()


def extended(tmp_path: Path, text: str) -> Taxonomy:
    path = tmp_path / "extra.yaml"
    path.write_text(text, encoding="utf-8")
    return load_taxonomy(path)


def test_a_recipe_is_in_material_flow_order() -> None:
    assert TAXONOMY.product_recipe("gown.surgical") == (
        "textile.nonwoven.spunbond",
        "textile.lamination",
        "textile.sewing.medical",
        "textile.ultrasonic-welding",
    )
    assert TAXONOMY.product_recipe("mask.surgical") == (
        "textile.nonwoven.meltblown",
        "textile.sewing.medical",
        "textile.ultrasonic-welding",
    )


def test_a_variant_inherits_its_ancestors_recipe_a_family_code_has_none() -> None:
    assert TAXONOMY.product_recipe("mask.surgical.type-iir") == TAXONOMY.product_recipe(
        "mask.surgical"
    )
    assert TAXONOMY.recipe_certifications("mask.surgical.type-iir") == (
        "ce.mdr",
        "en-14683",
        "iso-13485",
    )
    # the variants' recipes make a variant, not the family
    assert TAXONOMY.product_recipe("mask") == ()
    assert TAXONOMY.product_skills("mask")  # matching still reaches it through them


def test_a_skill_that_another_refines_is_one_step(tmp_path: Path) -> None:
    taxonomy = extended(
        tmp_path,
        "products_made_with:\n  mask.community: {skills: [textile.sewing.garments]}\n",
    )
    assert taxonomy.product_recipe("mask.community") == (
        "textile.cutting",
        "textile.sewing.garments",
    )


def test_an_operator_flow_replaces_the_built_in_one(tmp_path: Path) -> None:
    taxonomy = extended(tmp_path, "skill_flow: [textile.sewing, textile.nonwoven]\n")
    assert taxonomy.product_recipe("gown.isolation") == (
        "textile.sewing",
        "textile.nonwoven.spunbond",
    )
    # unlisted skills come last, in code order
    assert taxonomy.flow_key("metal") > taxonomy.flow_key("textile.nonwoven")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("skill_flow: [textile, wood]\n", "skill_flow names unknown skill wood"),
        ("skill_flow: [textile, textile]\n", "names a skill twice"),
        ("skill_flow: {textile: 1}\n", "must be a list of skill codes"),
    ],
)
def test_a_malformed_flow_is_refused(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(TaxonomyError, match=problem):
        extended(tmp_path, text)


async def test_products_list_their_skills_and_certifications(
    client: httpx.AsyncClient, market: Market
) -> None:
    response = await client.get("/v1/taxonomy/products", headers=market.a1.headers)
    assert response.status_code == 200, response.text
    products = {entry["code"]: entry for entry in response.json()["data"]}
    assert products["gown.surgical"]["skills"] == list(TAXONOMY.product_recipe("gown.surgical"))
    assert products["mask.surgical.type-iir"]["skills"] == [
        "textile.nonwoven.meltblown",
        "textile.sewing.medical",
        "textile.ultrasonic-welding",
    ]
    assert products["mask.surgical"]["certifications"] == ["ce.mdr", "en-14683", "iso-13485"]
    assert products["mask"]["skills"] == []
    assert "children" not in products["mask"]
    # the other kinds keep their shape
    skills = await client.get("/v1/taxonomy/skills", headers=market.a1.headers)
    assert all("skills" not in entry for entry in skills.json()["data"])


async def test_the_product_tree_carries_skills_on_every_level(
    client: httpx.AsyncClient, market: Market
) -> None:
    response = await client.get(
        "/v1/taxonomy/products", params={"format": "tree"}, headers=market.a1.headers
    )
    assert response.status_code == 200, response.text
    [mask] = [entry for entry in response.json()["data"] if entry["code"] == "mask"]
    [surgical] = [child for child in mask["children"] if child["code"] == "mask.surgical"]
    assert surgical["skills"] == list(TAXONOMY.product_recipe("mask.surgical"))
    assert all(grandchild["skills"] == surgical["skills"] for grandchild in surgical["children"])
