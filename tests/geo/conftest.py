from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.geo.gazetteer import read_file, replace_rows

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "postal_codes.txt"
# The full GeoNames samples next to the repository (absent in a fresh clone).
SHARED_GEONAMES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "geonames"


@pytest.fixture
async def gazetteer(session_factory: async_sessionmaker[AsyncSession]) -> int:
    """The committed sample rows (DE, AT, CH) loaded inside the test's transaction."""
    async with session_factory() as session:
        count = await replace_rows(session, read_file(FIXTURE))
        await session.commit()
    return count
