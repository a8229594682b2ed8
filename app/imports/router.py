"""Imports of organisations, offers and requests from CSV or XLSX files (background jobs)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response, status
from starlette.datastructures import UploadFile

from app.auth.dependencies import MemberAuth
from app.auth.routing import domain_router
from app.core.config import Settings
from app.core.db import SessionDep
from app.core.errors import InvalidInput, problem_responses
from app.core.pagination import Page, PageDep
from app.imports import service
from app.imports.schemas import ImportKind, ImportOptions, ImportOut, OnDuplicate, OnError
from app.tabular.reading import XLSX_MEDIA_TYPE

router = domain_router("/imports", tags=["imports"])

_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        # The raw body (Content-Type text/csv or the XLSX media type) is accepted too; it is
        # described, not listed, as a schema cannot tell a CSV from any other text.
        "description": "The file in the multipart field `file`; or send the file as the raw "
        f"body with Content-Type `text/csv` or `{XLSX_MEDIA_TYPE}`",
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def uploaded_file(request: Request) -> tuple[bytes, str | None, str | None]:
    """(bytes, file name, media type) from a multipart upload or the raw body."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput.at("file", "send the file in the multipart field 'file'")
        content = await upload.read()
        await form.close()
        return content, upload.filename, upload.content_type
    return await request.body(), None, media_type or None


Upload = Annotated[tuple[bytes, str | None, str | None], Depends(uploaded_file)]


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ImportOut,
    responses=problem_responses(400, 401, 403, 409, 413, 422, 503),
    openapi_extra=_BODY,
)
async def create_import(
    request: Request,
    session: SessionDep,
    principal: MemberAuth,
    upload: Upload,
    response: Response,
    kind: Annotated[ImportKind, Query(description="What the rows are")],
    dry_run: Annotated[bool, Query(description="Check and report; write nothing")] = False,
    on_error: Annotated[OnError, Query(description="abort: any bad row fails all")] = "abort",
    on_duplicate: Annotated[
        OnDuplicate, Query(description="Suspected duplicate organisations: warn, skip or merge")
    ] = "warn",
    organization_id: Annotated[
        str | None, Query(description="Owner of offer/request rows that name none")
    ] = None,
) -> ImportOut:
    """Queue a CSV or XLSX file for import; poll GET /v1/imports/{id} for the report."""
    content, filename, media_type = upload
    job = await service.submit_import(
        session,
        principal=principal,
        kind=kind,
        content=content,
        filename=filename,
        media_type=media_type,
        options=ImportOptions(
            dry_run=dry_run,
            on_error=on_error,
            on_duplicate=on_duplicate,
            organization_id=organization_id or None,
        ),
        max_bytes=_settings(request).max_import_bytes,
    )
    response.headers["Location"] = f"/v1/imports/{job.id}"
    return service.import_out(job)


@router.get("", response_model=Page[ImportOut], responses=problem_responses(401, 403, 422, 503))
async def list_imports(
    session: SessionDep, principal: MemberAuth, page: PageDep
) -> Page[ImportOut]:
    """List this key's imports, newest first."""
    result = await service.list_imports(session, principal=principal, page=page)
    return Page[ImportOut](
        data=[service.import_out(job) for job in result.items],
        has_more=result.has_more,
        next_cursor=result.next_cursor,
    )


@router.get(
    "/{import_id}", response_model=ImportOut, responses=problem_responses(401, 403, 404, 422, 503)
)
async def get_import(session: SessionDep, principal: MemberAuth, import_id: str) -> ImportOut:
    """Read one import: its status, progress and report."""
    job = await service.get_import(session, principal=principal, import_id=import_id)
    return service.import_out(job)
