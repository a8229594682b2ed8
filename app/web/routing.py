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

API_PREFIX = "/v1"


class CapmatchRoute(APIRoute):
    """Adds the idempotency claim to every POST and stores its response before commit;
    checks a JSON body before FastAPI validates it."""

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
        if methods and "POST" in {m.upper() for m in methods}:
            deps.append(Depends(type(self).claim))
        super().__init__(path, endpoint, methods=methods, dependencies=deps, **kwargs)
        if self.body_field is not None:
            # Copied, not updated: several routes may share one responses dict.
            self.responses = {**problem_responses(400), **self.responses}

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
            await store_response(request, response)
            return response

        return handle


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
