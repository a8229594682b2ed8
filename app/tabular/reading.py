"""A CSV or XLSX file -> a header and its data rows, refusing what would take too long.

CSV: UTF-8 (with or without BOM) or Windows-1252, ``,`` or ``;`` (or tab) delimited,
sniffed from the first lines. XLSX: read with python-calamine, which reads cached values
of formulas and runs nothing. An XLSX is a zip: before calamine inflates anything, the
zip's directory is checked (total inflated size, compression ratio) so a zip bomb is
refused in milliseconds; a sheet whose used range is longer than ``max_rows`` (a million
formatted empty rows) is refused before its cells are converted.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

FileFormat = Literal["csv", "xlsx"]
Cell = str | int | float | bool | date | datetime | time | timedelta | None
Row = tuple[Cell, ...]

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A spreadsheet's XML compresses about 10-30 times; far beyond that is a bomb.
MAX_COMPRESSION_RATIO = 200
MAX_INFLATED_BYTES = 500_000_000
FIRST_SHEET = "xl/worksheets/sheet1.xml"
_DIMENSION = re.compile(r'<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"')


class UnreadableFile(ValueError):
    """The file cannot be read as a table; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Table:
    header: list[str]
    # Data rows; rows[i] is spreadsheet row i + 2. Tuples of plain values, which the
    # garbage collector stops tracking: an import keeps 100k of them alive for its whole
    # run, and lists would be walked again by every full collection.
    rows: list[Row]


def detect_format(content: bytes, *, filename: str | None, media_type: str | None) -> FileFormat:
    """XLSX by its zip signature (whatever the name says), else CSV."""
    if content.startswith(b"PK\x03\x04"):
        return "xlsx"
    if media_type == XLSX_MEDIA_TYPE or (filename or "").lower().endswith((".xlsx", ".xlsm")):
        raise UnreadableFile("the file is not a valid XLSX workbook; save it again as .xlsx")
    return "csv"


def read_table(content: bytes, file_format: FileFormat, *, max_rows: int) -> Table:
    rows = _read_xlsx(content, max_rows) if file_format == "xlsx" else _read_csv(content)
    while rows and _blank(rows[-1]):
        rows.pop()
    if not rows or _blank(rows[0]):
        raise UnreadableFile("the file has no header row: put the column names in row 1")
    header = ["" if cell is None else str(cell).strip() for cell in rows[0]]
    data = rows[1:]
    if len(data) > max_rows:
        raise UnreadableFile(
            f"the file has {len(data)} data rows; at most {max_rows} per import: split it"
        )
    return Table(header=header, rows=data)


def _blank(row: Sequence[Cell]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row)


def decode_text(content: bytes) -> str:
    """UTF-8 (a BOM is dropped), else Windows-1252 (what Excel on Windows writes)."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            "the file is neither UTF-8 nor Windows-1252 text; save it as CSV UTF-8"
        ) from exc


def sniff_delimiter(text: str) -> str:
    """The delimiter the header line uses most: ``;`` (German Excel), ``,`` or tab."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {delimiter: first.count(delimiter) for delimiter in (";", ",", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _read_csv(content: bytes) -> list[Row]:
    text = decode_text(content)
    if "\x00" in text:
        raise UnreadableFile("the file holds binary data, not CSV text; upload CSV or XLSX")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        return [tuple([cell if cell.strip() else None for cell in row]) for row in reader]
    except csv.Error as exc:
        raise UnreadableFile(f"the CSV is malformed ({exc}); check its quotes") from exc


def check_zip(content: bytes, *, max_rows: int) -> None:
    """Refuse a zip that would inflate to far more than any real spreadsheet (a bomb), and a
    first sheet whose declared range (``<dimension ref="A1:K1000000">``, in the first bytes
    of its XML) is longer than ``max_rows``: neither is inflated beyond a few kilobytes."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
            _check_ratios(infos)
            if FIRST_SHEET in archive.namelist():
                with archive.open(FIRST_SHEET) as sheet:
                    head = sheet.read(4096).decode("utf-8", "replace")
                declared = _DIMENSION.search(head)
                if declared and int(declared.group(1)) > max_rows + 1:
                    raise UnreadableFile(_too_long(int(declared.group(1)), max_rows))
    except zipfile.BadZipFile as exc:
        raise UnreadableFile("the XLSX file is damaged (not a valid zip); save it again") from exc


def _too_long(rows: int, max_rows: int) -> str:
    return (
        f"the first sheet spans {rows} rows (at most {max_rows + 1} with the header);"
        " delete the empty or formatted rows below your data, or split the file"
    )


def _check_ratios(infos: list[zipfile.ZipInfo]) -> None:
    inflated = sum(info.file_size for info in infos)
    if inflated > MAX_INFLATED_BYTES:
        raise UnreadableFile(
            f"the XLSX would unpack to {inflated} bytes (at most {MAX_INFLATED_BYTES}); "
            "this looks like a zip bomb, not a spreadsheet"
        )
    for info in infos:
        ratio = info.file_size / info.compress_size if info.compress_size else 0
        if ratio > MAX_COMPRESSION_RATIO:
            raise UnreadableFile(
                f"the XLSX part {info.filename} is compressed {int(ratio)} times; "
                "this looks like a zip bomb, not a spreadsheet"
            )


def _read_xlsx(content: bytes, max_rows: int) -> list[Row]:
    from python_calamine import CalamineError, CalamineWorkbook

    check_zip(content, max_rows=max_rows)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        if not workbook.sheet_names:
            raise UnreadableFile("the workbook has no sheet")
        sheet = workbook.get_sheet_by_index(0)
    except CalamineError as exc:
        raise UnreadableFile(f"the XLSX file cannot be read ({exc}); save it again") from exc
    # The used range counts formatted empty rows too: refuse before converting them.
    if sheet.height > max_rows + 1:
        raise UnreadableFile(_too_long(sheet.height, max_rows))
    return [
        tuple([None if cell == "" else cell for cell in row])
        for row in sheet.to_python(skip_empty_area=False)
    ]
