"""``external_ref``: a partner's own id for one of its organisations, offers or requests
(its CRM's or spreadsheet's), unique per partner and kind. Imports upsert by it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from app.core.errors import Conflict, FieldError

# (partner id, reference) -> id of the row holding it, or None.
HolderLookup = Callable[[str, str], Awaitable[str | None]]


class ExternalRefTaken(Conflict):
    slug = "external-ref-taken"
    title = "The external_ref is taken"


async def ensure_free(
    holder_of: HolderLookup, *, kind: str, partner_id: str, ref: str | None, own_id: str | None
) -> None:
    """409 naming ``external_ref`` when another row of the partner holds ``ref``."""
    if ref is None:
        return
    holder = await holder_of(partner_id, ref)
    if holder is not None and holder != own_id:
        message = f"{kind} {holder} of this partner already has this external_ref"
        raise ExternalRefTaken(
            f"external_ref '{ref}': {message}.",
            errors=[FieldError(field="external_ref", message=message)],
        )
