"""Notices as an Atom feed (RFC 4287), for feed readers.

Every id is stable: the feed's is derived from the filters it applies (the same filters,
by header key or by token, are the same feed), an entry's from the notice's id, so a
reader that fetches again shows a changed notice as updated, not as a new one. No I/O.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from feedgen.ext.base import (  # type: ignore[import-untyped]
    BaseEntryExtension,
    BaseExtension,
)
from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]

from app.core.dates import utcnow
from app.notices.markdown import render_markdown
from app.notices.schemas import NoticeFilters, NoticeRecord

MEDIA_TYPE = "application/atom+xml"
ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
FEED_TITLE = "capmatch notices"
# Characters XML 1.0 cannot carry (a JSON body may hold them; lxml would refuse them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


class _AlternateLinks(BaseEntryExtension):  # type: ignore[misc]
    """feedgen 1.0 writes an entry's links without their ``rel`` (it reads the attributes
    from the element it has just made, not from the link given): put ``alternate`` back,
    the one relation an entry's link has here (RFC 4287 4.2.7.2 reads a missing ``rel``
    as ``alternate`` too; readers are spared the guess)."""

    def extend_atom(self, entry: Any) -> Any:
        for child in entry:
            if child.tag in ("link", f"{{{ATOM_NAMESPACE}}}link") and not child.get("rel"):
                child.set("rel", "alternate")
        return entry


def _applied(filters: NoticeFilters) -> dict[str, object]:
    """The filters that narrow the feed, by name (statuses as the list reads them)."""
    applied = {name: value for name, value in asdict(filters).items() if value not in (None, ())}
    if "statuses" in applied:
        applied["statuses"] = sorted(set(filters.statuses))
    return applied


def feed_id(filters: NoticeFilters) -> str:
    """``urn:capmatch:notices:all``, or one id per set of filters (in any order)."""
    applied = _applied(filters)
    if not applied:
        return "urn:capmatch:notices:all"
    canonical = json.dumps(applied, sort_keys=True, separators=(",", ":"))
    return f"urn:capmatch:notices:{hashlib.sha256(canonical.encode()).hexdigest()[:32]}"


def entry_id(notice_id: str) -> str:
    return f"urn:capmatch:notice:{notice_id}"


def _title(filters: NoticeFilters) -> str:
    applied = _applied(filters)
    if not applied:
        return FEED_TITLE
    described = ", ".join(f"{name} {value}" for name, value in sorted(applied.items()))
    return _xml_text(f"{FEED_TITLE} ({described})")


def render_feed(
    records: Sequence[NoticeRecord],
    *,
    filters: NoticeFilters,
    self_url: str,
    api_url: str,
    topic_labels: dict[str, str],
    now: datetime | None = None,
) -> bytes:
    """The feed of ``records`` (newest first) as UTF-8 XML.

    ``self_url``: where this feed is read (without a token); ``api_url``: the notices'
    collection URL, an entry's link when its notice has none; ``topic_labels``: the English
    label of each topic code, for categories.
    """
    feed = FeedGenerator()
    feed.register_extension("capmatch", BaseExtension, _AlternateLinks, atom=True, rss=False)
    feed.id(feed_id(filters))
    feed.title(_title(filters))
    updated = max((record.notice.updated_at for record in records), default=None)
    feed.updated(updated or now or utcnow())
    feed.link(href=self_url, rel="self", type=MEDIA_TYPE)
    feed.generator("capmatch")
    for record in records:
        notice = record.notice
        entry = feed.add_entry(order="append")
        entry.id(entry_id(notice.id))
        entry.title(_xml_text(notice.title))
        entry.updated(notice.updated_at)
        entry.published(notice.published_at or notice.created_at)
        entry.author(name=_xml_text(record.organization_name))
        entry.content(_xml_text(render_markdown(notice.body)), type="html")
        first = notice.links[0]["url"] if notice.links else f"{api_url}/{notice.id}"
        entry.link(href=_xml_text(first), rel="alternate")
        for topic in notice.topics:
            label = topic_labels.get(topic)
            entry.category(term=topic, label=_xml_text(label) if label else None)
    xml: bytes = feed.atom_str(pretty=True)
    return xml
