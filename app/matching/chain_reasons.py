"""Why a production chain is proposed, in English or German: one sentence per fact."""

from __future__ import annotations

from datetime import date

from app.matching.chains import Chain
from app.matching.reasons import is_german
from app.matching.values import Kind, TaxonomyLike


def _number(value: float, de: bool) -> str:
    text = f"{value:,.0f}"
    return text.replace(",", ".") if de else text


def _km(value: float, de: bool) -> str:
    text = f"{value:,.0f}" if value >= 10 else f"{value:.1f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".") if de else text


def _date(day: date, de: bool) -> str:
    return day.strftime("%d.%m.%Y") if de else day.isoformat()


def chain_reasons(
    chain: Chain,
    taxonomy: TaxonomyLike,
    language: str,
    *,
    needed_by: date,
    required: tuple[str, ...] = (),
) -> list[str]:
    """The reasons of one chain: its steps, quantity and bottleneck, timing, distances,
    the last step's required certifications, and the steps counted in another unit."""
    de = is_german(language)

    def label(code: str, kind: Kind = "skill") -> str:
        term = taxonomy.get(kind, code)
        return term.label("de" if de else "en") if term is not None else code

    steps = " → ".join(label(step.skill) for step in chain.steps)
    n = len(chain.steps)
    reasons = [f"{n} Schritte: {steps}" if de else f"{n} steps: {steps}"]
    wanted, by = _number(chain.wanted, de), _date(needed_by, de)
    if chain.quantity >= chain.wanted:
        reasons.append(
            f"kann die ganze Menge ({wanted}) bis {by} liefern"
            if de
            else f"can deliver all {wanted} by {by}"
        )
    else:
        counted = [s for s in chain.steps if s.unit == chain.steps[-1].unit]
        short = min(counted, key=lambda s: s.deliverable_quantity)
        quantity = _number(chain.quantity, de)
        reasons.append(
            f"kann {quantity} von {wanted} bis {by} liefern (Engpass: {label(short.skill)})"
            if de
            else f"can deliver {quantity} of {wanted} by {by} (bottleneck: {label(short.skill)})"
        )
    days = (needed_by - chain.ready_by).days
    ready = _date(chain.ready_by, de)
    reasons.append(
        f"fertig ab {ready}, {days} Tage vor dem Bedarfstermin"
        if de
        else f"ready {ready}, {days} days before needed"
    )
    last = _km(chain.steps[-1].distance_km, de)
    total = _km(sum(step.distance_km for step in chain.steps), de)
    reasons.append(
        f"{last} km vom letzten Schritt zum Lieferort, {total} km Transport insgesamt"
        if de
        else f"{last} km from the last step to the delivery point, {total} km of transport in all"
    )
    expected = chain.steps[-1].certificates_expected
    if expected is not None and required:  # one in progress: when all of them count
        names, on = (
            ", ".join(label(code, "certification") for code in required),
            _date(expected, de),
        )
        reasons.append(
            f"der letzte Schritt hat {names} ab {on} (bis dahin in Arbeit)"
            if de
            else f"the last step has {names} from {on} (in progress until then)"
        )
    for code in required if expected is None else ():
        name = label(code, "certification")
        reasons.append(
            f"der letzte Schritt erfüllt die Pflichtzertifizierung {name}"
            if de
            else f"the last step holds {name}"
        )
    for step in chain.steps:
        if step.unit != chain.steps[-1].unit:
            reasons.append(
                f"{label(step.skill)} in {step.unit} angeboten: nicht umgerechnet, kein Engpass"
                if de
                else f"{label(step.skill)} offered in {step.unit}: not converted, not a bottleneck"
            )
    return reasons
