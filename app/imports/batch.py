"""A chunk of offer or request rows applied at once.

What the rows refer to (objects by id or ``external_ref``, owners by their reference) is
read for the whole chunk in a few queries. New rows are validated, then created together
through the domain (``Target.create_many``: every rule of the API, one INSERT, one append
of their events) in one savepoint; a row the domain refuses is reported and left out.
Rows that change an existing object take the row-by-row path. If the chunk's insert fails
in the database (another writer took a reference meanwhile), its savepoint rolls back and
its new rows are applied one by one, so the report still names the row that failed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from app.core.errors import AppError
from app.imports.errors import RowFailed, app_errors, validation_errors
from app.imports.rows import RowInput
from app.imports.rowwise import Action, Run, apply_row, failed, new_body, owner
from app.imports.targets import organizations_of_refs
from app.market.external_refs import HoldersLookup
from app.market.writing import Writing

# References looked up per query.
LOOKUP_CHUNK = 500


async def apply_chunk(run: Run, rows: Sequence[RowInput]) -> list[Action | None]:
    """Apply ``rows`` (in file order as far as the report can tell); per row its action."""
    await prefetch(run, rows)
    actions: dict[int, Action | None] = {}
    new: list[tuple[RowInput, Any]] = []
    new_refs: set[str] = set()
    for row in rows:
        ref = row.text("external_ref")
        if ref is not None and ref in new_refs:
            # Names an object an earlier row of this chunk creates: create those first.
            await _create(run, new, actions)
            new, new_refs = [], set()
        if row.errors or not _is_new(run, row):
            actions[row.row] = await apply_row(run, row)
            continue
        try:
            body = new_body(run, row, await owner(run, row))
            new.append((row, run.target.create_model.model_validate(body)))
        except RowFailed as exc:
            run.error(exc.errors)
            actions[row.row] = failed(run)
        except ValidationError as exc:
            run.error(validation_errors(run.header, row.row, exc))
            actions[row.row] = failed(run)
        else:
            if ref is not None:
                new_refs.add(ref)
    await _create(run, new, actions)
    return [actions[row.row] for row in rows]


async def prefetch(run: Run, rows: Sequence[RowInput]) -> None:
    """Read what ``rows`` refer to for the whole chunk (``Run.lookups``)."""
    lookups = run.lookups
    named = {ref for row in rows if row.text("id") is None and (ref := row.text("external_ref"))}
    # Membership tests, not set difference: ``set - dict.keys()`` walks every key known so
    # far, which made each chunk slower than the one before.
    await _look_up(run, {ref for ref in named if ref not in lookups.refs})
    owners = {
        ref
        for row in rows
        if (ref := row.text("organization_external_ref")) and ref not in lookups.owners
    }
    held = await organizations_of_refs(run.session, run.partner_id, owners) if owners else {}
    lookups.owners.update({ref: held.get(ref) for ref in owners})
    ids = {row.text("id") for row in rows} | {lookups.refs.get(ref) for ref in named}
    wanted = {object_id for object_id in ids if object_id and object_id not in lookups.objects}
    if wanted:
        owned = await run.target.owned_many(run.session, run.principal, wanted)
        lookups.objects.update({object_id: owned.get(object_id) for object_id in wanted})


async def look_up_refs(run: Run, refs: Counter[str]) -> None:
    """Which of the file's references (and how often each occurs) are in use, read before
    the import writes: later chunks then find every reference in memory (including those
    the import creates), and PostgreSQL never plans the lookup against statistics the
    import made stale."""
    run.lookups.repeated.update(ref for ref, count in refs.items() if count > 1)
    pending = sorted(refs.keys() - run.lookups.refs.keys())
    for start in range(0, len(pending), LOOKUP_CHUNK):
        await _look_up(run, set(pending[start : start + LOOKUP_CHUNK]))


async def _look_up(run: Run, refs: set[str]) -> None:
    found = await run.target.ids_of_refs(run.session, run.partner_id, refs) if refs else {}
    run.lookups.refs.update({ref: found.get(ref) for ref in refs})
    run.lookups.known_refs.update({holder: ref for ref, holder in found.items()})


def _is_new(run: Run, row: RowInput) -> bool:
    """A row that names no existing object: no id, and no reference in use."""
    if row.text("id") is not None:
        return False
    ref = row.text("external_ref")
    return ref is None or run.lookups.refs.get(ref) is None


async def _create(
    run: Run, new: list[tuple[RowInput, Any]], actions: dict[int, Action | None]
) -> None:
    if not new:
        return
    writing = _writing(run, new)
    try:
        async with run.session.begin_nested():
            results = await run.target.create_many(
                run.session,
                run.principal,
                [data for _, data in new],
                run.taxonomy,
                writing,
                _known_holders(run),
            )
    except IntegrityError:
        for row, _ in new:
            actions[row.row] = await apply_row(run, row)
        return
    for (row, _), result in zip(new, results, strict=True):
        if isinstance(result, AppError):
            run.error(app_errors(run.header, row.row, result))
            actions[row.row] = failed(run)
        else:
            run.lookups.learn(result, tracked=False)
            actions[row.row] = "created"


def _known_holders(run: Run) -> HoldersLookup:
    """The references in use as the import knows them: it looked up every reference of the
    file before it wrote and remembers what it created since, so the domain need not ask
    the database again per chunk (where PostgreSQL plans that query against statistics
    the import has made stale, slower with every chunk). A reference another writer took
    meanwhile is still refused by the unique index: the chunk then goes row by row."""

    async def holders_of(partner_id: str, refs: Collection[str]) -> dict[str, str]:
        known = run.lookups.refs if partner_id == run.partner_id else {}
        unknown = [ref for ref in refs if ref not in known]
        found = await run.target.ids_of_refs(run.session, partner_id, unknown) if unknown else {}
        return {ref: holder for ref in refs if (holder := known.get(ref))} | found

    return holders_of


def _writing(run: Run, new: list[tuple[RowInput, Any]]) -> Writing:
    """A dry run writes nothing, unless a later row of the file changes what one of these
    creates: then the change needs the object in the database (rolled back at the end)."""
    if run.options.dry_run and not any(
        row.text("external_ref") in run.lookups.repeated for row, _ in new
    ):
        return "none"
    return "insert"
