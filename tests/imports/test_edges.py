"""Edges of an import: header problems, fields a kind does not take, moves, the runner's
loop and its handling of a failing import."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.dates import utcnow
from app.imports import runner as runner_module
from app.imports.engine import CHUNK
from app.imports.repository import ImportJobRepository
from app.imports.runner import ImportRunner
from tests.fixtures.assertions import day
from tests.fixtures.factories import Market, make_offer
from tests.imports.conftest import Upload, csv_bytes

Imported = Callable[..., Awaitable[dict[str, Any]]]


async def test_unknown_and_doubled_columns(imported: Imported, market: Market) -> None:
    rows = [["Titel", "Tittel", "title"], ["a", "b", "c"]]
    report = await imported(csv_bytes(rows), headers=market.a.headers)
    assert report["status"] == "failed"
    assert report["warnings"][0]["row"] == 1
    assert "did you mean Titel" in report["warnings"][0]["message"]
    assert report["errors"] == [
        {
            "row": 1,
            "column": "title",
            "message": "names the same field (title) as column 'Titel'; keep one of them",
        }
    ]


async def test_missing_and_forbidden_fields(imported: Imported, market: Market) -> None:
    rows = [
        ["organization_id", "products", "quantity", "needed_by", "status", "lat", "lon"],
        [market.a1.id, "mask.surgical", "5", day(30), "storniert", "48", "9"],
    ]
    report = await imported(csv_bytes(rows), headers=market.a.headers, kind="requests")
    messages = {error["column"]: error["message"] for error in report["errors"]}
    assert messages == {
        "title": "required: fill in column title",
        "status": "cannot be set on import of this kind; remove the column",
    }


async def test_an_offer_cannot_move_to_another_organisation(
    imported: Imported, client: httpx.AsyncClient, market: Market
) -> None:
    offer = await make_offer(client, market.a1)
    rows = [["id", "organization_id"], [offer["id"], market.a2.id]]
    report = await imported(csv_bytes(rows), headers=market.a.headers)
    assert report["errors"] == [
        {
            "row": 2,
            "column": "organization_id",
            "message": f"offer {offer['id']} belongs to {market.a1.id}",
        }
    ]


async def test_progress_is_reported_to_the_caller(
    upload: Any, app: FastAPI, market: Market
) -> None:
    rows = [["organization_id", "title", "skills", "capacity.per_week", "available_until"]]
    rows += [[market.a1.id, f"L{i}", "textile.sewing", "10", day(40)] for i in range(CHUNK + 50)]
    response = await upload(csv_bytes(rows), headers=market.a.headers)
    seen: list[tuple[int, int]] = []

    async def progress(done: int, total: int) -> None:
        seen.append((done, total))

    runner = ImportRunner(
        app.state.database.sessionmaker, taxonomy=app.state.taxonomy, max_rows=10 * CHUNK
    )
    assert await runner.run_once(response.json()["id"], progress=progress) is not None
    assert seen == [(CHUNK, CHUNK + 50), (CHUNK + 50, CHUNK + 50)]


async def test_a_failing_import_is_retried_then_failed(
    upload: Any,
    app: FastAPI,
    client: httpx.AsyncClient,
    market: Market,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr(runner_module, "run_import", broken)
    response = await upload(csv_bytes([["title"], ["x"]]), headers=market.a.headers)
    job_id = response.json()["id"]
    runner = ImportRunner(
        app.state.database.sessionmaker,
        taxonomy=app.state.taxonomy,
        max_rows=10,
        lease=timedelta(seconds=-1),
    )
    for _ in range(3):
        assert await runner.run_once() == job_id
    assert await runner.run_once() is None
    report = (await client.get(f"/v1/imports/{job_id}", headers=market.a.headers)).json()
    assert report["status"] == "failed"
    assert "failed on the server" in report["errors"][0]["message"]


async def test_a_report_does_not_read_the_file_only_the_runner_does(
    upload: Upload,
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """Reports are polled while a job runs: reading a 50 MB file each time slowed the
    import itself down. The file is deferred; the runner's claim loads it."""
    rows = [["title"], ["a"]]
    job = (await upload(csv_bytes(rows), headers=market.a.headers)).json()
    assert (await client.get(f"/v1/imports/{job['id']}", headers=market.a.headers)).is_success
    async with session_factory() as session:
        read = await ImportJobRepository(session).get(job["id"])
        assert read is not None
        assert "content" not in vars(read)
        now = utcnow()
        claimed = await ImportJobRepository(session).claim(
            worker="test", now=now, lease_until=now + timedelta(minutes=1), job_id=job["id"]
        )
        assert claimed is not None
        assert claimed.content is not None
        assert claimed.content.startswith(b"title")
        await session.rollback()
