"""What the taxonomy endpoints answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, cast

from pydantic import BaseModel, Field

from app.taxonomy.codes import CodeKind
from app.taxonomy.vocabulary import Taxonomy, Term

Language = Literal["en", "de"]
LANGUAGES: tuple[Language, ...] = ("en", "de")


class TaxonomyEntry(BaseModel):
    code: str = Field(examples=["textile.sewing"])
    label: str = Field(description="In the language asked for by Accept-Language (en or de)")
    label_en: str
    label_de: str
    description: str
    parent: str | None = Field(description="The code one level up; null at the top")
    deprecated: bool = Field(description="Still valid where already used; not for new use")
    children: list[TaxonomyEntry] | None = Field(
        default=None, description="Only with format=tree: the codes one level down"
    )


class TaxonomyList(BaseModel):
    data: list[TaxonomyEntry]


class ProductEntry(TaxonomyEntry):
    skills: list[str] = Field(
        description="The skills that together make the product, upstream first (material "
        "flow): its own and its ancestors' entries; a family code such as `mask` has none "
        "(its variants do). A production chain has one step per skill.",
        examples=[["textile.nonwoven.meltblown", "textile.sewing.medical"]],
    )
    certifications: list[str] = Field(
        description="Certifications the product usually needs (its own and its ancestors')"
    )
    children: list[ProductEntry] | None = Field(  # type: ignore[assignment]
        default=None, description="Only with format=tree: the codes one level down"
    )


class ProductList(BaseModel):
    data: list[ProductEntry]


def _fields(term: Term, language: Language) -> dict[str, object]:
    return {
        "code": term.code,
        "label": term.label(language),
        "label_en": term.label_en,
        "label_de": term.label_de,
        "description": term.description,
        "parent": term.parent,
        "deprecated": term.deprecated,
    }


def _entry(term: Term, language: Language) -> TaxonomyEntry:
    return TaxonomyEntry.model_validate(_fields(term, language))


def _product(taxonomy: Taxonomy, term: Term, language: Language) -> ProductEntry:
    return ProductEntry.model_validate(
        {
            **_fields(term, language),
            "skills": list(taxonomy.product_recipe(term.code)),
            "certifications": list(taxonomy.recipe_certifications(term.code)),
        }
    )


def _tree(by_code: Mapping[str, TaxonomyEntry]) -> list[TaxonomyEntry]:
    roots = []
    for entry in by_code.values():  # sorted: every parent comes before its children
        if entry.parent is None:
            roots.append(entry)
        else:
            parent = by_code[entry.parent]
            parent.children = [*(parent.children or []), entry]
    for entry in by_code.values():
        entry.children = entry.children or []
    return roots


def flat_list(taxonomy: Taxonomy, kind: CodeKind, language: Language) -> TaxonomyList:
    return TaxonomyList(data=[_entry(term, language) for term in taxonomy.terms[kind].values()])


def tree_list(taxonomy: Taxonomy, kind: CodeKind, language: Language) -> TaxonomyList:
    by_code = {code: _entry(term, language) for code, term in taxonomy.terms[kind].items()}
    return TaxonomyList(data=_tree(by_code))


def product_list(taxonomy: Taxonomy, language: Language, *, tree: bool) -> ProductList:
    """Products with the skills and certifications that make them (flat or as a tree)."""
    by_code = {
        code: _product(taxonomy, term, language) for code, term in taxonomy.terms["product"].items()
    }
    if not tree:
        return ProductList(data=list(by_code.values()))
    # Every node is a ProductEntry, so its children are too.
    return ProductList(data=cast(list[ProductEntry], _tree(by_code)))


def preferred_language(accept_language: str | None) -> Language:
    """The best of en/de for an Accept-Language header (q-values honoured); English by default."""
    best: tuple[float, int, Language] | None = None
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        language: Language = "de" if primary == "de" else "en"
        candidate = (-quality, position, language)
        if best is None or candidate < best:
            best = candidate
    return best[2] if best is not None else "en"
