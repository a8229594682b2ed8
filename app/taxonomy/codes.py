"""Skill, product and certification codes: dotted, lower-case paths (``textile.sewing``).

The vocabulary itself (labels, validation against known codes) comes with the
taxonomy; here is what every code must look like and how codes are indexed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

CODE_PATTERN = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*(?:\.[a-z0-9]+(?:[-_][a-z0-9]+)*)*$"
# What a client may send: codes are read in any case (and stored lower-case). Pydantic
# leaves a pattern out of the JSON schema when a validator runs before it, so the OpenAPI
# document gets this one explicitly.
CODE_INPUT_PATTERN = CODE_PATTERN.replace("a-z0-9", "A-Za-z0-9")
MAX_CODES = 50

CodeKind = Literal["skill", "product", "certification"]
_KIND_PREFIX: dict[CodeKind, str] = {"skill": "s", "product": "p", "certification": "c"}


def _normalise(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


Code = Annotated[
    str,
    BeforeValidator(_normalise),
    StringConstraints(min_length=1, max_length=100, pattern=CODE_PATTERN),
    Field(json_schema_extra={"pattern": CODE_INPUT_PATTERN}),
]
CodeListField = Annotated[list[Code], Field(max_length=MAX_CODES), AfterValidator(_unique)]


def ancestors(code: str) -> list[str]:
    """``textile.sewing.gowns`` -> ``textile``, ``textile.sewing``, ``textile.sewing.gowns``."""
    parts = code.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def search_term(kind: CodeKind, code: str) -> str:
    return f"{_KIND_PREFIX[kind]}:{code}"


def search_terms(groups: Iterable[tuple[CodeKind, Iterable[str]]]) -> list[str]:
    """Every code with all its ancestors, prefixed by kind: what list filters match on."""
    terms: dict[str, None] = {}
    for kind, codes in groups:
        for code in codes:
            for ancestor in ancestors(code):
                terms[search_term(kind, ancestor)] = None
    return sorted(terms)
