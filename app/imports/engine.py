"""One import run: a file's rows validated and applied on one session, with a report.

Each row runs in its own savepoint, so a row that fails leaves nothing behind while the
others go on; the caller commits the whole session (one transaction) or rolls it back
(``on_error=abort`` with errors, or a dry run). A dry run therefore does exactly what a
real run does and reports the same, then throws it away.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core.errors import AppError
from app.imports.duplicates import DuplicateIndex, Known, normalise_name
from app.imports.rows import CodeReader, Header, RowInput, map_header, nest, read_row, row_number
from app.imports.schemas import MAX_REPORTED, ImportCounts, ImportOptions, RowError, RowWarning
from app.imports.targets import TARGETS, Target, organization_of_ref, organization_places, same
from app.tabular.columns import Kind
from app.tabular.reading import FileFormat, read_table
from app.taxonomy.vocabulary import Taxonomy

Progress = Callable[[int, int], Awaitable[None]]  # (rows processed, rows total)
Action = Literal["created", "updated", "unchanged", "skipped"]
# Rows between two yields to the event loop (and progress reports).
CHUNK = 200


class RowFailed(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(errors[0].message if errors else "row failed")
        self.errors = errors


@dataclass(slots=True)
class Run:
    session: AsyncSession
    principal: Principal
    kind: Kind
    options: ImportOptions
    taxonomy: Taxonomy
    header: Header = field(default_factory=Header)
    duplicates: DuplicateIndex = field(default_factory=DuplicateIndex)
    counts: ImportCounts = field(default_factory=ImportCounts)

    @property
    def target(self) -> Target:
        return TARGETS[self.kind]

    @property
    def partner_id(self) -> str:
        assert self.principal.partner_id is not None
        return self.principal.partner_id

    def error(self, errors: list[RowError]) -> None:
        self.counts.error_count += len(errors)
        room = MAX_REPORTED - len(self.counts.errors)
        self.counts.errors.extend(errors[: max(room, 0)])

    def warn(self, warning: RowWarning) -> None:
        if len(self.counts.warnings) < MAX_REPORTED:
            self.counts.warnings.append(warning)


async def run_import(
    session: AsyncSession,
    *,
    principal: Principal,
    kind: Kind,
    content: bytes,
    file_format: FileFormat,
    options: ImportOptions,
    taxonomy: Taxonomy,
    max_rows: int,
    progress: Progress | None = None,
) -> tuple[int, ImportCounts]:
    """Apply the file's rows; (rows in the file, what happened). Raises ``UnreadableFile``."""
    table = await asyncio.to_thread(read_table, content, file_format, max_rows=max_rows)
    run = Run(session=session, principal=principal, kind=kind, options=options, taxonomy=taxonomy)
    run.header = map_header(kind, table.header)
    for warning in run.header.warnings:
        run.warn(warning)
    if run.header.errors:
        run.error(run.header.errors)
        return len(table.rows), run.counts
    codes = CodeReader(taxonomy)
    if kind == "organizations":
        for place in await organization_places(session, run.partner_id):
            run.duplicates.add(
                Known(normalise_name(place.name), place.postal_code, place.lat, place.lon, place.id)
            )
    total = len(table.rows)
    for start in range(0, total, CHUNK):
        chunk = table.rows[start : start + CHUNK]
        inputs = [
            read_row(run.header, cells, row=row_number(start + offset), codes=codes)
            for offset, cells in enumerate(chunk)
        ]
        for row in inputs:
            action = await _apply(run, row)
            if action is not None:
                setattr(run.counts, action, getattr(run.counts, action) + 1)
        if progress is not None:
            await progress(min(start + CHUNK, total), total)
        await asyncio.sleep(0)  # let request handling in this process run between chunks
    return total, run.counts


async def _apply(run: Run, row: RowInput) -> Action | None:
    """One row in a savepoint; None when it failed (its errors recorded)."""
    if row.errors:
        run.error(row.errors)
        return "skipped" if run.options.on_error == "skip" else None
    try:
        async with run.session.begin_nested():
            return await _upsert(run, row)
    except RowFailed as exc:
        run.error(exc.errors)
    except AppError as exc:
        run.error(_app_errors(run.header, row.row, exc))
    except ValidationError as exc:
        run.error(_validation_errors(run.header, row.row, exc))
    return "skipped" if run.options.on_error == "skip" else None


async def _existing(run: Run, row: RowInput) -> Any | None:
    object_id = row.text("id")
    if object_id is None and (ref := row.text("external_ref")) is not None:
        object_id = await run.target.id_of_ref(run.session, run.partner_id, ref)
    if object_id is None:
        return None
    try:
        return await run.target.owned(run.session, run.principal, object_id)
    except AppError as exc:
        column = run.header.column_of("id" if row.text("id") else "external_ref")
        message = f"no {run.target.noun} {object_id} that this key may change"
        raise RowFailed([RowError(row=row.row, column=column, message=message)]) from exc


