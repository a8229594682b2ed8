"""Responses that carry a secret shown only once (no secret is ever stored in clear).

A POST that issues an API key answers with its plaintext exactly once. Its response
model says so by subclassing ``ShownOnce``; for such a route the idempotency store
keeps, instead of the body, a 409 problem that names what was issued. So the
plaintext never sits in the idempotency table, and a replay says where the key is
(to revoke it and issue another) instead of showing the secret a second time.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from fastapi import Request, Response

from app.core.errors import Conflict, problem_response

REPLAY_NOTE = (
    "Conflict with the current state; or a replay of this POST's `Idempotency-Key` "
    "(`key-already-issued`): the key was issued already and its secret is shown only "
    "once, so the problem names the key (to revoke it and issue another) instead."
)


class KeyAlreadyIssued(Conflict):
    slug = "key-already-issued"
    title = "Key already issued; its secret is shown only once"


class ShownOnce(ABC):
    """Mixin of a response model whose body holds a secret shown only in that response.

    Abstract, so a model that forgets ``already_issued`` cannot even be instantiated.
    """

    @classmethod
    @abstractmethod
    def already_issued(cls, body: Mapping[str, Any]) -> str:
        """The detail of the 409 that a replay answers, built from the first body: what
        was issued, by id, and how to get another secret."""


def shown_once_model(response_model: Any) -> type[ShownOnce] | None:
    """The route's response model if it carries a secret shown once, else None."""
    if isinstance(response_model, type) and issubclass(response_model, ShownOnce):
        return response_model
    return None


def already_issued_response(
    request: Request, model: type[ShownOnce], response: Response
) -> Response:
    """What the idempotency store keeps for ``response``: a 409 problem, no secret."""
    error = KeyAlreadyIssued(model.already_issued(json.loads(bytes(response.body))))
    return problem_response(
        request,
        status=error.status_code,
        title=error.title,
        slug=error.slug,
        detail=error.detail,
    )
