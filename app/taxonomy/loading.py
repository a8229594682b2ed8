"""Loading the vocabulary: the YAML that ships in ``app/taxonomy/data`` plus an optional
operator file (``CAPMATCH_TAXONOMY_FILE``), checked and merged into one ``Taxonomy``."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import yaml

from app.taxonomy.codes import CODE_PATTERN, CodeKind
from app.taxonomy.vocabulary import KINDS, Taxonomy, TaxonomyError, Term

BUILTIN_FILE = Path(__file__).resolve().parent / "data" / "taxonomy.yaml"
_SECTIONS: dict[str, CodeKind] = {
    "skills": "skill",
    "products": "product",
    "certifications": "certification",
}
_CODE_RE = re.compile(CODE_PATTERN)


# -- loading ---------------------------------------------------------------------------


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TaxonomyError(f"cannot read taxonomy file {path}: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise TaxonomyError(f"{path}: the top level must be a mapping")
    unknown = set(data) - {*_SECTIONS, "products_made_with", "skill_transfers", "skill_flow"}
    if unknown:
        raise TaxonomyError(f"{path}: unknown sections {', '.join(sorted(unknown))}")
    return data


def _term(kind: CodeKind, code: object, raw: object, old: Term | None, source: Path) -> Term:
    if not isinstance(code, str) or not _CODE_RE.match(code) or len(code) > 100:
        raise TaxonomyError(f"{source}: {code!r} is not a valid {kind} code")
    if not isinstance(raw, dict):
        raise TaxonomyError(f"{source}: {kind} {code} must be a mapping")
    allowed = {"label_en", "label_de", "description", "deprecated", "replaced_by"}
    if set(raw) - allowed:
        raise TaxonomyError(
            f"{source}: {kind} {code} has unknown keys {sorted(set(raw) - allowed)}"
        )
    label_en = raw.get("label_en", old.label_en if old else None)
    if not isinstance(label_en, str) or not label_en:
        raise TaxonomyError(f"{source}: {kind} {code} needs label_en")
    label_de = raw.get("label_de", old.label_de if old else label_en)
    description = raw.get("description", old.description if old else "")
    deprecated = raw.get("deprecated", old.deprecated if old else False)
    replaced_by = raw.get("replaced_by", old.replaced_by if old else None)
    if not isinstance(label_de, str) or not isinstance(description, str):
        raise TaxonomyError(f"{source}: {kind} {code}: labels and description must be text")
    if not isinstance(deprecated, bool) or not (
        replaced_by is None or isinstance(replaced_by, str)
    ):
        raise TaxonomyError(f"{source}: {kind} {code}: deprecated must be true/false")
    if old is not None and old.deprecated and not deprecated:
        deprecated = True  # once deprecated, always: an operator file only adds
    return Term(kind, code, label_en, label_de, description, deprecated, replaced_by)


def _merge(
    data: dict[str, Any],
    source: Path,
    terms: dict[CodeKind, dict[str, Term]],
    made_with: dict[str, set[str]],
    usually_needs: dict[str, set[str]],
    transfers: dict[tuple[str, str], float],
    flow: list[str],
) -> None:
    for section, kind in _SECTIONS.items():
        entries = data.get(section) or {}
        if not isinstance(entries, dict):
            raise TaxonomyError(f"{source}: {section} must be a mapping of code -> entry")
        for code, raw in entries.items():
            terms[kind][code] = _term(kind, code, raw, terms[kind].get(code), source)
    for product, raw in (data.get("products_made_with") or {}).items():
        if not isinstance(raw, dict) or set(raw) - {"skills", "certifications"}:
            raise TaxonomyError(f"{source}: products_made_with.{product} is malformed")
        made_with.setdefault(product, set()).update(raw.get("skills") or [])
        usually_needs.setdefault(product, set()).update(raw.get("certifications") or [])
    for raw in data.get("skill_transfers") or []:
        if not isinstance(raw, dict) or set(raw) != {"from", "to", "strength"}:
            raise TaxonomyError(f"{source}: each skill transfer needs from, to and strength")
        strength = raw["strength"]
        if isinstance(strength, bool) or not isinstance(strength, int | float):
            raise TaxonomyError(f"{source}: transfer strength must be a number")
        if not 0.0 <= strength <= 1.0:
            raise TaxonomyError(f"{source}: transfer strength {strength} is outside [0, 1]")
        transfers[(raw["from"], raw["to"])] = float(strength)
    if "skill_flow" in data:  # an order is a whole: a later file's list replaces it
        listed = data["skill_flow"] or []
        if not isinstance(listed, list) or not all(isinstance(code, str) for code in listed):
            raise TaxonomyError(f"{source}: skill_flow must be a list of skill codes")
        if len(set(listed)) != len(listed):
            raise TaxonomyError(f"{source}: skill_flow names a skill twice")
        flow[:] = listed


def _check_references(
    terms: dict[CodeKind, dict[str, Term]],
    made_with: dict[str, set[str]],
    usually_needs: dict[str, set[str]],
    transfers: dict[tuple[str, str], float],
    flow: list[str],
) -> None:
    problems = []
    for kind, by_code in terms.items():
        for term in by_code.values():
            if term.parent is not None and term.parent not in by_code:
                problems.append(f"{kind} {term.code} has no parent {term.parent}")
            if term.replaced_by is not None and term.replaced_by not in by_code:
                problems.append(f"{kind} {term.code} is replaced by unknown {term.replaced_by}")
    for relation, target in ((made_with, "skill"), (usually_needs, "certification")):
        for product, codes in relation.items():
            if product not in terms["product"]:
                problems.append(f"products_made_with names unknown product {product}")
            problems += [
                f"product {product} names unknown {target} {code}"
                for code in sorted(codes)
                if code not in terms[target]  # type: ignore[index]
            ]
    for source, target in transfers:
        problems += [
            f"skill transfer names unknown skill {code}"
            for code in (source, target)
            if code not in terms["skill"]
        ]
    problems += [
        f"skill_flow names unknown skill {code}" for code in flow if code not in terms["skill"]
    ]
    if problems:
        raise TaxonomyError("invalid taxonomy: " + "; ".join(problems))


def load_taxonomy(extension: Path | None = None) -> Taxonomy:
    """The built-in vocabulary merged with an operator's file (adds and deprecates only).

    Read once per process and file; later calls return the same object.
    """
    return _load(extension.resolve() if extension is not None else None)


@functools.cache
def _load(extension: Path | None) -> Taxonomy:
    terms: dict[CodeKind, dict[str, Term]] = {kind: {} for kind in KINDS}
    made_with: dict[str, set[str]] = {}
    usually_needs: dict[str, set[str]] = {}
    transfers: dict[tuple[str, str], float] = {}
    flow: list[str] = []
    for path in (BUILTIN_FILE, extension):
        if path is not None:
            _merge(_read(path), path, terms, made_with, usually_needs, transfers, flow)
    _check_references(terms, made_with, usually_needs, transfers, flow)
    return Taxonomy(
        terms={kind: dict(sorted(by_code.items())) for kind, by_code in terms.items()},
        made_with={p: frozenset(s) for p, s in made_with.items()},
        usually_needs={p: frozenset(c) for p, c in usually_needs.items()},
        transfers=dict(transfers),
        flow=tuple(flow),
    )
