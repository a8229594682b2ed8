"""Every SQL statement of the gazetteer (the ``postal_codes`` table)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.geo.distance import bounding_box
from app.models import PostalCode

# Column order of the COPY on PostgreSQL and of PostalCodeRow.
COLUMNS = (
    "country",
    "postal_code",
    "place_name",
    "admin1_code",
    "admin1_name",
    "region",
    "lat",
    "lon",
    "accuracy",
)

Record = tuple[str, str, str, str | None, str | None, str | None, float, float, int | None]


class PostalCodeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find(self, country: str, postal_code: str) -> Sequence[PostalCode]:
        """The rows (one per place) of a postal code, in file order."""
        statement = (
            select(PostalCode)
            .where(PostalCode.country == country, PostalCode.postal_code == postal_code)
            .order_by(PostalCode.id)
        )
        # Lookups never need the caller's pending changes: flushing them early would
        # bump the version of an object that is being edited a second time.
        with self.session.no_autoflush:
            return (await self.session.scalars(statement)).all()

    async def within_box(
        self, lat: float, lon: float, radius_km: float
    ) -> Sequence[tuple[float, float, str | None]]:
        """(lat, lon, region) of the rows in the bounding box of the circle (index range scan)."""
        min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_km)
        statement = select(PostalCode.lat, PostalCode.lon, PostalCode.region).where(
            PostalCode.lat.between(min_lat, max_lat), PostalCode.lon.between(min_lon, max_lon)
        )
        with self.session.no_autoflush:
            rows = (await self.session.execute(statement)).all()
        return [(row.lat, row.lon, row.region) for row in rows]

    async def count(self, country: str | None = None) -> int:
        statement = select(func.count()).select_from(PostalCode)
        if country is not None:
            statement = statement.where(PostalCode.country == country)
        return int((await self.session.scalar(statement)) or 0)

    async def replace_countries(self, countries: Iterable[str], records: list[Record]) -> None:
        """Delete the countries' rows and insert ``records`` (the caller's transaction)."""
        await self.session.execute(
            delete(PostalCode).where(PostalCode.country.in_(sorted(set(countries))))
        )
        if not records:
            return
        connection = await self.session.connection()
        if connection.dialect.name == "postgresql":
            # COPY is an order of magnitude faster than INSERTs for a whole country.
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            await driver.copy_records_to_table("postal_codes", records=records, columns=COLUMNS)
            return
        await self.session.execute(
            insert(PostalCode),
            [dict(zip(COLUMNS, record, strict=True)) for record in records],
        )
