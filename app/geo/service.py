"""Where things are: postal codes to coordinates and regions, coordinates to regions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.geo.distance import haversine_km
from app.geo.regions import Region, regions
from app.geo.repository import PostalCodeRepository
from app.geo.schemas import Address
from app.geo.shapes import region_at

# Coordinates farther than this from every known postal code take the region of the
# outline that holds them, if any (out at sea, or a country whose gazetteer is not loaded).
NEAREST_POSTAL_CODE_MAX_KM = 30.0


@dataclass(frozen=True, slots=True)
class Place:
    lat: float
    lon: float
    region: str | None


async def place_of_address(session: AsyncSession, address: Address) -> Place | None:
    """Coordinates and region of the address's postal code, None if the gazetteer lacks it.

    A postal code can cover several places: the one named like the address's city
    wins, otherwise the first in the file.
    """
    rows = await PostalCodeRepository(session).find(address.country, address.postal_code.strip())
    if not rows:
        return None
    city = (address.city or "").strip().casefold()
    row = next((r for r in rows if city and r.place_name.casefold() == city), rows[0])
    return Place(lat=row.lat, lon=row.lon, region=row.region)


async def region_near(session: AsyncSession, lat: float, lon: float) -> str | None:
    """The region of the nearest known postal code within NEAREST_POSTAL_CODE_MAX_KM, else
    the region whose outline holds the point (``app.geo.shapes``: so coordinates get a
    region before any gazetteer is loaded), else None."""
    candidates = await PostalCodeRepository(session).within_box(
        lat, lon, NEAREST_POSTAL_CODE_MAX_KM
    )
    best: tuple[float, str | None] | None = None
    for row_lat, row_lon, region in candidates:
        distance = haversine_km(lat, lon, row_lat, row_lon)
        if distance <= NEAREST_POSTAL_CODE_MAX_KM and (best is None or distance < best[0]):
            best = (distance, region)
    return best[1] if best else region_at(lat, lon)


def list_regions(country: str | None = None) -> list[Region]:
    """The ISO 3166-2 regions capmatch names, optionally of one country."""
    return regions(country)
