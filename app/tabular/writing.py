"""Export files, written as the rows are read (API.md "Exports").

CSV and GeoJSON are streamed chunk by chunk: memory stays flat in the row count. XLSX
cannot be sent before its last zip entry is written, so it goes through xlsxwriter's
constant-memory mode into a temporary file that is then streamed and deleted.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import tempfile
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import aclosing
from datetime import date
from typing import Any, Literal

import xlsxwriter

from app.core.sql import CELL_SEPARATOR
from app.tabular.columns import COLUMNS, Kind

ExportFormat = Literal["csv", "xlsx", "geojson"]
HeaderStyle = Literal["fields", "german"]
# A cell as the database hands it: several codes are one text joined by "; " (SQL joins
# them: an export of a million rows is formatted where the rows are).
Cell = str | int | float | date | None
# One row: its cells in ``COLUMNS[kind]`` order (the id first).
ExportRow = Sequence[Cell]

MEDIA_TYPES: dict[ExportFormat, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}
# An XLSX sheet holds 1,048,576 rows, the header included.
XLSX_MAX_ROWS = 1_048_575
FILE_BLOCK = 256 * 1024

# Closed by whoever reads them (``aclosing``): the reader holds a database session.
Chunks = AsyncGenerator[Sequence[ExportRow]]


class TooManyRows(Exception):
    """More rows than an XLSX sheet holds."""


def header(kind: Kind, style: HeaderStyle) -> list[str]:
    return [column.german if style == "german" else column.field for column in COLUMNS[kind]]


async def csv_stream(names: list[str], chunks: Chunks) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(names)
    yield buffer.getvalue().encode()
    async with aclosing(chunks):
        async for chunk in chunks:
            if chunk and len(chunk[0]) == 1:  # lines the database formatted (every kind
                # has several columns): as Python's csv would have written them
                yield ("\r\n".join(row[0] for row in chunk) + "\r\n").encode()  # type: ignore[misc]
                continue
            buffer.seek(0)
            buffer.truncate()
            # csv writes None as an empty cell and a date as str() does: ISO 8601.
            writer.writerows(chunk)
            yield buffer.getvalue().encode()


async def geojson_stream(kind: Kind, chunks: Chunks) -> AsyncIterator[bytes]:
    """A FeatureCollection of Points (RFC 7946: lon, lat); the other columns are the
    properties, named by field, codes as arrays. No coordinates: a null geometry."""
    columns = COLUMNS[kind]
    fields = [column.field for column in columns]
    lat, lon = fields.index("location.lat"), fields.index("location.lon")
    kept = [
        (i, column.field, column.multi) for i, column in enumerate(columns) if i not in (lat, lon)
    ]
    yield b'{"type":"FeatureCollection","features":['
    separator = b""
    async with aclosing(chunks):
        async for chunk in chunks:
            features = [_feature(row, kept, lat, lon) for row in chunk]
            if features:
                yield separator + ",".join(features).encode()
                separator = b","
    yield b"]}"


def _feature(row: ExportRow, kept: list[tuple[int, str, bool]], lat: int, lon: int) -> str:
    point = (
        {"type": "Point", "coordinates": [row[lon], row[lat]]}
        if row[lon] is not None and row[lat] is not None
        else None
    )
    properties = {field: _json_value(row[i], multi) for i, field, multi in kept}
    feature = {"type": "Feature", "id": row[0], "geometry": point, "properties": properties}
    return json.dumps(feature, ensure_ascii=False, separators=(",", ":"))


def _json_value(value: Cell, multi: bool) -> Any:
    if multi:
        return str(value).split(CELL_SEPARATOR) if value else []
    return value.isoformat() if isinstance(value, date) else value


async def xlsx_file(names: list[str], chunks: Chunks, *, sheet: str) -> str:
    """Write the rows into a temporary XLSX file and return its path (the caller deletes
    it). Raises ``TooManyRows`` (and deletes the file) past one sheet's rows."""
    handle, path = tempfile.mkstemp(prefix="capmatch-export-", suffix=".xlsx")
    os.close(handle)
    try:
        workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_numbers": False})
        worksheet = workbook.add_worksheet(sheet)
        dates = workbook.add_format({"num_format": "yyyy-mm-dd"})
        worksheet.write_row(0, 0, names, workbook.add_format({"bold": True}))
        worksheet.freeze_panes(1, 0)
        written = 0
        async with aclosing(chunks):
            async for chunk in chunks:
                if written + len(chunk) > XLSX_MAX_ROWS:
                    raise TooManyRows
                # CPU-bound: off the event loop, a chunk at a time (rows stay in order).
                await asyncio.to_thread(_write_rows, worksheet, written + 1, chunk, dates)
                written += len(chunk)
        await asyncio.to_thread(workbook.close)
    except BaseException:
        os.unlink(path)
        raise
    return path


def _write_rows(worksheet: Any, first: int, chunk: Sequence[ExportRow], dates: Any) -> None:
    for offset, row in enumerate(chunk):
        for column, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, date):
                worksheet.write_datetime(first + offset, column, value, dates)
            elif isinstance(value, str):
                worksheet.write_string(first + offset, column, value)
            else:
                worksheet.write_number(first + offset, column, value)


async def file_stream(path: str) -> AsyncIterator[bytes]:
    """The file's bytes in blocks; the file is deleted once sent (or the client left)."""
    try:
        with open(path, "rb") as file:  # noqa: ASYNC230 - local temp file, blocks of 256 kB
            while block := file.read(FILE_BLOCK):
                yield block
    finally:
        os.unlink(path)
