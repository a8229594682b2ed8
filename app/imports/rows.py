"""From a table's header and cells to the API's field values, row by row.

Headers are matched by field name, German label or alias (``app.tabular.columns``);
taxonomy cells take codes or English/German labels. Every problem becomes a ``RowError``
naming the spreadsheet row (header = 1) and the file's own column header.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.imports.schemas import RowError, RowWarning
from app.tabular.cells import CellError, parse_cell
from app.tabular.columns import Column, Kind, column_index, header_key
from app.tabular.reading import Cell
from app.taxonomy.codes import CodeKind
from app.taxonomy.vocabulary import Taxonomy

HEADER_ROW = 1
CODE_KINDS: Mapping[str, CodeKind] = {
    "skills": "skill",
    "products": "product",
    "certifications": "certification",
    "required_certifications": "certification",
    "preferred_certifications": "certification",
}
# Columns that say which object a row is, not what it holds.
REFERENCES = frozenset({"id", "organization_id", "organization_external_ref"})


def row_number(index: int) -> int:
    """Spreadsheet numbering of data row ``index`` (0-based): the header is row 1."""
    return index + HEADER_ROW + 1


@dataclass(slots=True)
class Header:
    positions: dict[int, Column] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # field -> header as written
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)

    def column_of(self, field_path: str) -> str:
        """The file's header of a field (or of its parent: ``capacity`` for its parts)."""
        if field_path in self.names:
            return self.names[field_path]
        prefix = field_path + "."
        for name, header in self.names.items():
            if name.startswith(prefix):
                return header
        return field_path


def map_header(kind: Kind, header: Sequence[str]) -> Header:
    index = column_index(kind)
    known = sorted({name for column in index.values() for name in column.names})
    mapped = Header()
    for position, name in enumerate(header):
        if not name:
            continue
        column = index.get(header_key(name))
        if column is None:
            close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            mapped.warnings.append(
                RowWarning(row=HEADER_ROW, column=name, message=f"unknown column, ignored{hint}")
            )
            continue
        if column.field in mapped.names:
            mapped.errors.append(
                RowError(
                    row=HEADER_ROW,
                    column=name,
                    message=f"names the same field ({column.field}) as column "
                    f"'{mapped.names[column.field]}'; keep one of them",
                )
            )
            continue
        mapped.positions[position] = column
        mapped.names[column.field] = name
    return mapped


class CodeReader:
    """Taxonomy words -> codes: a code, or a term's English or German label, any case."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self.words: dict[CodeKind, dict[str, str]] = {}
        for kind, terms in taxonomy.terms.items():
            words: dict[str, str] = {}
            for code, term in terms.items():
                for word in (term.label_en, term.label_de):
                    words.setdefault(word.casefold(), code)
                words[code.casefold()] = code
            self.words[kind] = words

    def codes(self, kind: CodeKind, words: list[str]) -> tuple[list[str], list[str]]:
        """The codes, and a message per word that is no code or label."""
        codes: list[str] = []
        problems: list[str] = []
        for word in words:
            code = self.words[kind].get(word.casefold())
            if code is not None:
                codes.append(code)
                continue
            closest = self.taxonomy.closest(kind, word.lower())
            hint = f"; closest codes: {', '.join(closest)}" if closest else ""
            problems.append(f"unknown {kind} '{word}'{hint} (see GET /v1/taxonomy)")
        return list(dict.fromkeys(codes)), problems


@dataclass(slots=True)
class RowInput:
    row: int
    values: dict[str, Any]  # field path -> value, only for non-empty cells
    errors: list[RowError]

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if isinstance(value, str) else None


def read_row(header: Header, cells: Sequence[Cell], *, row: int, codes: CodeReader) -> RowInput:
    values: dict[str, Any] = {}
    errors: list[RowError] = []
    for position, column in header.positions.items():
        cell = cells[position] if position < len(cells) else None
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            continue
        try:
            value = parse_cell(column, cell)
        except CellError as exc:
            errors.append(RowError(row=row, column=header.names[column.field], message=str(exc)))
            continue
        code_kind = CODE_KINDS.get(column.field)
        if code_kind is not None:
            value, problems = codes.codes(code_kind, value)
            errors.extend(
                RowError(row=row, column=header.names[column.field], message=problem)
                for problem in problems
            )
        values[column.field] = value
    return RowInput(row=row, values=values, errors=errors)


def nest(values: Mapping[str, Any]) -> dict[str, Any]:
    """``{"capacity.per_week": 5}`` -> ``{"capacity": {"per_week": 5}}`` (references left out)."""
    body: dict[str, Any] = {}
    for path, value in values.items():
        if path in REFERENCES:
            continue
        *parents, leaf = path.split(".")
        target = body
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return body


def texts_of(header: Header, rows: Sequence[Sequence[Cell]], field_name: str) -> Counter[str]:
    """Every value of a text column (``external_ref``) in the file and how often it occurs,
    read without the rest of the row: an import looks them all up before it writes."""
    position = next((p for p, c in header.positions.items() if c.field == field_name), None)
    if position is None:
        return Counter()
    column = header.positions[position]
    values: Counter[str] = Counter()
    for cells in rows:
        cell = cells[position] if position < len(cells) else None
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            continue
        try:
            value = parse_cell(column, cell)
        except CellError:
            continue
        if isinstance(value, str):
            values[value] += 1
    return values
