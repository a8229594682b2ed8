"""Notices: who may post them, how they change, what the outbox hears of them.

A notice is published at once or kept as a draft (only its owner sees a draft) until a
PATCH publishes it. Changes of a published notice are announced; a DELETE withdraws it
(soft: it stays readable as ``withdrawn``, with its history). Events: ``notice.published``
(created as published, or a draft published), ``notice.updated`` (a published notice
changed), ``notice.withdrawn`` (a published notice withdrawn); drafts announce nothing,
as nobody but their owner has seen them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core.dates import today, utcnow
from app.core.errors import Conflict, FieldError, InvalidInput, NotFound
from app.core.ids import new_id
from app.core.pagination import PageParams, Window, window
from app.core.schemas import patch_changes
from app.events.outbox import Party, ResourceChanged, publish_changes
from app.models import Notice
from app.notices.atom import render_feed
from app.notices.repository import NoticeRepository
from app.notices.schemas import NoticeCreate, NoticeFilters, NoticeOut, NoticeRecord, NoticeUpdate
from app.organizations.acting import acting_organization
from app.organizations.events import OrganizationClosed
from app.taxonomy.topics import check_topic_filter, check_topics, topic_label, topic_terms
from app.taxonomy.vocabulary import Taxonomy
from app.web.http import check_if_match


class NoticeNotFound(NotFound):
    pass


class NoticeWithdrawn(Conflict):
    title = "Notice is withdrawn"


class NoticePublished(Conflict):
    title = "Notice is published"


def _check_deadline(deadline: date | None, *, on: date) -> None:
    if deadline is not None and deadline < on:
        raise InvalidInput.at("deadline", "lies in the past")


async def announce(session: AsyncSession, record: NoticeRecord, type: str) -> None:
    """Write ``notice.<what>`` with the notice as GET shows it, in this transaction."""
    notice = record.notice
    shown = NoticeOut.of(notice, organization_name=record.organization_name)
    await publish_changes(
        session,
        [
            ResourceChanged(
                type=type,
                object=shown.model_dump(mode="json"),
                owner=Party(notice.partner_id, notice.organization_id),
            )
        ],
    )


async def create_notice(
    session: AsyncSession, *, principal: Principal, data: NoticeCreate, taxonomy: Taxonomy
) -> NoticeRecord:
    """Post a notice for one of the caller's organisations (published unless a draft)."""
    organization = await acting_organization(
        session, principal=principal, organization_id=data.organization_id
    )
    check_topics(taxonomy, data.topics)
    _check_deadline(data.deadline, on=today())
    now = utcnow()
    notice = Notice(
        id=new_id("ntc"),
        partner_id=organization.partner_id,
        organization_id=organization.id,
        kind=data.kind,
        title=data.title,
        body=data.body,
        topics=data.topics,
        topic_terms=topic_terms(data.topics),
        deadline=data.deadline,
        links=[link.model_dump(mode="json") for link in data.links],
        language=data.language,
        visibility=data.visibility,
        status=data.status,
        published_at=now if data.status == "published" else None,
        created_at=now,
        updated_at=now,
    )
    await NoticeRepository(session).add(notice)
    record = NoticeRecord(notice, organization.name)
    if notice.status == "published":
        await announce(session, record, "notice.published")
    return record


async def get_visible_notice(
    session: AsyncSession, *, principal: Principal, notice_id: str
) -> NoticeRecord:
    """A notice the caller may read; 404 otherwise (also for another's draft)."""
    found = await NoticeRepository(session).get_visible(notice_id, principal)
    if found is None:
        raise NoticeNotFound(f"Notice {notice_id} not found.")
    return found


async def get_owned_notice(
    session: AsyncSession, *, principal: Principal, notice_id: str
) -> NoticeRecord:
    """A notice the caller may change (its organisation, or its partner), row locked; 404
    otherwise, also when the caller may read it (as offers and requests answer)."""
    found = await NoticeRepository(session).get_owned_for_update(notice_id, principal)
    if found is None:
        raise NoticeNotFound(f"Notice {notice_id} not found.")
    return found


def check_filters(filters: NoticeFilters, taxonomy: Taxonomy) -> None:
    """A ``topic`` filter must be a known code: a typo would look like an empty list."""
    check_topic_filter(taxonomy, filters.topic)


async def list_notices(
    session: AsyncSession,
    *,
    principal: Principal,
    filters: NoticeFilters,
    page: PageParams,
    taxonomy: Taxonomy,
) -> Window[NoticeRecord]:
    check_filters(filters, taxonomy)
    rows = await NoticeRepository(session).list_page(principal, filters, page, on=today())
    return window(rows, page, lambda record: record.notice.id)


