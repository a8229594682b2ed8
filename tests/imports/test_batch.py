"""New offers and requests are created a chunk at a time (app/imports/batch.py); the
report must read as if each row had been applied in file order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Table, text
from sqlalchemy.exc import IntegrityError

from app.imports import runner
from app.imports.engine import CHUNK
from app.imports.repository import ImportJobRepository
from app.imports.targets import TARGETS
from tests.fixtures.assertions import day
from tests.fixtures.factories import Market, make_offer
from tests.imports.conftest import OFFER_COLUMNS, csv_bytes

Imported = Callable[..., Awaitable[dict[str, Any]]]
HEADER = OFFER_COLUMNS


async def offers_by_ref(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/offers", params=params, headers=headers)).json()
        found.update({offer["external_ref"]: offer for offer in page["data"]})
        if not page["has_more"]:
            return found
        cursor = page["next_cursor"]


async def test_a_later_row_changes_what_an_earlier_row_of_the_chunk_created(
    imported: Imported, client: httpx.AsyncClient, market: Market
) -> None:
    org = market.a1.id
    content = csv_bytes(
        [
            HEADER,
            ["R-1", org, "First", "textile.sewing", "100", day(60)],
            ["R-2", org, "Second", "textile.sewing", "200", day(60)],
            ["R-1", org, "First, renamed", "textile.sewing", "150", day(60)],
            ["R-3", org, "Third", "textile.sewing", "300", day(60)],
        ]
    )
    report = await imported(content, headers=market.a.headers)
    assert (report["created"], report["updated"], report["errors"]) == (3, 1, []), report["errors"]
    offers = await offers_by_ref(client, market.a.headers)
    assert sorted(offers) == ["R-1", "R-2", "R-3"]
    assert offers["R-1"]["title"] == "First, renamed"
    assert offers["R-1"]["capacity"]["per_week"] == 150


async def test_refused_rows_of_a_chunk_are_reported_at_their_rows(
    imported: Imported, client: httpx.AsyncClient, market: Market
) -> None:
    taken = await make_offer(client, market.a1, external_ref="TAKEN")
    rows = [HEADER]
    rows += [
        [f"OK-{i}", market.a1.id, f"Line {i}", "textile.sewing", "10", day(60)] for i in range(5)
    ]
    rows.insert(3, ["NEW-PAST", market.a1.id, "Past", "textile.sewing", "10", day(-3)])
    rows.insert(5, ["NEW-FOREIGN", market.b1.id, "Foreign", "textile.sewing", "10", day(60)])
    rows.insert(6, ["NEW-CODE", market.a1.id, "Code", "textile.sewingg", "10", day(60)])
    report = await imported(csv_bytes(rows), headers=market.a.headers, on_error="skip")
    assert (report["created"], report["skipped"]) == (5, 3), report
    errors = {e["row"]: (e["column"], e["message"]) for e in report["errors"]}
    assert errors[4] == ("available_until", "lies in the past")
    assert errors[6][0] is None
    assert market.b1.id in errors[6][1]
    assert errors[7][0] == "skills"
    assert "closest codes" in errors[7][1]
    offers = await offers_by_ref(client, market.a.headers)
    assert sorted(offers) == ["OK-0", "OK-1", "OK-2", "OK-3", "OK-4", "TAKEN"]
    assert offers["TAKEN"]["id"] == taken["id"]


async def test_chunks_follow_each_other(
    imported: Imported, client: httpx.AsyncClient, market: Market
) -> None:
    count = CHUNK + 7
    rows = [HEADER]
    rows += [
        [f"C-{i}", market.a1.id, f"Line {i}", "textile.sewing", "10", day(60)] for i in range(count)
    ]
    report = await imported(csv_bytes(rows), headers=market.a.headers)
    assert (report["created"], report["errors"]) == (count, []), report
    again = await imported(csv_bytes(rows), headers=market.a.headers)
    assert (again["unchanged"], again["created"]) == (count, 0), again
    created: list[str] = []
    params: dict[str, Any] = {"types": "offer.created", "limit": 100}
    while True:
        page = (await client.get("/v1/events", params=params, headers=market.a.headers)).json()
        created += [event["data"]["object"]["external_ref"] for event in page["data"]]
        if not page["has_more"]:
            break
        params["after"] = page["next_cursor"]
    assert sorted(created) == sorted(f"C-{i}" for i in range(count))


async def test_a_chunk_the_database_refuses_is_applied_row_by_row(
    imported: Imported,
    client: httpx.AsyncClient,
    market: Market,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another writer takes a reference between the chunk's lookups and its insert: the
    chunk's savepoint rolls back and its rows go one by one, each reported on its own."""
    target = TARGETS["offers"]
    create_many = target.create_many
    calls = 0

    async def racing(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        await create_many(*args, **kwargs)
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    monkeypatch.setattr(target, "create_many", racing)
    rows = [HEADER]
    rows += [
        [f"F-{i}", market.a1.id, f"Line {i}", "textile.sewing", "10", day(60)] for i in range(3)
    ]
    rows.append(["F-past", market.a1.id, "Past", "textile.sewing", "10", day(-1)])
    report = await imported(csv_bytes(rows), headers=market.a.headers, on_error="skip")
    assert calls == 1
    assert (report["created"], report["skipped"]) == (3, 1), report
    assert [e["row"] for e in report["errors"]] == [5]
    assert sorted(await offers_by_ref(client, market.a.headers)) == ["F-0", "F-1", "F-2"]


async def test_a_reference_taken_behind_the_imports_back_is_a_row_error(
    imported: Imported,
    client: httpx.AsyncClient,
    market: Market,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Lookups that see nothing (another writer took the reference after them): the unique
    index refuses the chunk, then that one row, which is reported; the others land."""
    from app.organizations import acting

    await make_offer(client, market.a1, external_ref="TAKEN")

    async def sees_nothing(*_args: Any, **_kwargs: Any) -> dict[Any, str]:
        return {}

    monkeypatch.setattr(TARGETS["offers"], "ids_of_refs", sees_nothing)
    monkeypatch.setattr(acting, "refs_in_use", sees_nothing)
    rows = [HEADER]
    rows += [
        [f"G-{i}", market.a1.id, f"Line {i}", "textile.sewing", "10", day(60)] for i in range(2)
    ]
    rows.append(["TAKEN", market.a1.id, "Again", "textile.sewing", "10", day(60)])
    report = await imported(csv_bytes(rows), headers=market.a.headers, on_error="skip")
    assert (report["created"], report["skipped"]) == (2, 1), report
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(4, "external_ref")]
    assert sorted(await offers_by_ref(client, market.a.headers)) == ["G-0", "G-1", "TAKEN"]


def _mixed_file(market: Market) -> bytes:
    """New rows, a row changing what an earlier row created, refused rows."""
    org = market.a1.id
    rows = [HEADER]
    rows += [[f"D-{i}", org, f"Line {i}", "textile.sewing", "10", day(60)] for i in range(4)]
    rows.insert(2, ["D-1", org, "Before its row", "textile.sewing", "20", day(60)])
    rows.insert(3, ["D-0", org, "Renamed", "textile.sewing", "10", day(60)])
    rows.append(["D-past", org, "Past", "textile.sewing", "10", day(-1)])
    rows.append(["D-code", org, "Code", "textile.sewingg", "10", day(60)])
    return csv_bytes(rows)


async def test_a_dry_run_reports_exactly_what_the_real_run_then_does(
    imported: Imported,
    client: httpx.AsyncClient,
    market: Market,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A dry run writes only chunks with a row that a later row changes again (rolled
    back at the end); the rest is checked without writing. The report is the same."""
    target = TARGETS["offers"]
    create_many = target.create_many
    writings: list[str] = []

    async def recording(*args: Any, **kwargs: Any) -> Any:
        writings.append(args[4])
        return await create_many(*args, **kwargs)

    monkeypatch.setattr(target, "create_many", recording)
    keys = ("created", "updated", "unchanged", "skipped", "errors")
    dry = await imported(
        _mixed_file(market), headers=market.a.headers, on_error="skip", dry_run=True
    )
    assert set(writings) == {"none", "insert"}, writings
    assert await offers_by_ref(client, market.a.headers) == {}
    events = await client.get("/v1/events?types=offer.*", headers=market.a.headers)
    assert events.json()["data"] == []
    writings.clear()
    real = await imported(_mixed_file(market), headers=market.a.headers, on_error="skip")
    assert set(writings) == {"insert"}
    assert {key: dry[key] for key in keys} == {key: real[key] for key in keys}
    assert (real["created"], real["updated"], real["skipped"]) == (4, 2, 2), real
    offers = await offers_by_ref(client, market.a.headers)
    assert (offers["D-0"]["title"], offers["D-1"]["title"]) == ("Renamed", "Line 1")


async def test_an_import_that_wrote_many_rows_refreshes_the_planner_statistics(
    imported: Imported,
    market: Market,
    app: FastAPI,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    refreshed: list[str] = []
    refresh = ImportJobRepository.refresh_statistics

    async def recording(self: ImportJobRepository, table: Table) -> None:
        refreshed.append(table.name)
        await refresh(self, table)

    monkeypatch.setattr(ImportJobRepository, "refresh_statistics", recording)
    monkeypatch.setattr(runner, "STATISTICS_AFTER_ROWS", 3)
    org = market.a1.id
    rows = [[f"S-{i}", org, "Line", "textile.sewing", "10", day(60)] for i in range(4)]
    await imported(csv_bytes([HEADER, *rows[:2]]), headers=market.a.headers)
    assert refreshed == []
    await imported(
        csv_bytes([HEADER, *rows[2:], ["S-5", org, "L", "plastics", "1", day(9)]]),
        headers=market.a.headers,
    )
    assert refreshed == ["offers"]
    if app.state.database.engine.dialect.name == "postgresql":
        async with app.state.database.sessionmaker() as session:
            counted = await session.scalar(
                text("SELECT reltuples FROM pg_class WHERE relname = 'offers'")
            )
        assert (counted or 0) >= 3

    async def failing(self: ImportJobRepository, table: Table) -> None:
        raise OSError("connection lost")

    monkeypatch.setattr(ImportJobRepository, "refresh_statistics", failing)
    more = [[f"T-{i}", org, "Line", "textile.sewing", "10", day(60)] for i in range(3)]
    report = await imported(csv_bytes([HEADER, *more]), headers=market.a.headers)
    assert (report["status"], report["created"]) == ("succeeded", 3)
    assert "could not refresh the statistics of offers" in caplog.text
