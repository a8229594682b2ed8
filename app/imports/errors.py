"""A row's problems as the report names them: spreadsheet row, the file's column header,
and a message that says how to fix it."""

from __future__ import annotations

from pydantic import ValidationError

from app.core.errors import AppError
from app.imports.rows import Header
from app.imports.schemas import RowError


class RowFailed(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(errors[0].message if errors else "row failed")
        self.errors = errors


def field_of(path: str) -> str:
    """``certifications[0].code`` -> ``certifications``; ``capacity.per_week`` stays."""
    return path.split("[", 1)[0]


def app_errors(header: Header, row: int, exc: AppError) -> list[RowError]:
    if not exc.errors:
        return [RowError(row=row, column=None, message=str(exc.detail or exc))]
    return [
        RowError(row=row, column=header.column_of(field_of(error.field)), message=error.message)
        for error in exc.errors
    ]


def validation_errors(header: Header, row: int, exc: ValidationError) -> list[RowError]:
    errors = []
    for error in exc.errors():
        path = ".".join(str(part) for part in error["loc"] if not isinstance(part, int))
        column = header.column_of(path) if path else None
        message = error["msg"]
        if error["type"] == "missing":
            message = f"required: fill in column {path}"
        elif error["type"] == "extra_forbidden":
            message = "cannot be set on import of this kind; remove the column"
        errors.append(RowError(row=row, column=column, message=message))
    return errors
