"""Files to tables: encodings, delimiters, XLSX."""

from __future__ import annotations

import pytest

from app.tabular.reading import UnreadableFile, detect_format, read_table
from tests.imports.conftest import xlsx_bytes


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_encodings_and_delimiters(encoding: str, delimiter: str) -> None:
    text = f'Titel{delimiter}Fähigkeiten\r\nNählinie{delimiter}"Nähen; Zuschnitt"\r\n\r\n'
    table = read_table(text.encode(encoding), "csv", max_rows=10)
    assert table.header == ["Titel", "Fähigkeiten"]
    assert table.rows == [("Nählinie", "Nähen; Zuschnitt")]


def test_xlsx_typed_cells_and_format_by_signature() -> None:
    content = xlsx_bytes([["Titel", "Menge"], ["A", 5], [None, None]])
    assert detect_format(content, filename="upload.csv", media_type="text/csv") == "xlsx"
    table = read_table(content, "xlsx", max_rows=10)
    assert table.rows == [("A", 5.0)]


def test_limits_and_damaged_files() -> None:
    with pytest.raises(UnreadableFile, match="at most 1 per import"):
        read_table(b"a\n1\n2\n", "csv", max_rows=1)
    with pytest.raises(UnreadableFile, match="header"):
        read_table(b"\n\n", "csv", max_rows=1)
    with pytest.raises(UnreadableFile, match="not a valid XLSX"):
        detect_format(b"garbage", filename="x.xlsx", media_type=None)
    with pytest.raises(UnreadableFile, match="damaged"):
        read_table(b"PK\x03\x04garbage", "xlsx", max_rows=1)
