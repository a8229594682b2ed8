"""Errors as RFC 9457 problem details.

Services raise ``AppError`` subclasses; one set of handlers renders every error the
app can produce (ours, FastAPI's validation errors, Starlette's 404/405, database
outages and unexpected exceptions) as ``application/problem+json``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app.core.database_errors import is_database_unavailable, lost_a_race, took_a_unique_value

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:capmatch:problem:"

logger = logging.getLogger("capmatch.errors")


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the offending input, e.g. capacity.per_week")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(description="URI identifying the problem type")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None


class AppError(Exception):
    """Base of every error a service may raise; carries its HTTP status."""

    status_code = 500
    slug = "internal-error"
    title = "Internal server error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = list(errors) if errors else None
        self.headers = headers or {}


class BadRequest(AppError):
    status_code = 400
    slug = "bad-request"
    title = "Bad request"


class Unauthorized(AppError):
    status_code = 401
    slug = "unauthorized"
    title = "Missing or invalid API key"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="capmatch"'})


class Forbidden(AppError):
    status_code = 403
    slug = "forbidden"
    title = "This key may not perform this operation"


class NotFound(AppError):
    status_code = 404
    slug = "not-found"
    title = "Not found"


class Conflict(AppError):
    status_code = 409
    slug = "conflict"
    title = "Conflict"


class PreconditionFailed(AppError):
    status_code = 412
    slug = "precondition-failed"
    title = "The resource has changed (ETag mismatch)"


class PayloadTooLarge(AppError):
    status_code = 413
    slug = "payload-too-large"
    title = "Request body too large"


class InvalidInput(AppError):
    status_code = 422
    slug = "validation-error"
    title = "Invalid input"

    @classmethod
    def at(cls, field: str, message: str) -> InvalidInput:
        return cls(f"{field}: {message}", errors=[FieldError(field=field, message=message)])


class ServiceUnavailable(AppError):
    status_code = 503
    slug = "service-unavailable"
    title = "Service unavailable"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"Retry-After": "5"})


def problem_response(
    request: Request | None,
    *,
    status: int,
    title: str,
    slug: str,
    detail: str | None = None,
    errors: Sequence[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    request_id = getattr(request.state, "request_id", None) if request is not None else None
    problem = Problem(
        type=PROBLEM_TYPE_PREFIX + slug,
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path if request is not None else None,
        request_id=request_id,
        errors=list(errors) if errors else None,
    )
    return Response(
        content=problem.model_dump_json(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def field_path(loc: Iterable[int | str]) -> str:
    """``("body", "certifications", 0, "code")`` -> ``certifications[0].code``."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def _validation_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "field required"
    if kind == "json_invalid":
        return "body is not valid JSON"
    message = str(error.get("msg", "invalid value"))
    return message.removeprefix("Value error, ")


def _validation_errors(raw: Sequence[Any]) -> list[FieldError]:
    result: list[FieldError] = []
    for error in raw:
        loc = list(error.get("loc", ()))
        # A union's failing branch name (e.g. "function-after[...]") is noise to a client.
        loc = [part for part in loc if not (isinstance(part, str) and "[" in part)]
        # For unparsable JSON the location is a character offset, not a field.
        field = "body" if error.get("type") == "json_invalid" else field_path(loc)
        result.append(FieldError(field=field, message=_validation_message(error)))
    return result


async def _handle_app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return problem_response(
        request,
        status=exc.status_code,
        title=exc.title,
        slug=exc.slug,
        detail=exc.detail,
        errors=exc.errors,
        headers=exc.headers,
    )


async def _handle_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = _validation_errors(exc.errors())
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
    return problem_response(
        request,
        status=422,
        title=InvalidInput.title,
        slug=InvalidInput.slug,
        detail=detail,
        errors=errors,
    )


_HTTP_SLUGS: dict[int, tuple[str, str]] = {
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: (PayloadTooLarge.slug, PayloadTooLarge.title),
}