async def _owner(run: Run, row: RowInput) -> str | None:
    """The organisation an offer or request row names (or the import's default)."""
    if (organization_id := row.text("organization_id")) is not None:
        return organization_id
    if (ref := row.text("organization_external_ref")) is not None:
        found = await organization_of_ref(run.session, run.partner_id, ref)
        if found is None:
            column = run.header.column_of("organization_external_ref")
            message = f"no organisation of this partner has external_ref '{ref}'"
            raise RowFailed([RowError(row=row.row, column=column, message=message)])
        return found
    return run.options.organization_id


async def _upsert(run: Run, row: RowInput) -> Action:
    body = nest(row.values)
    existing = await _existing(run, row)
    if run.kind == "organizations":
        if existing is None:
            suspect = _suspect(run, row, body)
            if suspect is not None:
                if run.options.on_duplicate == "skip":
                    return "skipped"
                if run.options.on_duplicate == "merge" and suspect.of.organization_id:
                    existing = await run.target.owned(
                        run.session, run.principal, suspect.of.organization_id
                    )
        _organization_certifications(body, existing)
    else:
        owner = await _owner(run, row)
        if existing is None:
            if owner is not None:
                body["organization_id"] = owner
            if run.kind == "requests" and body.get("status") == "open":
                body.pop("status")  # a new request starts open; exports write the status
        elif owner is not None and owner != existing.organization_id:
            column = run.header.column_of(
                "organization_id" if row.text("organization_id") else "organization_external_ref"
            )
            message = f"{run.target.noun} {existing.id} belongs to {existing.organization_id}"
            raise RowFailed([RowError(row=row.row, column=column, message=message)])
    if existing is None:
        data = run.target.create_model.model_validate(body)
        created = await run.target.create(run.session, run.principal, data, run.taxonomy)
        _remember(run, row, created)
        return "created"
    current = run.target.out(existing)
    for key, value in body.items():
        if isinstance(value, dict) and isinstance(current.get(key), dict):
            body[key] = {**current[key], **value}
    if all(same(value, current.get(key)) for key, value in body.items()):
        return "unchanged"
    changes = run.target.update_model.model_validate(body)
    await run.target.update(run.session, run.principal, existing, changes, run.taxonomy)
    return "updated"


def _organization_certifications(body: dict[str, Any], existing: Any | None) -> None:
    """Codes -> certificates; one the organisation holds keeps its expiry and number."""
    codes = body.get("certifications")
    if codes is None:
        return
    held = {c.code: c for c in existing.certifications} if existing is not None else {}
    body["certifications"] = [
        {
            "code": code,
            "valid_until": held[code].valid_until.isoformat()
            if code in held and held[code].valid_until
            else None,
            "certificate_number": held[code].certificate_number if code in held else None,
        }
        for code in sorted(codes)
    ]


def _suspect(run: Run, row: RowInput, body: dict[str, Any]) -> Any:
    name = normalise_name(str(body.get("name", "")))
    address, location = body.get("address") or {}, body.get("location") or {}
    suspect = run.duplicates.best(
        name,
        postal_code=address.get("postal_code"),
        lat=location.get("lat"),
        lon=location.get("lon"),
    )
    if suspect is None:
        return None
    of = suspect.of
    what = f"organisation {of.organization_id}" if of.organization_id else f"row {of.row}"
    if of.row is not None:
        what = f"row {of.row}" + (f" ({of.organization_id})" if of.organization_id else "")
    run.warn(
        RowWarning(
            row=row.row,
            column=run.header.column_of("name"),
            message=f"suspected duplicate of {what}: similar name at the same postal code or "
            f"within 1 km (on_duplicate={run.options.on_duplicate})",
            duplicate_of=of.organization_id,
            duplicate_of_row=of.row,
            similarity=suspect.similarity,
        )
    )
    return suspect


def _remember(run: Run, row: RowInput, created: Any) -> None:
    """A new organisation is a candidate for the file's later rows."""
    if run.kind != "organizations":
        return
    run.duplicates.add(
        Known(
            normalise_name(created.name),
            created.postal_code,
            created.lat,
            created.lon,
            created.id,
            row=row.row,
        )
    )


def _field_of(path: str) -> str:
    """``certifications[0].code`` -> ``certifications``; ``capacity.per_week`` stays."""
    return path.split("[", 1)[0]


def _app_errors(header: Header, row: int, exc: AppError) -> list[RowError]:
    if not exc.errors:
        return [RowError(row=row, column=None, message=str(exc.detail or exc))]
    return [
        RowError(row=row, column=header.column_of(_field_of(error.field)), message=error.message)
        for error in exc.errors
    ]


def _validation_errors(header: Header, row: int, exc: ValidationError) -> list[RowError]:
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
