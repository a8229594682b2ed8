"""What an import refuses, and how fast: size limit, zip bombs, endless empty rows."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import xlsxwriter

from app.tabular.reading import UnreadableFile, read_table
from tests.fixtures.assertions import assert_problem
from tests.fixtures.factories import Market
from tests.imports.conftest import csv_bytes

Imported = Callable[..., Awaitable[dict[str, Any]]]


async def test_file_over_the_limit_is_413(upload: Any, app: Any, market: Market) -> None:
    app.state.settings = app.state.settings.model_copy(update={"max_import_bytes": 1000})
    content = csv_bytes([["title"], *[["x" * 50] for _ in range(40)]])
    response = await upload(content, headers=market.a.headers)
    assert_problem(response, 413)
    response = await upload(content, headers=market.a.headers, multipart=False)
    assert_problem(response, 413)


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 50_000_000)
    return buffer.getvalue()


def empty_rows_xlsx(rows: int, *, declared: bool = True) -> bytes:
    """A workbook whose first sheet has ``rows`` formatted empty rows below its header (as
    Excel writes after formatting whole columns), built straight as XML for speed."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.add_worksheet().write_row(0, 0, ["title", "skills"])
    workbook.close()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                blank = "".join(
                    f'<row r="{n}"><c r="A{n}" s="0"/></row>' for n in range(2, rows + 2)
                )
                text = data.decode().replace(
                    "</row></sheetData>", "</row>" + blank + "</sheetData>"
                )
                if declared:
                    text = text.replace(
                        '<dimension ref="A1:B1"/>', f'<dimension ref="A1:B{rows + 1}"/>'
                    )
                data = text.encode()
            archive.writestr(info.filename, data)
    return out.getvalue()


def test_zip_bomb_is_refused_fast() -> None:
    content = zip_bomb()
    started = time.perf_counter()
    with pytest.raises(UnreadableFile, match="zip bomb"):
        read_table(content, "xlsx", max_rows=1000)
    assert time.perf_counter() - started < 1.0


def test_a_million_empty_rows_are_refused_fast() -> None:
    content = empty_rows_xlsx(1_000_000)
    started = time.perf_counter()
    with pytest.raises(UnreadableFile, match="empty or formatted rows"):
        read_table(content, "xlsx", max_rows=200_000)
    assert time.perf_counter() - started < 0.5


def test_empty_rows_without_a_declared_range_read_as_no_rows() -> None:
    # calamine skips formatted empty cells: the used range is the header alone.
    table = read_table(empty_rows_xlsx(100_000, declared=False), "xlsx", max_rows=1000)
    assert (table.header, table.rows) == (["title", "skills"], [])


async def test_refused_file_fails_the_job_with_a_clear_error(
    imported: Imported, client: httpx.AsyncClient, market: Market
) -> None:
    report = await imported(zip_bomb(), headers=market.a.headers, as_xlsx=True)
    assert report["status"] == "failed"
    assert "zip bomb" in report["errors"][0]["message"]
