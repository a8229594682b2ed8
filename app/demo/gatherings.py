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
from app.taxonomy.topics import topic_label
from app.taxonomy.vocabulary import Taxonomy

PORTAL = "https://portal.example"


@dataclass(frozen=True, slots=True)
class Gatherings:
    events: list[CalendarEventCreate]
    notices: list[NoticeCreate]


def _topic(plan: PartnerPlan) -> str:
    """The partner's most offered product (else skill)."""
    counts: dict[str, int] = {}
    for offer in plan.offers:
        for code in offer.products or offer.skills:
            counts[code] = counts.get(code, 0) + 1
    return max(sorted(counts), key=lambda c: counts[c]) if counts else "textile.sewing"


def plan_gatherings(plan: PartnerPlan, taxonomy: Taxonomy, on: date, host_id: str) -> Gatherings:
    """What the partner's first member (``host_id``) posts."""
    code = _topic(plan)
    host = plan.organizations[0]
    label_de, label_en = (topic_label(taxonomy, code, lang) or code for lang in ("de", "en"))
    webinar_day = on + timedelta(days=14 + len(plan.slug) % 7)
    fair_day = on + timedelta(days=35 + len(plan.name) % 10)
    webinar = CalendarEventCreate(
        organization_id=host_id,
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
        organization_id=host_id,
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
        organization_id=host_id,
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
    organization_ids: list[str],
    taxonomy: Taxonomy,
    on: date,
) -> tuple[int, int]:
    """Post the partner's events and notices (``organization_ids`` in plan order); (events,
    notices) written."""
    if not organization_ids:
        return 0, 0
    planned = plan_gatherings(plan, taxonomy, on, host_id=organization_ids[0])
    for event in planned.events:
        await create_event(session, principal=principal, data=event, taxonomy=taxonomy)
    for notice in planned.notices:
        await create_notice(session, principal=principal, data=notice, taxonomy=taxonomy)
    return len(planned.events), len(planned.notices)
