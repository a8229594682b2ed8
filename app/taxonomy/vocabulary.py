"""The vocabulary as an immutable object: codes, labels, hierarchy, relations, similarity.

Loaded once per process by ``app.taxonomy.loading``; everything here is pure Python with
no I/O, so the matcher can call it in tight loops.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import get_args

from app.core.errors import FieldError, InvalidInput
from app.taxonomy.codes import CodeKind, ancestors

KINDS: tuple[CodeKind, ...] = get_args(CodeKind)

# Partial credit of ``Taxonomy.similarity`` (README "Vocabulary" documents the table).
PARENT_CREDIT = 0.6  # offered code is the wanted code's parent; halves per further level
SIBLING_CREDIT = 0.3  # same parent, different leaf
FAMILY_CREDIT = 0.1  # same top-level family, otherwise unrelated
VIA_PRODUCT_CREDIT = 0.8  # a skill reached through a product's "made with" relation
MEMO_SIZE = 100_000  # similarities remembered per taxonomy (bounds memory for huge vocabularies)


class TaxonomyError(ValueError):
    """The vocabulary file (built-in or operator's) is malformed."""


@dataclass(frozen=True, slots=True)
class Term:
    kind: CodeKind
    code: str
    label_en: str
    label_de: str
    description: str
    deprecated: bool = False
    replaced_by: str | None = None

    @property
    def parent(self) -> str | None:
        return self.code.rpartition(".")[0] or None

    @property
    def depth(self) -> int:
        return self.code.count(".") + 1

    def label(self, language: str) -> str:
        return self.label_de if language == "de" else self.label_en


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """Every known code by kind, with the relations the scorer uses."""

    terms: Mapping[CodeKind, Mapping[str, Term]]
    # product -> skills that make it / certifications it usually needs (own entries only)
    made_with: Mapping[str, frozenset[str]] = field(default_factory=dict)
    usually_needs: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # (offered skill, wanted skill) -> strength in [0, 1]
    transfers: Mapping[tuple[str, str], float] = field(default_factory=dict)
    # Material flow, upstream first: the order of a production chain's steps.
    flow: tuple[str, ...] = ()
    # Answers already worked out: the vocabulary never changes, the scorer asks again.
    _product_skills: dict[str, frozenset[str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _cross: dict[tuple[str, str, CodeKind, CodeKind], float] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    # -- lookups -------------------------------------------------------------

    def get(self, kind: CodeKind, code: str) -> Term | None:
        return self.terms[kind].get(code)

    def __contains__(self, item: object) -> bool:
        if not isinstance(item, tuple) or len(item) != 2:
            return False
        kind, code = item
        return kind in self.terms and code in self.terms[kind]

    def codes(self, kind: CodeKind) -> list[str]:
        """All codes of a kind, parents before children, siblings alphabetical."""
        return sorted(self.terms[kind])

    def children(self, kind: CodeKind, code: str | None) -> list[str]:
        return [c for c in self.codes(kind) if self.terms[kind][c].parent == code]

    def descendants(self, kind: CodeKind, code: str) -> list[str]:
        prefix = code + "."
        return [c for c in self.codes(kind) if c.startswith(prefix)]

    def product_skills(self, product: str) -> frozenset[str]:
        """Skills that make a product: its own, its ancestors' and its variants' entries."""
        skills = self._product_skills.get(product)
        if skills is None:
            skills = self._product_relation(self.made_with, product)
            if len(self._product_skills) < MEMO_SIZE:
                self._product_skills[product] = skills
        return skills

    def product_certifications(self, product: str) -> frozenset[str]:
        """Certifications a product usually needs (inherited like ``product_skills``)."""
        return self._product_relation(self.usually_needs, product)

    def product_recipe(self, product: str) -> tuple[str, ...]:
        """The skills that together make ``product``, upstream first (``flow_key``): its
        own and its ancestors' entries, not its variants' (those make a variant). A skill
        another one refines is left out: the specific one's step does both."""
        own = frozenset().union(
            *(self.made_with.get(code, frozenset()) for code in ancestors(product))
        )
        needed = [s for s in own if not any(o.startswith(s + ".") for o in own)]
        return tuple(sorted(needed, key=self.flow_key))

    def recipe_certifications(self, product: str) -> tuple[str, ...]:
        """Certifications ``product`` usually needs: its own and its ancestors' entries."""
        codes = (self.usually_needs.get(code, frozenset()) for code in ancestors(product))
        return tuple(sorted(frozenset().union(*codes)))

    def flow_key(self, skill: str) -> tuple[int, str]:
        """Where ``skill`` stands in the material flow: the place of its nearest listed
        ancestor (or itself), after every listed one when none is; then the code."""
        places = {code: place for place, code in enumerate(self.flow)}
        for code in reversed(ancestors(skill)):
            if code in places:
                return places[code], skill
        return len(self.flow), skill

    def _product_relation(
        self, relation: Mapping[str, frozenset[str]], product: str
    ) -> frozenset[str]:
        related = [*ancestors(product), *self.descendants("product", product)]
        return frozenset().union(*(relation.get(code, frozenset()) for code in related))

    # -- similarity ----------------------------------------------------------

    def similarity(self, wanted: str, offered: str, *, kind: CodeKind = "skill") -> float:
        """How well an offered code serves a wanted code of the same kind, in [0, 1].

        Same or more specific: 1. Otherwise the best of: an explicit transfer
        (skills, inherited by descendants at both ends), the offered code being an
        ancestor (0.6, halved per further level), a sibling (0.3), the same
        top-level family (0.1). Unknown codes and unrelated codes: 0.
        """
        if wanted not in self.terms[kind] or offered not in self.terms[kind]:
            return 0.0
        if offered == wanted or offered.startswith(wanted + "."):
            return 1.0
        best = 0.0
        if kind == "skill":
            for source in ancestors(offered):
                for target in ancestors(wanted):
                    best = max(best, self.transfers.get((source, target), 0.0))
        wanted_term, offered_term = self.terms[kind][wanted], self.terms[kind][offered]
        if wanted.startswith(offered + "."):
            levels = wanted_term.depth - offered_term.depth
            best = max(best, PARENT_CREDIT * 0.5 ** (levels - 1))
        elif wanted_term.parent is not None and wanted_term.parent == offered_term.parent:
            best = max(best, SIBLING_CREDIT)
        elif wanted.split(".")[0] == offered.split(".")[0]:
            best = max(best, FAMILY_CREDIT)
        return best

    def cross_similarity(
        self, wanted: str, offered: str, *, wanted_kind: CodeKind, offered_kind: CodeKind
    ) -> float:
        """Similarity across kinds: a wanted product against an offered skill and the reverse.

        A product is reached through the skills that make it (any one of them):
        ``0.8 x`` the best skill similarity. Certifications relate only to
        certifications.
        """
        key = (wanted, offered, wanted_kind, offered_kind)
        value = self._cross.get(key)
        if value is None:
            value = self._cross_similarity(wanted, offered, wanted_kind, offered_kind)
            if len(self._cross) < MEMO_SIZE:
                self._cross[key] = value
        return value

    def _cross_similarity(
        self, wanted: str, offered: str, wanted_kind: CodeKind, offered_kind: CodeKind
    ) -> float:
        if wanted_kind == offered_kind:
            return self.similarity(wanted, offered, kind=wanted_kind)
        if {wanted_kind, offered_kind} != {"skill", "product"}:
            return 0.0
        if wanted_kind == "product":
            if wanted not in self.terms["product"]:
                return 0.0
            pairs = [(skill, offered) for skill in self.product_skills(wanted)]
        else:
            if offered not in self.terms["product"]:
                return 0.0
            pairs = [(wanted, skill) for skill in self.product_skills(offered)]
        best = max((self.similarity(w, o, kind="skill") for w, o in pairs), default=0.0)
        return VIA_PRODUCT_CREDIT * best

    # -- validation ----------------------------------------------------------

    def closest(self, kind: CodeKind, code: str, n: int = 3) -> list[str]:
        """Known, current codes that look most like ``code`` (for error messages)."""
        current = [c for c, term in self.terms[kind].items() if not term.deprecated]
        found = difflib.get_close_matches(code, current, n=n, cutoff=0.5)
        if len(found) < n:
            # A typo in the last segment still shares the parent: offer its children.
            parent = code.rpartition(".")[0]
            found += [c for c in current if c.startswith(parent + ".") and c not in found]
        return found[:n]

    def validate(
        self,
        kind: CodeKind,
        codes: Iterable[str],
        *,
        field: str,
        item_suffix: str = "",
        keep: Collection[str] = (),
    ) -> list[FieldError]:
        """One error per unknown code, or deprecated code not already in ``keep``."""
        errors = []
        for index, code in enumerate(codes):
            term = self.terms[kind].get(code)
            if term is not None and (not term.deprecated or code in keep):
                continue
            if term is None:
                message = f"unknown {kind} '{code}'"
            elif term.replaced_by:
                message = f"{kind} '{code}' is deprecated; use {term.replaced_by}"
            else:
                message = f"{kind} '{code}' is deprecated and cannot be added"
            suggestions = self.closest(kind, code)
            if suggestions and not (term is not None and term.replaced_by):
                message += f"; closest: {', '.join(suggestions)}"
            errors.append(FieldError(field=f"{field}[{index}]{item_suffix}", message=message))
        return errors

    def check_filters(self, filters: Iterable[tuple[CodeKind, str, str | None]]) -> None:
        """Raise one ``InvalidInput`` naming every code of a list filter ``(kind, parameter,
        code)`` that is not in the vocabulary, with the closest codes: a typo would
        otherwise find nothing and look like an empty market. Deprecated codes still
        filter (older objects carry them)."""
        errors = []
        for kind, name, code in filters:
            if code is None or code in self.terms[kind]:
                continue
            message = f"unknown {kind} '{code}'"
            suggestions = self.closest(kind, code)
            if suggestions:
                message += f"; closest: {', '.join(suggestions)}"
            errors.append(FieldError(field=name, message=message))
        if errors:
            raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)

    def check(self, checks: Iterable[tuple[CodeKind, str, Iterable[str], Collection[str]]]) -> None:
        """Raise one ``InvalidInput`` naming every bad code of ``(kind, field, codes, keep)``."""
        errors = [
            error
            for kind, name, codes, keep in checks
            for error in self.validate(kind, codes, field=name, keep=keep)
        ]
        if errors:
            raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
