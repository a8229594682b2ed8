"""Offers read from the database as the matching index holds them: plain records."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from app.matching.reliability import NEWCOMER, TrackRecord
from app.matching.values import Certifications, OfferRecord

__all__ = ["matchable", "offer_record", "offer_record_of"]


def offer_record(
    row: Any, held: Certifications, lapsed: int = 0, track: TrackRecord = NEWCOMER
) -> OfferRecord:
    """``lapsed``: units of the offer's pending holds past their expiry (free again);
    ``track``: its organisation's history as a seller."""
    return OfferRecord(
        id=row.id,
        lat=row.lat,
        lon=row.lon,
        skills=tuple(row.skills),
        products=tuple(row.products),
        capacity_per_week=row.capacity_per_week,
        available_from=row.available_from,
        available_until=row.available_until,
        capacity_total=row.capacity_total,
        # Held (pending engagements) counts as taken: matches rank remaining capacity.
        reserved_quantity=row.reserved_quantity + row.held_quantity - lapsed,
        lead_time_days=row.lead_time_days,
        min_order_quantity=row.min_order_quantity,
        service_radius_km=row.service_radius_km,
        certifications=held,
        track=track,
        organization_id=row.organization_id,
        partner_id=row.partner_id,
        shared=row.visibility == "shared",
        unit=row.capacity_unit,
        region=row.region,
    )


def matchable(row: Any, on: date) -> bool:
    return bool(row.status == "active" and row.available_until >= on)


def offer_record_of(
    row: Any,
    held: Mapping[str, Certifications],
    tracks: Mapping[str, TrackRecord],
    lapsed: Mapping[str, int] | None = None,
) -> OfferRecord:
    """The offer's record with its organisation's certificates and track record."""
    organization = row.organization_id
    return offer_record(
        row,
        held.get(organization, {}),
        (lapsed or {}).get(row.id, 0),
        tracks.get(organization, NEWCOMER),
    )
