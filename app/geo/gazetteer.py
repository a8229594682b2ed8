"""The gazetteer: GeoNames postal-code files in, coordinates and regions out.

Files are the GeoNames postal-code exports (12 tab-separated columns, no header;
https://download.geonames.org/export/zip/). Loading a file replaces the rows of
the countries it contains, in one transaction, so loading twice is harmless.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import astuple, dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.geo.regions import iso_region
from app.geo.repository import PostalCodeRepository, Record

COLUMN_COUNT = 12


class GazetteerFileError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class PostalCodeRow:
    country: str
    postal_code: str
    place_name: str
    admin1_code: str | None
    admin1_name: str | None
    region: str | None
    lat: float
    lon: float
    accuracy: int | None


def parse_row(line: str) -> PostalCodeRow | None:
    """One line of a GeoNames postal-code file; None for a blank line, ValueError if malformed."""
    line = line.rstrip("\r\n")
    if not line.strip():
        return None
    fields = line.split("\t")
    if len(fields) != COLUMN_COUNT:
        raise ValueError(f"expected {COLUMN_COUNT} tab-separated columns, found {len(fields)}")
    country = fields[0].strip().upper()
    postal_code = fields[1].strip()
    if len(country) != 2 or not postal_code:
        raise ValueError("country code and postal code are required")
    admin1_code = fields[4].strip() or None
    accuracy = fields[11].strip()
    return PostalCodeRow(
        country=country,
        postal_code=postal_code,
        place_name=fields[2].strip()[:180],
        admin1_code=admin1_code,
        admin1_name=fields[3].strip() or None,
        region=iso_region(country, admin1_code) if admin1_code else None,
        lat=float(fields[9]),
        lon=float(fields[10]),
        accuracy=int(accuracy) if accuracy else None,
    )


def read_file(path: Path) -> list[PostalCodeRow]:
    """All rows of a file; GazetteerFileError names the first bad line."""
    rows = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                row = parse_row(line)
            except ValueError as exc:
                raise GazetteerFileError(f"{path}:{number}: {exc}") from exc
            if row is not None:
                rows.append(row)
    return rows


async def replace_rows(session: AsyncSession, rows: list[PostalCodeRow]) -> int:
    """Replace the gazetteer rows of every country in ``rows`` by ``rows``; never commits."""
    records: list[Record] = [astuple(row) for row in rows]
    await PostalCodeRepository(session).replace_countries({row.country for row in rows}, records)
    return len(records)


@dataclass(frozen=True, slots=True)
class LoadResult:
    path: Path
    rows: int
    countries: tuple[str, ...]
    seconds: float


async def load_files(
    sessionmaker: async_sessionmaker[AsyncSession], paths: Iterable[Path]
) -> list[LoadResult]:
    """Load each file in its own transaction (parse in a thread, then replace its countries)."""
    results = []
    for path in paths:
        started = time.perf_counter()
        rows = await asyncio.to_thread(read_file, path)
        async with sessionmaker.begin() as session:
            count = await replace_rows(session, rows)
        results.append(
            LoadResult(
                path=path,
                rows=count,
                countries=tuple(sorted({row.country for row in rows})),
                seconds=time.perf_counter() - started,
            )
        )
    return results