async def _handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    slug, title = _HTTP_SLUGS.get(exc.status_code, ("http-error", "HTTP error"))
    detail = exc.detail if isinstance(exc.detail, str) else None
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No route matches {request.method} {request.url.path}"
    headers = dict(exc.headers) if exc.headers else {}
    if exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return problem_response(
        request,
        status=exc.status_code,
        title=title,
        slug=slug,
        detail=detail,
        headers=headers or None,
    )


def _allowed_methods(request: Request) -> list[str]:
    # Starlette's 405 names the methods of the first route whose path matched, but FastAPI
    # makes one route per method (and nests included routers): ``Allow`` must list them all
    # (RFC 9110, 15.5.6). The OpenAPI paths are exactly the operations the API documents;
    # a literal path (``/v1/offers/export``) is its own resource, not ``/v1/offers/{id}``.
    path, paths = request.url.path, request.app.openapi().get("paths", {})
    methods: set[str] = set()
    for template, operations in paths.items() if path not in paths else [(path, paths[path])]:
        if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)), path):
            methods.update(method.upper() for method in operations)
    return sorted(methods)


class ConcurrentUpdate(Conflict):
    slug = "concurrent-update"
    title = "A concurrent request changed the same data"

    def __init__(self) -> None:
        super().__init__(
            "Another request changed the same data at the same moment; nothing of this "
            "request was done. Send it again.",
            headers={"Retry-After": "1"},
        )


class UniqueValueTaken(Conflict):
    slug = "unique-value-taken"
    title = "A concurrent request took the same unique value"

    def __init__(self) -> None:
        super().__init__(
            "Another request stored the same unique value (an external_ref, say) "
            "at the same moment; nothing of this request was done."
        )


async def _handle_database_error(request: Request, exc: Exception) -> Response:
    if lost_a_race(exc):
        logger.warning("transaction lost a race and was rolled back: %s", exc)
        return await _handle_app_error(request, ConcurrentUpdate())
    if took_a_unique_value(exc):
        logger.warning("a concurrent write took a unique value first: %s", exc)
        return await _handle_app_error(request, UniqueValueTaken())
    if not is_database_unavailable(exc):
        raise exc  # a real bug: the server-error handler answers 500 and logs it
    logger.warning("database unavailable: %s", exc)
    unavailable = ServiceUnavailable("The database is unreachable; retry shortly.")
    return await _handle_app_error(request, unavailable)


async def handle_unexpected_error(request: Request, exc: Exception) -> Response:
    """Log an exception nothing else handled, and render it as the 500 problem."""
    logger.exception("unhandled error", exc_info=exc)
    return problem_response(
        request,
        status=500,
        title="Internal server error",
        slug="internal-error",
        detail="An unexpected error occurred; it has been logged with this request id.",
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _handle_app_error)
    app.add_exception_handler(RequestValidationError, _handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, _handle_http_exception)
    for database_error in (DBAPIError, DisconnectionError, PoolTimeoutError, OSError, TimeoutError):
        app.add_exception_handler(database_error, _handle_database_error)
    # Reached only by exceptions outside UnexpectedErrorMiddleware (core.middleware).
    app.add_exception_handler(Exception, handle_unexpected_error)


_STATUS_TEXT = {
    400: "Malformed body: not JSON, not UTF-8, or nested too deep",
    401: "Missing, malformed or revoked API key",
    403: "The key's kind may not perform this operation",
    404: "Not found, or not visible to this key",
    409: "Conflict with the current state",
    412: "If-Match does not match the current ETag",
    413: "Request body larger than the limit",
    422: "Invalid input; `errors` names each offending field",
    503: "Database unreachable",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries documenting a route's problem+json errors."""
    schema = {"$ref": "#/components/schemas/Problem"}
    return {
        status: {
            "description": _STATUS_TEXT.get(status, "Error"),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": schema}},
        }
        for status in statuses
    }
