"""Helpers of the imports tests: upload a file, run the queued jobs, read the report."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import httpx
import pytest
import xlsxwriter
from fastapi import FastAPI

from app.imports.runner import ImportRunner
from app.tabular.reading import XLSX_MEDIA_TYPE

# The columns of a minimal offer row naming its owner by id.
OFFER_COLUMNS = [
    "external_ref",
    "organization_id",
    "title",
    "skills",
    "capacity.per_week",
    "available_until",
]


def csv_bytes(
    rows: Sequence[Sequence[Any]], *, delimiter: str = ",", encoding: str = "utf-8"
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerows([["" if cell is None else str(cell) for cell in row] for row in rows])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(
    rows: Sequence[Sequence[Any]], *, formulas: dict[str, tuple[str, Any]] | None = None
) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet()
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if cell is not None:
                sheet.write(r, c, cell)
    for where, (formula, value) in (formulas or {}).items():
        sheet.write_formula(where, formula, None, value)
    workbook.close()
    return buffer.getvalue()


Upload = Callable[..., Awaitable[httpx.Response]]
RunJobs = Callable[..., Awaitable[list[str]]]


@pytest.fixture
def upload(client: httpx.AsyncClient) -> Upload:
    async def post(
        content: bytes,
        *,
        headers: dict[str, str],
        kind: str = "offers",
        as_xlsx: bool = False,
        multipart: bool = True,
        **params: Any,
    ) -> httpx.Response:
        query = {
            "kind": kind,
            **{k: str(v).lower() if isinstance(v, bool) else v for k, v in params.items()},
        }
        media = XLSX_MEDIA_TYPE if as_xlsx else "text/csv"
        name = "list.xlsx" if as_xlsx else "list.csv"
        if multipart:
            return await client.post(
                "/v1/imports", params=query, files={"file": (name, content, media)}, headers=headers
            )
        return await client.post(
            "/v1/imports",
            params=query,
            content=content,
            headers={**headers, "Content-Type": media},
        )

    return post


@pytest.fixture
def run_jobs(app: FastAPI) -> RunJobs:
    async def run(**options: Any) -> list[str]:
        runner = ImportRunner(
            app.state.database.sessionmaker,
            taxonomy=app.state.taxonomy,
            max_rows=options.pop("max_rows", app.state.settings.max_import_rows),
            **options,
        )
        ran = []
        while (job_id := await runner.run_once()) is not None:
            ran.append(job_id)
        return ran

    return run


@pytest.fixture
def imported(
    upload: Upload, run_jobs: RunJobs, client: httpx.AsyncClient
) -> Callable[..., Awaitable[dict[str, Any]]]:
    """Upload, run the runner until idle, return the finished report."""

    async def go(content: bytes, *, headers: dict[str, str], **params: Any) -> dict[str, Any]:
        response = await upload(content, headers=headers, **params)
        assert response.status_code == 202, response.text
        assert response.json()["status"] == "queued"
        await run_jobs()
        report = await client.get(f"/v1/imports/{response.json()['id']}", headers=headers)
        assert report.status_code == 200, report.text
        body: dict[str, Any] = report.json()
        return body

    return go
