"""Topics: the taxonomy codes a calendar event or a notice is about.

A topic is a code of any kind (a skill ``textile.sewing``, a product ``mask.surgical`` or
a certification ``en-14683``), so a webinar on a standard and a call for sewing capacity
are tagged from the same vocabulary that offers and requests use. Pure functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.core.errors import FieldError, InvalidInput
from app.taxonomy.codes import ancestors
from app.taxonomy.vocabulary import KINDS, Taxonomy


def known_topic(taxonomy: Taxonomy, code: str) -> bool:
    return any(code in taxonomy.terms[kind] for kind in KINDS)


def topic_label(taxonomy: Taxonomy, code: str, language: str) -> str | None:
    """The label of a topic in ``language`` (``de``, else English), whatever its kind."""
    for kind in KINDS:
        term = taxonomy.get(kind, code)
        if term is not None:
            return term.label(language)
    return None


def topic_errors(taxonomy: Taxonomy, codes: Iterable[str], *, field: str) -> list[FieldError]:
    """One error per code that no kind of the vocabulary knows, with the closest codes."""
    errors = []
    for index, code in enumerate(codes):
        if known_topic(taxonomy, code):
            continue
        suggestions = [s for kind in KINDS for s in taxonomy.closest(kind, code, n=2)][:3]
        message = f"unknown topic '{code}' (a skill, product or certification code)"
        if suggestions:
            message += f"; closest: {', '.join(suggestions)}"
        errors.append(FieldError(field=f"{field}[{index}]", message=message))
    return errors


def check_topics(taxonomy: Taxonomy, codes: Iterable[str], *, field: str = "topics") -> None:
    errors = topic_errors(taxonomy, codes, field=field)
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


def check_topic_filter(taxonomy: Taxonomy, code: str | None, *, parameter: str = "topic") -> None:
    """A ``topic`` list filter must be a known code: a typo would look like an empty list."""
    if code is not None and not known_topic(taxonomy, code):
        errors = topic_errors(taxonomy, [code], field=parameter)
        # A filter is one value: name the parameter, not an item of it.
        error = FieldError(field=parameter, message=errors[0].message)
        raise InvalidInput(f"{parameter}: {error.message}", errors=[error])


def topic_terms(codes: Iterable[str]) -> list[str]:
    """Every topic with all its ancestors: what the hierarchical ``topic`` filter matches
    (a filter ``mask`` finds an event about ``mask.surgical``)."""
    return sorted({ancestor for code in codes for ancestor in ancestors(code)})


def closeness(topic: str, code: str) -> float:
    """How well a topic fits a code of an offer or request, in [0, 1].

    The same code is 1. Along one line of the hierarchy it is the share of segments the
    two have in common (``mask`` for ``mask.surgical``: 1/2; ``mask.surgical.iir`` for
    ``mask.surgical``: 2/3). Codes on different lines (siblings, cousins) do not fit: a
    webinar on knitting is no suggestion for a sewing request.
    """
    if topic == code:
        return 1.0
    shorter, longer = sorted((topic, code), key=len)
    if not longer.startswith(shorter + "."):
        return 0.0
    return (shorter.count(".") + 1) / (longer.count(".") + 1)


@dataclass(frozen=True, slots=True)
class TopicFit:
    """How a tagged item fits what someone makes or needs: the best closeness of any of
    its topics, and which of its topics fit at all (best first)."""

    relevance: float
    matched: tuple[str, ...]


def topic_fit(topics: Sequence[str], codes: Iterable[str]) -> TopicFit:
    wanted = list(dict.fromkeys(codes))
    best: dict[str, float] = {}
    for topic in topics:
        score = max((closeness(topic, code) for code in wanted), default=0.0)
        if score > 0:
            best[topic] = score
    matched = tuple(sorted(best, key=lambda topic: (-best[topic], topic)))
    return TopicFit(relevance=max(best.values(), default=0.0), matched=matched)


def roots(codes: Iterable[str]) -> list[str]:
    """The top-level segment of each code: a coarse SQL pre-filter for ``topic_fit``."""
    return sorted({code.split(".", 1)[0] for code in codes})
