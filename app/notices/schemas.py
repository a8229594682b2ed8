"""Shapes of the notices API: calls for partners, funding calls, a standard's change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from app.core.schemas import JsonDate, LanguageCode, OutModel, PatchModel, StrictModel, WebUrl
from app.feeds.schemas import NoticeKind
from app.market.schemas import Visibility
from app.models import Notice
from app.notices.markdown import render_markdown
from app.taxonomy.codes import CodeListField

NoticeInputStatus = Literal["draft", "published"]
NoticeStatus = Literal["draft", "published", "withdrawn"]
MAX_LINKS = 20
MAX_BODY = 20_000
BODY_DESCRIPTION = "Markdown (CommonMark, no raw HTML); `body_html` shows it rendered"
TOPICS_DESCRIPTION = "Taxonomy codes of any kind: skills, products, certifications"


class NoticeLinkIn(StrictModel):
    url: WebUrl
    title: str | None = Field(default=None, min_length=1, max_length=200)


def _link_object(value: object) -> object:
    # A bare URL is a link without a title: stored and shown as the object form.
    return {"url": value} if isinstance(value, str) else value


NoticeLink = Annotated[
    NoticeLinkIn,
    BeforeValidator(_link_object, json_schema_input_type=WebUrl | NoticeLinkIn),
]
NoticeLinks = Annotated[
    list[NoticeLink],
    Field(
        max_length=MAX_LINKS,
        description='A URL, or `{"url", "title"}`; shown as objects',
        examples=[["https://portal.example/call.pdf"]],
    ),
]
NoticeTitle = Annotated[
    str, Field(min_length=1, max_length=200, examples=["Partners wanted: EN 14683 masks"])
]
NoticeBody = Annotated[str, Field(min_length=1, max_length=MAX_BODY, description=BODY_DESCRIPTION)]


class NoticeCreate(StrictModel):
    organization_id: str | None = Field(
        default=None, description="Required with a partner key; implied by an organisation key"
    )
    title: NoticeTitle
    body: NoticeBody
    kind: NoticeKind
    topics: CodeListField = Field(
        default_factory=list, description=TOPICS_DESCRIPTION, examples=[["mask.surgical"]]
    )
    deadline: JsonDate | None = Field(
        default=None, description="Last day to answer, if any", examples=["2030-01-31"]
    )
    links: NoticeLinks = Field(default_factory=list)
    language: LanguageCode | None = None
    visibility: Visibility = "shared"
    status: NoticeInputStatus = Field(
        default="published", description="`draft`: only you see it until you publish it"
    )


class NoticeUpdate(PatchModel):
    clearable = frozenset({"deadline", "language"})

    title: NoticeTitle | None = None
    body: NoticeBody | None = None
    kind: NoticeKind | None = None
    topics: CodeListField | None = Field(default=None, description=TOPICS_DESCRIPTION)
    deadline: JsonDate | None = None
    links: NoticeLinks | None = None
    language: LanguageCode | None = None
    visibility: Visibility | None = None
    status: NoticeInputStatus | None = Field(
        default=None, description="`published` publishes a draft (a published one stays so)"
    )


class NoticeLinkOut(OutModel):
    url: str
    title: str | None


class NoticeOut(OutModel):
    id: str
    partner_id: str
    organization_id: str
    organization_name: str
    kind: NoticeKind
    title: str
    body: str = Field(description="The Markdown as written")
    body_html: str = Field(description="`body` rendered: safe HTML (no scripts, http(s) links)")
    topics: list[str]
    deadline: date | None
    links: list[NoticeLinkOut]
    language: str | None
    visibility: Visibility
    status: NoticeStatus
    published_at: datetime | None
    withdrawn_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, notice: Notice, *, organization_name: str) -> NoticeOut:
        fields = {name: getattr(notice, name) for name in _STORED}
        return cls.model_validate(
            {
                **fields,
                "organization_name": organization_name,
                "body_html": render_markdown(notice.body),
            }
        )


_STORED = tuple(
    name for name in NoticeOut.model_fields if name not in ("organization_name", "body_html")
)


@dataclass(frozen=True, slots=True)
class NoticeRecord:
    """A notice with the name of the organisation that posted it (what every read shows)."""

    notice: Notice
    organization_name: str


@dataclass(frozen=True, slots=True)
class NoticeFilters:
    """What a list or the Atom feed keeps; None: any. ``statuses`` empty: published only."""

    kind: str | None = None
    topic: str | None = None
    partner_id: str | None = None
    organization_id: str | None = None
    language: str | None = None
    statuses: tuple[str, ...] = ()
    visibility: str | None = None
    q: str | None = None
    open: bool | None = None
