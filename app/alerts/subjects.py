"""What an alert is about: a request or saved search (the subject) and an offer.

Plain values built from rows; the index searches in ``finder`` and ``payloads`` take
them. A saved search is request-shaped (its criteria are a request body), so the
request direction's index and scorer rank saved searches for an offer too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.alerts.service import criteria_of
from app.events.outbox import Party
from app.matching.demand import RequestRecord
from app.matching.demand_index import RequestIndex
from app.matching.service import want_of
from app.matching.values import OfferRecord, Viewer, Want
from app.models import SavedSearch

MATCH_FOUND = "match.found"
DEMAND_FOUND = "demand.found"


@dataclass(frozen=True, slots=True)
class Subject:
    """A request or saved search as alerts see it."""

    id: str
    key: str  # "request_id" or "saved_search_id": its name in an alert's payload
    partner_id: str
    organization_id: str
    shared: bool  # a request others may see (saved searches are private: never shown)
    threshold: float  # alert_min_score or min_score
    want: Want
    row: Any  # the request row (for demand.found), or the saved search

    @property
    def owner(self) -> Party:
        return Party(self.partner_id, self.organization_id)

    @property
    def viewer(self) -> Viewer:
        return Viewer(partner_id=self.partner_id)

    def sees(self, offer: OfferRecord) -> bool:
        return offer.shared or offer.partner_id == self.partner_id


@dataclass(frozen=True, slots=True)
class Candidate:
    """An alert that may be due: the pair, its type and the pair's score."""

    type: str
    subject: Subject
    offer: OfferRecord
    score: float

    @property
    def pair(self) -> tuple[str, str]:
        return (self.subject.id, self.offer.id)

    @property
    def owner(self) -> Party:
        if self.type == MATCH_FOUND:
            return self.subject.owner
        return Party(self.offer.partner_id, self.offer.organization_id)


def request_subject(row: Any, on: date) -> Subject:
    return Subject(
        id=row.id,
        key="request_id",
        partner_id=row.partner_id,
        organization_id=row.organization_id,
        shared=row.visibility == "shared",
        threshold=row.alert_min_score,
        want=want_of(row, on=on, lat=row.lat, lon=row.lon),
        row=row,
    )


def saved_search_subject(saved: SavedSearch, on: date) -> Subject:
    return Subject(
        id=saved.id,
        key="saved_search_id",
        partner_id=saved.partner_id,
        organization_id=saved.organization_id,
        shared=False,
        threshold=saved.min_score,
        want=want_of(criteria_of(saved), on=on, lat=saved.lat, lon=saved.lon),
        row=saved,
    )


def saved_search_index(subjects: Iterable[Subject]) -> RequestIndex:
    """The saved searches as a request index (each stands for a request of its owner)."""
    records = []
    for subject in subjects:
        want = subject.want
        records.append(
            RequestRecord(
                id=subject.id,
                lat=want.lat,
                lon=want.lon,
                skills=want.skills,
                products=want.products,
                quantity=want.quantity,
                needed_by=want.needed_by,
                unit=want.unit,
                required_certifications=want.required_certifications,
                preferred_certifications=want.preferred_certifications,
                max_distance_km=want.max_distance_km,
                weights=want.weights,
                organization_id=subject.organization_id,
                partner_id=subject.partner_id,
                shared=True,
            )
        )
    return RequestIndex(records)
