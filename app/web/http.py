"""HTTP conventions shared by every resource: ETag and If-Match."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Response

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
