"""Short human sentences, one or more per factor, in English or German."""

from __future__ import annotations

from datetime import date

from app.matching.model import Explanation, Kind, TaxonomyLike


def is_german(language: str) -> bool:
    return language.strip().lower().startswith("de")


def _number(value: float, de: bool, decimals: int = 0) -> str:
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".") if de else text


class ReasonWriter:
    """Writes the reasons of many matches in one language.

    One writer serves one ranking: labels and dates repeat from match to match, so
    they are looked up and formatted once (the reasons of a page cost as much as the
    search itself otherwise).
    """

    def __init__(self, taxonomy: TaxonomyLike, language: str) -> None:
        self.taxonomy = taxonomy
        self.de = is_german(language)
        self._labels: dict[str, str] = {}
        self._dates: dict[date, str] = {}

    def _label(self, code: str, kind: Kind = "certification") -> str:
        label = self._labels.get(code)
        if label is None:
            term = self.taxonomy.get(kind, code)
            label = term.label("de" if self.de else "en") if term is not None else code
            self._labels[code] = label
        return label

    def _date(self, day: date) -> str:
        text = self._dates.get(day)
        if text is None:
            text = day.strftime("%d.%m.%Y") if self.de else day.isoformat()
            self._dates[day] = text
        return text

    def __call__(self, facts: Explanation) -> list[str]:
        de = self.de
        reasons: list[str] = []
        # skill / product coverage
        covered = facts.fully_covered + facts.partly_covered
        if de:
            text = f"deckt {covered} von {facts.wanted} gesuchten Fähigkeiten/Produkten ab"
            if facts.partly_covered:
                text += f" ({facts.partly_covered} davon teilweise)"
        else:
            text = f"covers {covered} of {facts.wanted} wanted skills/products"
            if facts.partly_covered:
                text += f" ({facts.partly_covered} partly)"
        reasons.append(text)
        # certifications
        for code in facts.required:
            label = self._label(code)
            reasons.append(f"erfüllt die Pflichtzertifizierung {label}" if de else f"holds {label}")
        for code, verified in facts.preferred_held:
            label = self._label(code)
            if de:
                reasons.append(
                    f"hat {label} ({'verifiziert' if verified else 'nicht verifiziert'})"
                )
            else:
                reasons.append(f"holds {label} ({'verified' if verified else 'not verified'})")
        for code in facts.preferred_missing:
            label = self._label(code)
            reasons.append(f"{label} fehlt" if de else f"lacks {label}")
        # distance
        km = _number(facts.distance_km, de, 0 if facts.distance_km >= 10 else 1)
        reasons.append(f"{km} km vom Lieferort entfernt" if de else f"{km} km from delivery point")
        # capacity
        quantity = _number(facts.quantity, de)
        by = self._date(facts.needed_by)
        if facts.deliverable >= facts.quantity:
            reasons.append(
                f"kann die ganze Menge ({quantity}) bis {by} liefern"
                if de
                else f"can deliver all {quantity} by {by}"
            )
        else:
            deliverable = _number(facts.deliverable, de)
            reasons.append(
                f"kann {deliverable} von {quantity} bis {by} liefern"
                if de
                else f"can deliver {deliverable} of {quantity} by {by}"
            )
        if facts.min_order_quantity > facts.quantity:
            moq = _number(facts.min_order_quantity, de)
            reasons.append(
                f"Mindestbestellmenge {moq} liegt über der gesuchten Menge"
                if de
                else f"minimum order {moq} exceeds the quantity wanted"
            )
        # time
        days = (facts.needed_by - facts.start).days
        start = self._date(facts.start)
        reasons.append(
            f"Lieferbeginn ab {start}, {days} Tage vor dem Bedarfstermin"
            if de
            else f"can start {start}, {days} days before needed"
        )
        return reasons


def build_reasons(facts: Explanation, taxonomy: TaxonomyLike, language: str) -> list[str]:
    """The reasons of one match (a ``ReasonWriter`` is cheaper for many)."""
    return ReasonWriter(taxonomy, language)(facts)
