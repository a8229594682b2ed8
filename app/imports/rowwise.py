"""Rows applied one at a time: each in its own savepoint, so a row that fails leaves
nothing behind while the others go on. Updates and organisations always take this path;
new offers and requests take it when a chunk cannot be created at once (``batch``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.core.database_errors import took_a_unique_value
from app.core.errors import AppError
from app.imports.duplicates import DuplicateIndex, Known, normalise_name
from app.imports.errors import RowFailed, app_errors, validation_errors
from app.imports.rows import Header, RowInput, nest
from app.imports.schemas import MAX_REPORTED, ImportCounts, ImportOptions, RowError, RowWarning
from app.imports.targets import TARGETS, Target, organization_of_ref, same
from app.tabular.columns import Kind
from app.taxonomy.vocabulary import Taxonomy

Action = Literal["created", "updated", "unchanged", "skipped"]


@dataclass(slots=True)
class Lookups:
    """What rows refer to, read for many rows at once (``batch``): the file's references
    before anything is written, the objects of a chunk; what is not here is read per row.
    ``None``: looked up, and there is none."""

    refs: dict[str, str | None] = field(default_factory=dict)  # external_ref -> id
    owners: dict[str, str | None] = field(default_factory=dict)  # organisation ref -> id
    objects: dict[str, Any | None] = field(default_factory=dict)  # id -> object it may change

    known_refs: dict[str, str] = field(default_factory=dict)  # id -> the ref it is found by
    # References more than one row of the file names (a later row changes what an earlier
    # one creates).
    repeated: set[str] = field(default_factory=set)

    def learn(self, obj: Any, *, tracked: bool = True) -> None:
        """A row created or changed ``obj``: later rows find it by its ref. An object the
        session does not track (``tracked=False``: created by one INSERT, or not at all in
        a dry run) is not kept: a row that changes it reads it again."""
        if tracked:
            self.objects[obj.id] = obj
        previous = self.known_refs.pop(obj.id, None)
        if previous is not None and previous != obj.external_ref:
            self.refs[previous] = None
        if obj.external_ref is not None:
            self.refs[obj.external_ref] = obj.id
            self.known_refs[obj.id] = obj.external_ref

    def next_chunk(self) -> None:
        """Drop the objects (the next chunk names others: memory stays flat); references
        stay, so a later chunk finds what an earlier one created without a query."""
        self.objects.clear()

    def forget(self, row: RowInput) -> None:
        """A row failed: its savepoint rolled back what the object held, so read it again."""
        object_id = row.text("id") or self.refs.get(row.text("external_ref") or "")
        if object_id is not None:
            self.objects.pop(object_id, None)


@dataclass(slots=True)
class Run:
    session: AsyncSession
    principal: Principal
    kind: Kind
    options: ImportOptions
    taxonomy: Taxonomy
    header: Header = field(default_factory=Header)
    duplicates: DuplicateIndex = field(default_factory=DuplicateIndex)
    lookups: Lookups = field(default_factory=Lookups)
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


async def apply_row(run: Run, row: RowInput) -> Action | None:
    """One row, its writes in a savepoint; None when it failed (its errors recorded).

    Only a row that writes opens a savepoint: on PostgreSQL each is a subtransaction, and
    a transaction with thousands of them slows every snapshot it takes (an unchanged
    re-import of 100k rows spent most of its time on them)."""
    if row.errors:
        run.error(row.errors)
        return failed(run)
    try:
        return await _upsert(run, row)
    except RowFailed as exc:
        run.error(exc.errors)
    except AppError as exc:
        run.error(app_errors(run.header, row.row, exc))
    except ValidationError as exc:
        run.error(validation_errors(run.header, row.row, exc))
    except IntegrityError as exc:
        if not took_a_unique_value(exc):
            raise
        # Another write took a unique value (an external_ref) after this import looked.
        message = "another write took a value this row sets (external_ref); import it again"
        run.error(
            [RowError(row=row.row, column=run.header.column_of("external_ref"), message=message)]
        )
    run.lookups.forget(row)
    return failed(run)


def failed(run: Run) -> Action | None:
    """What a failed row counts as: skipped with ``on_error=skip``, else nothing (the
    import will not commit)."""
    return "skipped" if run.options.on_error == "skip" else None


async def _existing(run: Run, row: RowInput) -> Any | None:
    object_id = row.text("id")
    if object_id is None and (ref := row.text("external_ref")) is not None:
        if ref in run.lookups.refs:
            object_id = run.lookups.refs[ref]
        else:
            object_id = await run.target.id_of_ref(run.session, run.partner_id, ref)
    if object_id is None:
        return None
    column = run.header.column_of("id" if row.text("id") else "external_ref")
    message = f"no {run.target.noun} {object_id} that this key may change"
    if object_id in run.lookups.objects:
        found = run.lookups.objects[object_id]
        if found is None:
            raise RowFailed([RowError(row=row.row, column=column, message=message)])
        return found
    try:
        return await run.target.owned(run.session, run.principal, object_id)
    except AppError as exc:
        raise RowFailed([RowError(row=row.row, column=column, message=message)]) from exc


async def owner(run: Run, row: RowInput) -> str | None:
    """The organisation an offer or request row names (or the import's default)."""
    if (organization_id := row.text("organization_id")) is not None:
        return organization_id
    if (ref := row.text("organization_external_ref")) is not None:
        if ref in run.lookups.owners:
            found = run.lookups.owners[ref]
        else:
            found = await organization_of_ref(run.session, run.partner_id, ref)
        if found is None:
            column = run.header.column_of("organization_external_ref")
            message = f"no organisation of this partner has external_ref '{ref}'"
            raise RowFailed([RowError(row=row.row, column=column, message=message)])
        return found
    return run.options.organization_id


def new_body(run: Run, row: RowInput, owner_id: str | None) -> dict[str, Any]:
    """The create body of a new offer or request row."""
    body = nest(row.values)
    if owner_id is not None:
        body["organization_id"] = owner_id
    if run.kind == "requests" and body.get("status") == "open":
        body.pop("status")  # a new request starts open; exports write the status
    return body


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
        owner_id = await owner(run, row)
        if existing is None:
            body = new_body(run, row, owner_id)
        elif owner_id is not None and owner_id != existing.organization_id:
            column = run.header.column_of(
                "organization_id" if row.text("organization_id") else "organization_external_ref"
            )
            message = f"{run.target.noun} {existing.id} belongs to {existing.organization_id}"
            raise RowFailed([RowError(row=row.row, column=column, message=message)])
    if existing is None:
        data = run.target.create_model.model_validate(body)
        async with run.session.begin_nested():
            created = await run.target.create(run.session, run.principal, data, run.taxonomy)
        _remember(run, row, created)
        run.lookups.learn(created)
        return "created"
    current = run.target.out(existing)
    for key, value in body.items():
        if isinstance(value, dict) and isinstance(current.get(key), dict):
            body[key] = {**current[key], **value}
    if all(same(value, current.get(key)) for key, value in body.items()):
        return "unchanged"
    changes = run.target.update_model.model_validate(body)
    async with run.session.begin_nested():
        await run.target.update(run.session, run.principal, existing, changes, run.taxonomy)
    run.lookups.learn(existing)
    return "updated"


def _organization_certifications(body: dict[str, Any], existing: Any | None) -> None:
    """Codes -> certificates; one the organisation has keeps its status, expected date,
    expiry and number (the file lists codes only), so importing it again changes nothing."""
    codes = body.get("certifications")
    if codes is None:
        return
    held = {c.code: c for c in existing.certifications} if existing is not None else {}
    body["certifications"] = [_certificate(code, held.get(code)) for code in sorted(codes)]


def _certificate(code: str, current: Any | None) -> dict[str, Any]:
    if current is None:
        return {"code": code}
    return {
        "code": code,
        "status": current.status,
        "expected_by": current.expected_by.isoformat() if current.expected_by else None,
        "valid_until": current.valid_until.isoformat() if current.valid_until else None,
        "certificate_number": current.certificate_number,
    }


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
