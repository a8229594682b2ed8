from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.geo.gazetteer import read_file, replace_rows

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "postal_codes.txt"
# One row of the GeoNames exports (DE, AT, CH; geonames.org, CC BY 4.0) for every
# state and canton code they use: every admin1 code of the full files, in the repository.
EVERY_STATE = Path(__file__).resolve().parent / "fixtures" / "admin1.txt"


@pytest.fixture
async def gazetteer(session_factory: async_sessionmaker[AsyncSession]) -> int:
    """The committed sample rows (DE, AT, CH) loaded inside the test's transaction."""
    async with session_factory() as session:
        count = await replace_rows(session, read_file(FIXTURE))
        await session.commit()
    return count
