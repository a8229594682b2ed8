"""Reading GeoNames postal-code files and loading them, replacing a country's rows."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.cli import main
from app.geo.gazetteer import (
    GazetteerFileError,
    PostalCodeRow,
    parse_row,
    read_file,
    replace_rows,
)
from app.geo.regions import REGIONS, iso_region
from app.geo.repository import PostalCodeRepository
from tests.geo.conftest import EVERY_STATE, FIXTURE

REUTLINGEN = (
    "DE\t72764\tReutlingen\tBaden-Württemberg\tBW\tTübingen Region\t084\tReutlingen\t08415"
    "\t48.4931\t9.2125\t4\n"
)


def test_parse_row_reads_the_twelve_columns() -> None:
    assert parse_row(REUTLINGEN) == PostalCodeRow(
        country="DE",
        postal_code="72764",
        place_name="Reutlingen",
        admin1_code="BW",
        admin1_name="Baden-Württemberg",
        region="DE-BW",
        lat=48.4931,
        lon=9.2125,
        accuracy=4,
    )


def test_parse_row_without_accuracy_or_state() -> None:
    row = parse_row(
        "CH\t5001\tAarau 1\tKanton Aargau\tAG\tBezirk Aarau\t1901\tAarau\t4001\t47.3888\t8.0483\t"
    )
    assert row is not None
    assert (row.region, row.accuracy) == ("CH-AG", None)
    row = parse_row("DE\t87491\tJungholz\t\t\t\t\t\t\t47.5667\t10.45\t4")
    assert row is not None
    assert (row.admin1_code, row.region) == (None, None)


def test_parse_row_skips_blank_lines_and_rejects_malformed_ones() -> None:
    assert parse_row("\n") is None
    with pytest.raises(ValueError, match="12 tab-separated columns"):
        parse_row("DE,72764,Reutlingen")
    with pytest.raises(ValueError, match="could not convert"):
        parse_row(REUTLINGEN.replace("48.4931", "north"))
    with pytest.raises(ValueError, match="country code and postal code are required"):
        parse_row(REUTLINGEN.replace("\t72764\t", "\t \t"))
    with pytest.raises(ValueError, match="country code and postal code are required"):
        parse_row(REUTLINGEN.replace("DE\t", "DEU\t", 1))


def test_read_file_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "XX.txt"
    path.write_text(REUTLINGEN + "broken\n", encoding="utf-8")
    with pytest.raises(GazetteerFileError, match=r"XX\.txt:2:"):
        read_file(path)


@pytest.mark.parametrize(
    ("country", "admin1", "region"),
    [
        ("DE", "BW", "DE-BW"),
        ("DE", "XX", None),
        ("AT", "01", "AT-1"),
        ("AT", "09", "AT-9"),
        ("AT", "10", None),
        ("CH", "ZH", "CH-ZH"),
        ("CH", "ai", "CH-AI"),
        ("FR", "11", None),
        ("DE", "", None),
    ],
)
def test_iso_region_maps_geonames_admin1(country: str, admin1: str, region: str | None) -> None:
    assert iso_region(country, admin1) == region


def test_fixture_covers_the_three_countries() -> None:
    rows = read_file(FIXTURE)
    assert set(Counter(row.country for row in rows)) == {"DE", "AT", "CH"}
    assert all(row.region is not None for row in rows)


async def test_loading_twice_replaces_the_country(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    rows = read_file(FIXTURE)
    async with session_factory() as session:
        repository = PostalCodeRepository(session)
        assert await replace_rows(session, rows) == len(rows)
        assert await repository.count() == len(rows)
        await replace_rows(session, rows)
        assert await repository.count() == len(rows)
        # Loading one country leaves the others alone.
        german = [row for row in rows if row.country == "DE"]
        await replace_rows(session, german[:2])
        assert await repository.count("DE") == 2
        assert await repository.count("AT") == sum(row.country == "AT" for row in rows)


def test_every_state_code_of_the_full_files_maps_to_a_known_region() -> None:
    expected = Counter(region.country for region in REGIONS)
    rows = read_file(EVERY_STATE)
    assert all(row.admin1_code for row in rows)
    for country in ("DE", "AT", "CH"):
        regions = {row.region for row in rows if row.country == country}
        assert None not in regions
        assert len(regions) == expected[country]
    assert {row.region for row in rows} == {region.code for region in REGIONS}


def test_cli_loads_files_idempotently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CAPMATCH_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'g.db'}")
    assert main(["migrate"]) == 0
    assert main(["gazetteer", "load", str(FIXTURE)]) == 0
    assert main(["gazetteer", "load", str(FIXTURE)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    count = len(read_file(FIXTURE))
    assert len(lines) == 2
    assert all(f"{count} rows (AT, CH, DE)" in line for line in lines)
    with sqlite3.connect(tmp_path / "g.db") as db:
        assert db.execute("SELECT count(*) FROM postal_codes").fetchone() == (count,)
    assert main(["gazetteer", "load", str(tmp_path / "missing.txt")]) == 1
