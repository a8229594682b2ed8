"""Erasing an organisation's personal data from the copies other tables keep of it (the
event feed, webhook payloads). Two shapes hold it: a JSON object naming the organisation
by ``id`` or ``organization_id`` with its ``contact`` (the organisation as GET shows it, a
party of an engagement), and an engagement's ``history``, whose entries carry the note
each side wrote (``actor``: the side, ``buyer`` or ``seller``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.core.events import DomainEvent

CONTACT = "contact"
SIDES = ("buyer", "seller")


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonalDataErased(DomainEvent):
    """An organisation's contact persons were erased: every domain that keeps a copy of
    them, or texts they wrote, removes it in the same transaction and counts what it
    removed in ``erased`` (what the erase answers)."""

    organization_id: str
    partner_id: str
    erased: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, how_many: int) -> None:
        self.erased[what] = self.erased.get(what, 0) + how_many


def scrub(document: Any, organization_id: str) -> bool:
    """Remove the contact of ``organization_id`` wherever ``document`` holds it, in place;
    whether anything was removed."""
    changed = False
    if isinstance(document, dict):
        names_it = organization_id in (document.get("id"), document.get("organization_id"))
        if names_it and document.get(CONTACT) is not None:
            document[CONTACT] = None
            changed = True
        changed = _scrub_notes(document, organization_id) or changed
        for value in document.values():
            changed = scrub(value, organization_id) or changed
    elif isinstance(document, list):
        for item in document:
            changed = scrub(item, organization_id) or changed
    return changed


def _scrub_notes(engagement: dict[str, Any], organization_id: str) -> bool:
    history = engagement.get("history")
    if not isinstance(history, list):
        return False
    sides = {
        side
        for side in SIDES
        if isinstance(engagement.get(side), dict)
        and engagement[side].get("organization_id") == organization_id
    }
    changed = False
    for entry in history:
        if isinstance(entry, dict) and entry.get("actor") in sides and entry.get("note"):
            entry["note"] = None
            changed = True
    return changed
