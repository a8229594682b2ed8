"""Reading a JSON request body once, at the edge, before FastAPI validates it.

FastAPI answers 422 ``json_invalid`` for a body that is not JSON and, depending on
the bytes, 422 or a generic 400 for one that is not UTF-8; the contract wants 400
``bad-request`` for every malformed body and 422 only for valid JSON that breaks the
schema. A NUL character is valid JSON but no PostgreSQL text column can hold it, so
it is refused here with the field it is in, the same on every database. Very deep
nesting is refused before anything recurses over it (validation, serialisation).
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any

from starlette.requests import ClientDisconnect, Request

from app.core.errors import BadRequest, FieldError, InvalidInput, field_path
from app.core.text import NUL, NUL_MESSAGE, shown

MAX_JSON_DEPTH = 32
# A body is rejected with at most this many field errors (the first ones, in order).
MAX_REPORTED_FIELDS = 20


def is_json_media_type(content_type: str | None, *, strict: bool) -> bool:
    """Whether FastAPI parses a body with this Content-Type as JSON (its own rule)."""
    if not content_type:
        return not strict
    media_type = content_type.partition(";")[0].strip().lower()
    main_type, _, subtype = media_type.partition("/")
    return main_type == "application" and (subtype == "json" or subtype.endswith("+json"))


def malformed(message: str) -> BadRequest:
    return BadRequest(f"body: {message}", errors=[FieldError(field="body", message=message)])


class _NotJsonValue(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity; RFC 8259 JSON has no such values.
    raise _NotJsonValue(f"{name} is not a JSON value")


# One decoder for every body: json.loads with an option builds a new one per call.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def parse_json_body(body: bytes) -> Any:
    """The parsed body; ``BadRequest`` if it is not JSON, ``InvalidInput`` for NUL characters."""
    try:
        # RFC 8259: JSON between systems is UTF-8; a leading byte order mark is tolerated.
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise malformed(f"not valid UTF-8 (byte {error.start})") from None
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as error:
        raise malformed(
            f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    except RecursionError:
        raise malformed(f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    except _NotJsonValue as error:
        raise malformed(f"not valid JSON: {error}") from None
    except ValueError:  # Python refuses to convert integers of more than 4300 digits
        raise malformed("not valid JSON: a number has too many digits") from None
    # Each level of nesting opens a bracket: with few of them nothing can be too deep.
    if body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH and _nests_deeper(
        value, MAX_JSON_DEPTH
    ):
        raise malformed(f"nested deeper than {MAX_JSON_DEPTH} levels")
    # JSON text can only carry NUL as the escape \u0000; without one there is nothing to find.
    if b"\\u0000" in body:
        errors = nul_fields(value)
        if errors:
            detail = "; ".join(f"{error.field}: {error.message}" for error in errors[:5])
            raise InvalidInput(detail, errors=errors)
    return value


def _nests_deeper(value: Any, limit: int) -> bool:
    # Level by level, without recursion (the point is not to recurse over whatever depth
    # a client sends), and with exact type tests: json only makes dict and list, and
    # this loop is what a 1 MiB body of small objects spends its time in.
    level = [value]
    for _ in range(limit):
        below: list[Any] = []
        for node in level:
            for child in node.values() if type(node) is dict else node:
                if type(child) is dict or type(child) is list:
                    below.append(child)
        if not below:
            return False
        level = below
    return True


def nul_fields(value: Any) -> list[FieldError]:
    """Every string and key holding a NUL character, as field errors in document order."""
    errors: list[FieldError] = []
    pending: list[tuple[tuple[int | str, ...], Any]] = [((), value)]
    while pending and len(errors) < MAX_REPORTED_FIELDS:
        path, node = pending.pop()
        if isinstance(node, str):
            if NUL in node:
                errors.append(FieldError(field=_field(path), message=NUL_MESSAGE))
        elif isinstance(node, dict):
            children: list[tuple[tuple[int | str, ...], Any]] = []
            for key, child in node.items():
                if NUL in key:
                    errors.append(
                        FieldError(field=_field((*path, key)), message=f"name {NUL_MESSAGE}")
                    )
                else:
                    children.append(((*path, key), child))
            pending.extend(reversed(children))
        elif isinstance(node, list):
            pending.extend(reversed([((*path, index), child) for index, child in enumerate(node)]))
    return errors


def _field(path: tuple[int | str, ...]) -> str:
    # Anchored at "body" so a top-level key such as "query" is not taken for a location.
    return shown(field_path(("body", *path)))


class CheckedJsonRequest(Request):
    """The request whose JSON body was read and checked: FastAPI reads it from here.

    Overriding the public ``body``/``json``/``stream`` (FastAPI's documented custom
    request pattern) hands the parsed value on, so the body is parsed once.
    """

    def __init__(self, request: Request, *, body: bytes, parsed: Any) -> None:
        super().__init__(request.scope, request.receive)
        self._checked_body = body
        self._checked_json = parsed

    async def stream(self) -> AsyncGenerator[bytes, None]:
        yield self._checked_body
        yield b""

    async def body(self) -> bytes:
        return self._checked_body

    async def json(self) -> Any:
        return self._checked_json


async def checked_json_request(request: Request, *, strict_content_type: bool) -> Request:
    """``request``, or a ``CheckedJsonRequest`` when its body is JSON (raises if malformed)."""
    if not is_json_media_type(request.headers.get("content-type"), strict=strict_content_type):
        return request  # other media types (forms, files) are their parser's business
    try:
        body = await request.body()
    except ClientDisconnect:
        raise malformed("the client disconnected before sending all of it") from None
    if not body:
        return request  # FastAPI reports the missing body as a 422 field error
    return CheckedJsonRequest(request, body=body, parsed=parse_json_body(body))
