"""The router every domain uses: idempotent POSTs, one transaction per request, JSON
bodies read and checked once (400 when malformed, documented on every route with a body)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from functools import cache
from typing import Any, ClassVar

from fastapi import APIRouter, Depends, Request, Response
from fastapi.datastructures import DefaultPlaceholder
from fastapi.params import Depends as DependsParam
from fastapi.routing import APIRoute

from app.core.errors import problem_responses
from app.web.idempotency import CallerDependency, idempotency_claim, store_response
from app.web.json_body import checked_json_request
from app.web.secrets import REPLAY_NOTE, shown_once_model

API_PREFIX = "/v1"


class CapmatchRoute(APIRoute):
    """Adds the idempotency claim to every POST and stores its response before commit;
    checks a JSON body before FastAPI validates it.

    A POST whose response model carries a secret shown once (``ShownOnce``) has its
    response stored as the 409 a replay answers, and its OpenAPI 409 says so.
    """

    # The claim dependency of this route class's caller; one object per caller, so
    # FastAPI's per-request dependency cache treats it as one dependency.
    claim: ClassVar[Callable[..., Any]]

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: set[str] | list[str] | None = None,
        dependencies: Sequence[DependsParam] | None = None,
        **kwargs: Any,
    ) -> None:
        deps = list(dependencies or [])
        is_post = "POST" in {m.upper() for m in methods or ()}
        if is_post:
            deps.append(Depends(type(self).claim))
        super().__init__(path, endpoint, methods=methods, dependencies=deps, **kwargs)
        if self.body_field is not None:
            # Copied, not updated: several routes may share one responses dict.
            self.responses = {**problem_responses(400), **self.responses}
        self.shown_once = shown_once_model(self.response_model) if is_post else None
        if self.shown_once is not None:
            self.responses = {**self.responses, 409: _replay_conflict(self.responses.get(409))}

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        takes_body = self.body_field is not None
        strict = self.strict_content_type
        strict_content_type = strict.value if isinstance(strict, DefaultPlaceholder) else strict

        async def handle(request: Request) -> Response:
            if takes_body:
                request = await checked_json_request(
                    request, strict_content_type=bool(strict_content_type)
                )
            # Runs inside FastAPI's function-scoped exit stack: the session
            # dependency commits after this returns and before the response is sent.
            response = await handler(request)
            await store_response(request, response, shown_once=self.shown_once)
            return response

        return handle


def _replay_conflict(documented: dict[str, Any] | None) -> dict[str, Any]:
    """The route's 409 entry, described as any conflict and as the replay of a shown-once key."""
    return {**(documented or problem_responses(409)[409]), "description": REPLAY_NOTE}


@cache
def route_class(caller: CallerDependency) -> type[CapmatchRoute]:
    """``CapmatchRoute`` whose POSTs scope idempotency keys by what ``caller`` returns."""
    return type(
        "CapmatchRoute", (CapmatchRoute,), {"claim": staticmethod(idempotency_claim(caller))}
    )


def domain_router(resource: str, *, caller: CallerDependency, **kwargs: Any) -> APIRouter:
    # The version prefix is applied here, at decoration time, so every route's
    # own path is its full template (what metrics and logs report).
    return APIRouter(prefix=API_PREFIX + resource, route_class=route_class(caller), **kwargs)
