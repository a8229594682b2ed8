"""Short human sentences, one or more per factor, in English or German."""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from app.matching.values import Explanation, Kind, TaxonomyLike

# required, preferred held (code, verified), preferred missing, required and preferred
# in progress (code, expected by)
_CertificationFacts = tuple[
    tuple[str, ...],
    tuple[tuple[str, bool], ...],
    tuple[str, ...],
    tuple[tuple[str, date], ...],
    tuple[tuple[str, date], ...],
]
_Key = TypeVar("_Key")
_Value = TypeVar("_Value")


def is_german(language: str) -> bool:
    return language.strip().lower().startswith("de")


def _number(value: float, de: bool, decimals: int = 0) -> str:
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".") if de else text


MEMO_SIZE = 4096  # sentences kept per kind; a full memo starts over


class ReasonWriter:
    """Writes the reasons of many matches in one language.

    Labels, dates and most sentences repeat from match to match and from search to
    search, so each is written once and remembered (``shared`` keeps one writer per
    language and taxonomy): otherwise the reasons of a page cost as much as the
    search itself.
    """

    _shared: dict[bool, ReasonWriter] = {}  # noqa: RUF012 (a cache, not configuration)

    @classmethod
    def shared(cls, taxonomy: TaxonomyLike, language: str) -> ReasonWriter:
        """The writer for ``language`` kept across searches (a new one for a new taxonomy)."""
        de = is_german(language)
        writer = cls._shared.get(de)
        if writer is None or writer.taxonomy is not taxonomy:
            writer = cls._shared[de] = cls(taxonomy, language)
        return writer

    def __init__(self, taxonomy: TaxonomyLike, language: str) -> None:
        self.taxonomy = taxonomy
        self.de = is_german(language)
        self._labels: dict[str, str] = {}
        self._dates: dict[date, str] = {}
        # Sentences that depend on a few small facts, written once per writer.
        self._coverage: dict[tuple[int, int, int], str] = {}
        self._certifications: dict[_CertificationFacts, list[str]] = {}
        self._capacity: dict[tuple[int, int, int, date], list[str]] = {}
        self._time: dict[tuple[date, date], str] = {}
        self._history: dict[tuple[int, int], str] = {}

    def _label(self, code: str, kind: Kind = "certification") -> str:
        label = self._labels.get(code)
        if label is None:
            term = self.taxonomy.get(kind, code)
            label = term.label("de" if self.de else "en") if term is not None else code
            _remember(self._labels, code, label)
        return label

    def _date(self, day: date) -> str:
        text = self._dates.get(day)
        if text is None:
            text = day.strftime("%d.%m.%Y") if self.de else day.isoformat()
            _remember(self._dates, day, text)
        return text

    def __call__(self, facts: Explanation) -> list[str]:
        de = self.de
        coverage_key = (facts.wanted, facts.fully_covered, facts.partly_covered)
        coverage = self._coverage.get(coverage_key)
        if coverage is None:
            coverage = _remember(self._coverage, coverage_key, self._write_coverage(*coverage_key))
        certification_key = (
            facts.required,
            facts.preferred_held,
            facts.preferred_missing,
            facts.required_expected,
            facts.preferred_expected,
        )
        certifications = self._certifications.get(certification_key)
        if certifications is None:
            certifications = _remember(
                self._certifications,
                certification_key,
                self._write_certifications(*certification_key),
            )
        km = _number(facts.distance_km, de, 0 if facts.distance_km >= 10 else 1)
        # The capacity sentence names the deliverable quantity only when it falls short.
        short = facts.deliverable if facts.deliverable < facts.quantity else -1
        capacity_key = (short, facts.quantity, facts.min_order_quantity, facts.needed_by)
        capacity = self._capacity.get(capacity_key)
        if capacity is None:
            capacity = _remember(self._capacity, capacity_key, self._write_capacity(*capacity_key))
        time_key = (facts.start, facts.needed_by)
        time = self._time.get(time_key)
        if time is None:
            time = _remember(self._time, time_key, self._write_time(*time_key))
        track = (facts.track.fulfilled, facts.track.settled)
        history = self._history.get(track)
        if history is None:
            history = _remember(self._history, track, self._write_history(*track))
        return [
            coverage,
            *certifications,
            f"{km} km vom Lieferort entfernt" if de else f"{km} km from delivery point",
            *capacity,
            time,
            history,
        ]

    def _write_history(self, fulfilled: int, settled: int) -> str:
        if not settled:
            if self.de:
                return "noch keine abgeschlossenen Aufträge (Vertrauen: Startwert)"
            return "no completed engagements yet (reliability: the newcomer's prior)"
        if self.de:
            return f"hat {_number(fulfilled, True)} von {_number(settled, True)} Aufträgen erfüllt"
        return f"fulfilled {_number(fulfilled, False)} of {_number(settled, False)} engagements"

    def _write_coverage(self, wanted: int, fully: int, partly: int) -> str:
        covered = fully + partly
        if self.de:
            text = f"deckt {covered} von {wanted} gesuchten Fähigkeiten/Produkten ab"
            return text + (f" ({partly} davon teilweise)" if partly else "")
        text = f"covers {covered} of {wanted} wanted skills/products"
        return text + (f" ({partly} partly)" if partly else "")

    def _write_certifications(
        self,
        required: tuple[str, ...],
        preferred_held: tuple[tuple[str, bool], ...],
        preferred_missing: tuple[str, ...],
        required_expected: tuple[tuple[str, date], ...],
        preferred_expected: tuple[tuple[str, date], ...],
    ) -> list[str]:
        de = self.de
        reasons: list[str] = []
        expected = dict(required_expected)
        for code in required:
            label = self._label(code)
            if code in expected:
                reasons.append(self._expected(label, expected[code]))
            else:
                reasons.append(
                    f"erfüllt die Pflichtzertifizierung {label}" if de else f"holds {label}"
                )
        for code, verified in preferred_held:
            label = self._label(code)
            if de:
                reasons.append(
                    f"hat {label} ({'verifiziert' if verified else 'nicht verifiziert'})"
                )
            else:
                reasons.append(f"holds {label} ({'verified' if verified else 'not verified'})")
        for code, day in preferred_expected:
            reasons.append(self._expected(self._label(code), day))
        for code in preferred_missing:
            label = self._label(code)
            reasons.append(f"{label} fehlt" if de else f"lacks {label}")
        return reasons

    def _expected(self, label: str, day: date) -> str:
        if self.de:
            return f"{label} erwartet bis {self._date(day)} (Zertifizierung läuft)"
        return f"{label} expected by {self._date(day)} (certification in progress)"

    def _write_capacity(
        self, short: int, wanted: int, min_order_quantity: int, needed_by: date
    ) -> list[str]:
        de = self.de
        quantity = _number(wanted, de)
        by = self._date(needed_by)
        reasons: list[str] = []
        if short < 0:
            reasons.append(
                f"kann die ganze Menge ({quantity}) bis {by} liefern"
                if de
                else f"can deliver all {quantity} by {by}"
            )
        else:
            deliverable = _number(short, de)
            reasons.append(
                f"kann {deliverable} von {quantity} bis {by} liefern"
                if de
                else f"can deliver {deliverable} of {quantity} by {by}"
            )
        if min_order_quantity > wanted:
            moq = _number(min_order_quantity, de)
            reasons.append(
                f"Mindestbestellmenge {moq} liegt über der gesuchten Menge"
                if de
                else f"minimum order {moq} exceeds the quantity wanted"
            )
        return reasons

    def _write_time(self, start: date, needed_by: date) -> str:
        days = (needed_by - start).days
        text = self._date(start)
        if self.de:
            return f"Lieferbeginn ab {text}, {days} Tage vor dem Bedarfstermin"
        return f"can start {text}, {days} days before needed"


def _remember(memo: dict[_Key, _Value], key: _Key, value: _Value) -> _Value:
    if len(memo) >= MEMO_SIZE:
        memo.clear()
    memo[key] = value
    return value


def build_reasons(facts: Explanation, taxonomy: TaxonomyLike, language: str) -> list[str]:
    """The reasons of one match (a ``ReasonWriter`` is cheaper for many)."""
    return ReasonWriter(taxonomy, language)(facts)
