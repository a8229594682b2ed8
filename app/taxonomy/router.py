"""The vocabulary: skills, products and certifications with labels and hierarchy."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Header, Query

from app.auth.dependencies import AnyAuth
from app.auth.routing import domain_router
from app.core.errors import problem_responses
from app.taxonomy.codes import CodeKind
from app.taxonomy.dependencies import TaxonomyDep
from app.taxonomy.schemas import (
    ProductList,
    TaxonomyList,
    flat_list,
    preferred_language,
    product_list,
    tree_list,
)
from app.taxonomy.vocabulary import Taxonomy

router = domain_router("/taxonomy", tags=["taxonomy"])

FormatQuery = Annotated[
    Literal["flat", "tree"],
    Query(description="flat: every code, parents first; tree: top-level codes with children"),
]
AcceptLanguage = Annotated[
    str | None, Header(description="en (default) or de: the language of `label`")
]


def _listing(
    taxonomy: Taxonomy, kind: CodeKind, format: str, accept_language: str | None
) -> TaxonomyList:
    language = preferred_language(accept_language)
    build = tree_list if format == "tree" else flat_list
    return build(taxonomy, kind, language)


# Unset fields (``children`` in the flat format) are left out of the response.
_ROUTE: dict[str, Any] = {
    "response_model": TaxonomyList,
    "response_model_exclude_unset": True,
    "responses": problem_responses(401, 422, 503),
}


@router.get("/skills", **_ROUTE)
async def list_skills(
    _: AnyAuth,
    taxonomy: TaxonomyDep,
    format: FormatQuery = "flat",
    accept_language: AcceptLanguage = None,
) -> TaxonomyList:
    """Skills and processes an offer may name."""
    return _listing(taxonomy, "skill", format, accept_language)


@router.get("/products", **{**_ROUTE, "response_model": ProductList})
async def list_products(
    _: AnyAuth,
    taxonomy: TaxonomyDep,
    format: FormatQuery = "flat",
    accept_language: AcceptLanguage = None,
) -> ProductList:
    """Products offers and requests may name, with the skills that together make each
    (upstream first) and the certifications it usually needs."""
    language = preferred_language(accept_language)
    return product_list(taxonomy, language, tree=format == "tree")


@router.get("/certifications", **_ROUTE)
async def list_certifications(
    _: AnyAuth,
    taxonomy: TaxonomyDep,
    format: FormatQuery = "flat",
    accept_language: AcceptLanguage = None,
) -> TaxonomyList:
    """Certifications organisations hold and offers and requests name."""
    return _listing(taxonomy, "certification", format, accept_language)