async def newest_notices(
    session: AsyncSession,
    *,
    principal: Principal,
    filters: NoticeFilters,
    limit: int,
    taxonomy: Taxonomy,
) -> list[NoticeRecord]:
    """The ``limit`` most recently published notices the filters keep, newest first."""
    check_filters(filters, taxonomy)
    return await NoticeRepository(session).newest(principal, filters, limit=limit, on=today())


async def update_notice(
    session: AsyncSession,
    *,
    principal: Principal,
    record: NoticeRecord,
    data: NoticeUpdate,
    if_match: str | None,
    taxonomy: Taxonomy,
) -> NoticeRecord:
    """Change an owned notice; ``status: published`` publishes a draft. A PATCH that
    changes nothing writes nothing (no new version, no event)."""
    notice = record.notice
    check_if_match(if_match, notice.version)
    if notice.status == "withdrawn":
        raise NoticeWithdrawn(f"Notice {notice.id} is withdrawn; withdrawn notices cannot change.")
    # Every query runs before the notice changes: one after would flush the changes early
    # and the final flush would bump the version (the ETag) a second time.
    organization = await acting_organization(
        session, principal=principal, organization_id=notice.organization_id
    )
    changes = patch_changes(data)
    if changes.get("status") == "draft" and notice.status == "published":
        raise NoticePublished(
            f"Notice {notice.id} is published and cannot become a draft again; "
            "change it, or withdraw it with DELETE.",
            errors=[FieldError(field="status", message="a published notice stays published")],
        )
    if "topics" in changes:
        check_topics(taxonomy, changes["topics"])
    if "deadline" in changes and changes["deadline"] != notice.deadline:
        _check_deadline(changes["deadline"], on=today())
    if "links" in changes:
        changes["links"] = [link.model_dump(mode="json") for link in changes["links"]]
    changed = {name: value for name, value in changes.items() if getattr(notice, name) != value}
    record = NoticeRecord(notice, organization.name)
    if not changed:
        return record
    was = notice.status
    for name, value in changed.items():
        setattr(notice, name, value)
    now = utcnow()
    if "topics" in changed:
        notice.topic_terms = topic_terms(notice.topics)
    if was == "draft" and notice.status == "published":
        notice.published_at = now
    notice.updated_at = now
    await session.flush()
    if was == "draft" and notice.status == "published":
        await announce(session, record, "notice.published")
    elif notice.status == "published":
        await announce(session, record, "notice.updated")
    return record


async def withdraw_notice(
    session: AsyncSession, *, record: NoticeRecord, if_match: str | None
) -> NoticeRecord:
    """Soft delete: the notice reads ``withdrawn`` and leaves the lists (unless asked for);
    withdrawing twice changes nothing. Only a published notice announces it."""
    notice = record.notice
    check_if_match(if_match, notice.version)
    if notice.status != "withdrawn":
        was = notice.status
        now = utcnow()
        notice.status = "withdrawn"
        notice.withdrawn_at = now
        notice.updated_at = now
        await session.flush()
        if was == "published":
            await announce(session, record, "notice.withdrawn")
    return record


def _topic_labels(taxonomy: Taxonomy, records: list[NoticeRecord]) -> dict[str, str]:
    """The English label of each topic in ``records`` (a code names one term of any kind)."""
    labels = {
        topic: topic_label(taxonomy, topic, "en")
        for record in records
        for topic in record.notice.topics
    }
    return {topic: label for topic, label in labels.items() if label is not None}


async def notices_feed(
    session: AsyncSession,
    *,
    principal: Principal,
    filters: NoticeFilters,
    limit: int,
    taxonomy: Taxonomy,
    self_url: str,
    api_url: str,
) -> bytes:
    """The Atom feed (RFC 4287) of the newest notices the caller may read."""
    records = await newest_notices(
        session, principal=principal, filters=filters, limit=limit, taxonomy=taxonomy
    )
    return render_feed(
        records,
        filters=filters,
        self_url=self_url,
        api_url=api_url,
        topic_labels=_topic_labels(taxonomy, records),
    )


async def withdraw_notices_of_closed_organization(
    session: AsyncSession, event: OrganizationClosed
) -> None:
    """An organisation that leaves the market calls for nothing any more: its notices are
    withdrawn with it (``notice.withdrawn`` for those that were published)."""
    records = await NoticeRepository(session).open_of_organization(event.organization_id)
    published = [record for record in records if record.notice.status == "published"]
    for record in records:
        notice = record.notice
        notice.status = "withdrawn"
        notice.withdrawn_at = notice.updated_at = event.closed_at
    await session.flush()
    for record in published:
        await announce(session, record, "notice.withdrawn")
