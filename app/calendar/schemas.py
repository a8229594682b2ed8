"""Shapes of the calendar endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, Strict
from pydantic_core import PydanticCustomError

from app.calendar.times import DEFAULT_TIMEZONE, shown_in, zone
from app.core.schemas import LanguageCode, OutModel, PatchModel, StrictModel, WebUrl
from app.geo.schemas import RegionCode
from app.market.schemas import Visibility
from app.taxonomy.codes import CodeListField

EventStatus = Literal["scheduled", "cancelled"]


def _known_zone(value: str) -> str:
    if zone(value) is None:
        raise PydanticCustomError(
            "timezone", "unknown time zone; give an IANA name such as Europe/Berlin"
        )
    return value


def _moment_as_text(value: object) -> object:
    # Pydantic reads a number as a Unix timestamp; in JSON an instant is text.
    if isinstance(value, int | float):
        raise PydanticCustomError(
            "datetime_type",
            "Input should be a date-time as text (RFC 3339; the offset may be "
            "left out to mean the event's time zone)",
        )
    return value


TimeZoneName = Annotated[
    str,
    Field(min_length=1, max_length=64, examples=[DEFAULT_TIMEZONE]),
    AfterValidator(_known_zone),
]
# An instant, or a local time read in the event's ``timezone`` (what a form sends).
EventMoment = Annotated[datetime, Strict(False), BeforeValidator(_moment_as_text)]
Title = Annotated[str, Field(min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=20_000)]
Location = Annotated[
    str,
    Field(
        min_length=1,
        max_length=500,
        description="Where it is held (venue and address), for events on site",
        examples=["Messe Erfurt, Gothaer Platz 1, 99094 Erfurt"],
    ),
]


class CalendarEventCreate(StrictModel):
    organization_id: str | None = Field(
        default=None, description="Required with a partner key; implied by an organisation key"
    )
    title: Title = Field(examples=["Webinar: EN 14683 in practice"])
    description: Description | None = None
    starts_at: EventMoment = Field(
        description="RFC 3339; without an offset, a local time in `timezone`",
        examples=["2027-01-20T14:00:00+01:00"],
    )
    ends_at: EventMoment = Field(examples=["2027-01-20T15:30:00+01:00"])
    timezone: TimeZoneName = DEFAULT_TIMEZONE
    online_url: WebUrl | None = Field(default=None, description="Where to join online")
    location: Location | None = None
    region: RegionCode | None = Field(
        default=None, description="Where it is held; default: the organisation's region"
    )
    topics: CodeListField = Field(
        default_factory=list,
        description="Skill, product or certification codes the event is about",
        examples=[["mask.surgical"]],
    )
    language: LanguageCode | None = None
    visibility: Visibility = "shared"
    registration_url: WebUrl | None = None


class CalendarEventUpdate(PatchModel):
    clearable = frozenset(
        {"description", "online_url", "location", "region", "language", "registration_url"}
    )

    title: Title | None = None
    description: Description | None = None
    starts_at: EventMoment | None = None
    ends_at: EventMoment | None = None
    timezone: TimeZoneName | None = None
    online_url: WebUrl | None = None
    location: Location | None = None
    region: RegionCode | None = None
    topics: CodeListField | None = None
    language: LanguageCode | None = None
    visibility: Visibility | None = None
    registration_url: WebUrl | None = None


class CalendarEventOut(OutModel):
    id: str
    partner_id: str
    organization_id: str
    organization_name: str | None
    title: str
    description: str | None
    starts_at: datetime = Field(description="In the event's time zone (RFC 3339 with offset)")
    ends_at: datetime
    timezone: str
    online_url: str | None
    location: str | None
    region: str | None
    topics: list[str]
    language: str | None
    visibility: Visibility
    registration_url: str | None
    status: EventStatus
    sequence: int = Field(description="Rises with every change (iCalendar SEQUENCE)")
    cancelled_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, event: Any, organization_name: str | None) -> CalendarEventOut:
        return cls(
            id=event.id,
            partner_id=event.partner_id,
            organization_id=event.organization_id,
            organization_name=organization_name,
            title=event.title,
            description=event.description,
            starts_at=shown_in(event.starts_at, event.timezone),
            ends_at=shown_in(event.ends_at, event.timezone),
            timezone=event.timezone,
            online_url=event.online_url,
            location=event.location,
            region=event.region,
            topics=list(event.topics),
            language=event.language,
            visibility=event.visibility,
            registration_url=event.registration_url,
            status=event.status,
            sequence=event.version - 1,
            cancelled_at=event.cancelled_at,
            created_at=event.created_at,
            updated_at=event.updated_at,
        )


class EventSuggestion(OutModel):
    event: CalendarEventOut
    relevance: float = Field(
        ge=0, le=1, description="How closely the event's topics fit (1: the same code)"
    )
    matched_topics: list[str] = Field(description="The event's topics that fit, best first")


class EventSuggestionPage(OutModel):
    data: list[EventSuggestion]
    has_more: bool
