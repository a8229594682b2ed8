"""HTTP conventions shared by every resource: ETag and If-Match, and conditional feeds."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import Header, Request, Response

from app.core.errors import PreconditionFailed

IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description="ETag from a previous read; 412 if it changed since"),
]


def etag_for(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag_for(version)


def check_if_match(if_match: str | None, version: int) -> None:
    if if_match is None:
        return
    tags = [tag.strip().removeprefix("W/") for tag in if_match.split(",")]
    if "*" in tags or etag_for(version) in tags:
        return
    raise PreconditionFailed(
        f"If-Match {if_match} does not match the current ETag {etag_for(version)}; "
        "read the object again and retry."
    )


def feed_response(request: Request, content: bytes, media_type: str) -> Response:
    """A feed that apps poll (.ics, Atom): an ETag of its bytes, and 304 with no body when
    the app's ``If-None-Match`` names it, so an unchanged calendar costs the app nothing.
    ``private``: the URL may carry a token, and no shared cache may keep what it reads."""
    tag = f'"{hashlib.sha256(content).hexdigest()[:32]}"'
    headers = {"ETag": tag, "Cache-Control": "private, no-cache"}
    wanted = request.headers.get("if-none-match", "")
    if tag in (candidate.strip().removeprefix("W/") for candidate in wanted.split(",")):
        return Response(status_code=304, headers=headers)
    return Response(content=content, media_type=media_type, headers=headers)
