"""The demo market's calendar and notices: per partner, a webinar open to every network,
a matchmaking day for its own members and a call for partners, on what its members make.

Derived from the partner's plan alone (its offers' codes, its members' towns), so the same
seed gives the same calendar; dates count from the day of the run, like the market's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.calendar.schemas import CalendarEventCreate
from app.calendar.service import create_event
from app.demo.plan import PartnerPlan
from app.notices.schemas import NoticeCreate, NoticeLinkIn
from app.notices.service import create_notice
from app.taxonomy.vocabulary import Taxonomy

PORTAL = "https://portal.example"


@dataclass(frozen=True, slots=True)
class Gatherings:
    events: list[CalendarEventCreate]
    notices: list[NoticeCreate]


def _topic(plan: PartnerPlan) -> tuple[str, str]:
    """The partner's most offered product (else skill): the code and its place in the plan."""
    counts: dict[str, int] = {}
    for offer in plan.offers:
        for code in offer.products or offer.skills:
            counts[code] = counts.get(code, 0) + 1
    if not counts:
        return "textile.sewing", "skill"
    code = max(sorted(counts), key=lambda c: counts[c])
    return code, "product" if any(code in o.products for o in plan.offers) else "skill"


def _label(taxonomy: Taxonomy, code: str, kind: str, language: str) -> str:
    term = taxonomy.get("product" if kind == "product" else "skill", code)
    return term.label(language) if term is not None else code


def plan_gatherings(plan: PartnerPlan, taxonomy: Taxonomy, on: date) -> Gatherings:
    if not plan.organizations:
        return Gatherings([], [])
    code, kind = _topic(plan)
    host = plan.organizations[0]
    label_de, label_en = (_label(taxonomy, code, kind, lang) for lang in ("de", "en"))
    webinar_day = on + timedelta(days=14 + len(plan.slug) % 7)
    fair_day = on + timedelta(days=35 + len(plan.name) % 10)
    webinar = CalendarEventCreate(
        organization_id=host.ref,
        title=f"Webinar: {label_de}: Normen, Prüfung, Lieferketten",
        description=f"{plan.name} lädt ein: was Hersteller für {label_de} wissen müssen.",
        starts_at=datetime.combine(webinar_day, time(14, 0)),
        ends_at=datetime.combine(webinar_day, time(15, 30)),
        online_url=f"{PORTAL}/{plan.slug}/webinar",
        topics=[code],
        language="de",
        visibility="shared",
        registration_url=f"{PORTAL}/{plan.slug}/anmeldung",
    )
    fair = CalendarEventCreate(
        organization_id=host.ref,
        title=f"Matchmaking day: {label_en}",
        description=f"Makers and buyers of {label_en} meet in {host.town.city}.",
        starts_at=datetime.combine(fair_day, time(9, 30)),
        ends_at=datetime.combine(fair_day, time(16, 0)),
        location=f"Technologiezentrum, {host.town.postal_code} {host.town.city}",
        topics=[code],
        language="en",
        visibility="network",
    )
    call = NoticeCreate(
        organization_id=host.ref,
        title=f"Partner gesucht: {label_de}",
        body=(
            f"**{plan.name}** sucht Partner für *{label_de}*.\n\n"
            "- freie Kapazität ab sofort\n- Zertifizierung von Vorteil\n\n"
            "Antworten bitte über das Portal."
        ),
        kind="call_for_partners",
        topics=[code],
        deadline=on + timedelta(days=30),
        links=[NoticeLinkIn(url=f"{PORTAL}/{plan.slug}/aufruf", title="Aufruf (PDF)")],
        language="de",
        visibility="shared",
    )
    return Gatherings(events=[webinar, fair], notices=[call])


async def write_gatherings(
    session: AsyncSession,
    *,
    principal: Principal,
    plan: PartnerPlan,
    organization_ids: dict[str, str],
    taxonomy: Taxonomy,
    on: date,
) -> tuple[int, int]:
    """Post the partner's events and notices; (events, notices) written."""
    planned = plan_gatherings(plan, taxonomy, on)
    for event in planned.events:
        data = event.model_copy(
            update={"organization_id": organization_ids[event.organization_id or ""]}
        )
        await create_event(session, principal=principal, data=data, taxonomy=taxonomy)
    for notice in planned.notices:
        data_notice = notice.model_copy(
            update={"organization_id": organization_ids[notice.organization_id or ""]}
        )
        await create_notice(session, principal=principal, data=data_notice, taxonomy=taxonomy)
    return len(planned.events), len(planned.notices)
