"""Who may see and who may change an offer or a request.

The rule (API.md): a key sees its own objects, the ``network`` objects of its own
partner's organisations and every partner's ``shared`` objects; it changes only
its own. Drafts are private to their owner. Enforced in SQL so a list or a count
can never leak an object the caller may not see.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, bindparam, false, or_, true
from sqlalchemy.sql.elements import ColumnElement

from app.auth.principal import Principal


def owned_clause(model: Any, principal: Principal) -> ColumnElement[bool]:
    return _owned(model, principal.kind, principal.partner_id, principal.organization_id)


VIEWER_PARTNER = "viewer_partner_id"
VIEWER_ORGANIZATION = "viewer_organization_id"


def owned_clause_for_kind(model: Any, kind: str) -> ColumnElement[bool]:
    """``owned_clause`` with the owner as bound parameters (``viewer_parameters``)."""
    return _owned(model, kind, bindparam(VIEWER_PARTNER), bindparam(VIEWER_ORGANIZATION))


def _owned(model: Any, kind: str, partner_id: Any, organization_id: Any) -> ColumnElement[bool]:
    if kind == "partner":
        return model.partner_id == partner_id  # type: ignore[no-any-return]
    if kind == "organization":
        return model.organization_id == organization_id  # type: ignore[no-any-return]
    return false()


def visible_clause(model: Any, principal: Principal) -> ColumnElement[bool]:
    return _visible(model, principal.kind, principal.partner_id, principal.organization_id)


def visible_clause_for_kind(model: Any, kind: str) -> ColumnElement[bool]:
    """``visible_clause`` with the viewer as bound parameters, for statements built once
    (pass ``viewer_parameters(principal)`` when executing)."""
    return _visible(model, kind, bindparam(VIEWER_PARTNER), bindparam(VIEWER_ORGANIZATION))


def viewer_parameters(principal: Principal) -> dict[str, str | None]:
    return {VIEWER_PARTNER: principal.partner_id, VIEWER_ORGANIZATION: principal.organization_id}


def _visible(model: Any, kind: str, partner_id: Any, organization_id: Any) -> ColumnElement[bool]:
    if kind == "admin":
        return true()
    published = model.status != "draft"
    shared = and_(model.visibility == "shared", published)
    if kind == "partner":
        return or_(model.partner_id == partner_id, shared)
    same_network = and_(model.partner_id == partner_id, published)
    return or_(model.organization_id == organization_id, same_network, shared)
