"""What the imports API answers: a job and its report."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.core.schemas import OutModel

ImportKind = Literal["organizations", "offers", "requests"]
ImportStatus = Literal["queued", "running", "succeeded", "failed"]
OnError = Literal["abort", "skip"]
OnDuplicate = Literal["warn", "skip", "merge"]
MAX_REPORTED = 1000


class RowError(BaseModel):
    row: int = Field(description="As a spreadsheet numbers it: the header is row 1")
    column: str | None = Field(description="The file's column header, when one is to blame")
    message: str


class RowWarning(RowError):
    duplicate_of: str | None = Field(
        default=None, description="Id of the organisation this row seems to duplicate"
    )
    duplicate_of_row: int | None = Field(
        default=None, description="The earlier row of the same file this row seems to duplicate"
    )
    similarity: float | None = Field(default=None, ge=0, le=1)


class ImportOptions(BaseModel):
    dry_run: bool = False
    on_error: OnError = "abort"
    on_duplicate: OnDuplicate = "warn"
    organization_id: str | None = None


class ImportCounts(BaseModel):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[RowError] = Field(default_factory=list)
    warnings: list[RowWarning] = Field(default_factory=list)
    error_count: int = 0


class ImportOut(OutModel):
    id: str = Field(examples=["imp_..."])
    kind: ImportKind
    status: ImportStatus
    dry_run: bool
    on_error: OnError
    on_duplicate: OnDuplicate
    organization_id: str | None
    filename: str | None
    rows_total: int
    rows_processed: int
    created: int
    updated: int
    unchanged: int
    skipped: int
    errors: list[RowError] = Field(description="Up to 1,000, in row order")
    warnings: list[RowWarning]
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
