"""Short human sentences, one or more per factor, in English or German."""

from __future__ import annotations

from datetime import date

from app.matching.model import Explanation, Kind, TaxonomyLike


def is_german(language: str) -> bool:
    return language.strip().lower().startswith("de")


def _number(value: float, de: bool, decimals: int = 0) -> str:
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".") if de else text


def _date(day: date, de: bool) -> str:
    return day.strftime("%d.%m.%Y") if de else day.isoformat()


def _label(taxonomy: TaxonomyLike, kind: Kind, code: str, de: bool) -> str:
    term = taxonomy.get(kind, code)
    return term.label("de" if de else "en") if term is not None else code


def build_reasons(facts: Explanation, taxonomy: TaxonomyLike, language: str) -> list[str]:
    de = is_german(language)
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
        label = _label(taxonomy, "certification", code, de)
        reasons.append(f"erfüllt die Pflichtzertifizierung {label}" if de else f"holds {label}")
    for code, verified in facts.preferred_held:
        label = _label(taxonomy, "certification", code, de)
        if de:
            reasons.append(f"hat {label} ({'verifiziert' if verified else 'nicht verifiziert'})")
        else:
            reasons.append(f"holds {label} ({'verified' if verified else 'not verified'})")
    for code in facts.preferred_missing:
        label = _label(taxonomy, "certification", code, de)
        reasons.append(f"{label} fehlt" if de else f"lacks {label}")
    # distance
    km = _number(facts.distance_km, de, 0 if facts.distance_km >= 10 else 1)
    reasons.append(f"{km} km vom Lieferort entfernt" if de else f"{km} km from delivery point")
    # capacity
    deliverable = _number(min(facts.deliverable, facts.quantity), de)
    quantity = _number(facts.quantity, de)
    by = _date(facts.needed_by, de)
    if facts.deliverable >= facts.quantity:
        reasons.append(
            f"kann die ganze Menge ({quantity}) bis {by} liefern"
            if de
            else f"can deliver all {quantity} by {by}"
        )
    else:
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
    start = _date(facts.start, de)
    reasons.append(
        f"Lieferbeginn ab {start}, {days} Tage vor dem Bedarfstermin"
        if de
        else f"can start {start}, {days} days before needed"
    )
    return reasons
