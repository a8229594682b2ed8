"""What the taxonomy endpoints answer."""

from __future__ import annotations

from typing import Literal

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


def _entry(term: Term, language: Language) -> TaxonomyEntry:
    return TaxonomyEntry(
        code=term.code,
        label=term.label(language),
        label_en=term.label_en,
        label_de=term.label_de,
        description=term.description,
        parent=term.parent,
        deprecated=term.deprecated,
    )


def flat_list(taxonomy: Taxonomy, kind: CodeKind, language: Language) -> TaxonomyList:
    return TaxonomyList(data=[_entry(term, language) for term in taxonomy.terms[kind].values()])


def tree_list(taxonomy: Taxonomy, kind: CodeKind, language: Language) -> TaxonomyList:
    by_code = {code: _entry(term, language) for code, term in taxonomy.terms[kind].items()}
    roots = []
    for entry in by_code.values():  # sorted: every parent comes before its children
        if entry.parent is None:
            roots.append(entry)
        else:
            parent = by_code[entry.parent]
            parent.children = [*(parent.children or []), entry]
    for entry in by_code.values():
        entry.children = entry.children or []
    return TaxonomyList(data=roots)


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
