"""Who is calling, and which organisations that caller may see or act for.

Three kinds of key (API.md "Auth and tenancy"): the operator's admin key, a partner
key (``cmp_``, a cluster portal acting for all its member organisations) and an
organisation key (``cmo_``, one company acting for itself only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

PrincipalKind = Literal["admin", "partner", "organization"]


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: the admin, a partner (cluster portal) or one organisation."""

    kind: PrincipalKind
    key_id: str
    partner_id: str | None = None
    organization_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.kind == "admin"

    def may_see_organization(self, *, partner_id: str, organization_id: str) -> bool:
        """The admin sees every organisation, a partner its members, an organisation itself."""
        if self.is_admin:
            return True
        if self.kind == "partner":
            return partner_id == self.partner_id
        return organization_id == self.organization_id

    def may_act_for_organization(self, *, partner_id: str, organization_id: str) -> bool:
        """Partners act for their members, an organisation key for itself; the admin for none."""
        return not self.is_admin and self.may_see_organization(
            partner_id=partner_id, organization_id=organization_id
        )

    def may_see_partner(self, partner_id: str) -> bool:
        """The admin sees every partner, a partner key only its own partner.

        An organisation key acts for its organisation only: it must not read its
        partner or manage the partner's keys (a ``cmp_`` key acts for every sibling).
        """
        return self.is_admin or (self.kind == "partner" and self.partner_id == partner_id)


_PRINCIPAL_INFO = "capmatch.principal"


def remember_principal(session: AsyncSession, principal: Principal) -> None:
    """The caller of this request's unit of work, for whoever records who did what."""
    session.info[_PRINCIPAL_INFO] = principal


def acting_principal(session: AsyncSession) -> Principal | None:
    """Who called, on a request's session; None for background work (the system)."""
    principal = session.info.get(_PRINCIPAL_INFO)
    return principal if isinstance(principal, Principal) else None
