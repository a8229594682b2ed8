"""``external_ref``: a partner's own id for one of its organisations, offers or requests
(its CRM's or spreadsheet's), unique per partner and kind. Imports upsert by it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable

from app.core.errors import Conflict, FieldError

# (partner id, reference) -> id of the row holding it, or None.
HolderLookup = Callable[[str, str], Awaitable[str | None]]
# (partner id, references) -> reference -> id of the row holding it, for those held.
HoldersLookup = Callable[[str, Collection[str]], Awaitable[dict[str, str]]]


class ExternalRefTaken(Conflict):
    slug = "external-ref-taken"
    title = "The external_ref is taken"


async def ensure_free(
    holder_of: HolderLookup, *, kind: str, partner_id: str, ref: str | None, own_id: str | None
) -> None:
    """409 naming ``external_ref`` when another row of the partner holds ``ref``."""
    if ref is None:
        return
    taken = taken_by(await holder_of(partner_id, ref), kind=kind, ref=ref, own_id=own_id)
    if taken is not None:
        raise taken


def taken_by(
    holder: str | None, *, kind: str, ref: str, own_id: str | None
) -> ExternalRefTaken | None:
    """The 409 naming ``external_ref`` when ``holder`` is another row than ``own_id``."""
    if holder is None or holder == own_id:
        return None
    message = f"{kind} {holder} of this partner already has this external_ref"
    return ExternalRefTaken(
        f"external_ref '{ref}': {message}.",
        errors=[FieldError(field="external_ref", message=message)],
    )


async def refs_in_use(
    holders_of: HoldersLookup, *, partner_ids: Iterable[str], refs: Collection[str]
) -> dict[tuple[str, str], str]:
    """(partner id, reference) -> holder, for the ``refs`` these partners already use: one
    query per partner (a chunk of an import has one)."""
    in_use: dict[tuple[str, str], str] = {}
    for partner_id in sorted(set(partner_ids)) if refs else ():
        held = await holders_of(partner_id, refs)
        in_use.update({(partner_id, ref): holder for ref, holder in held.items()})
    return in_use
