"""An import job: one uploaded file, queued, claimed by a runner with a lease, reported."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, UTCDateTime
from app.models.mixins import IdColumn


class ImportJob(Base):
    """A file to import and, once run, what it did (API.md "Imports").

    The file's bytes live in ``content`` until the job ends, so a restart loses nothing;
    the caller (``principal_*``) is kept to rebuild its ``Principal`` in the runner.
    ``claimed_by``/``claim_expires_at`` are the runner's lease, as for webhook deliveries.
    """

    __tablename__ = "import_jobs"

    id: Mapped[str] = mapped_column(IdColumn, primary_key=True)
    partner_id: Mapped[str] = mapped_column(IdColumn, nullable=False)
    organization_id: Mapped[str | None] = mapped_column(IdColumn, nullable=True)
    principal_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    key_id: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    file_format: Mapped[str] = mapped_column(String(8), nullable=False)  # csv|xlsx
    filename: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # Deferred: a report (polled while the job runs) must not read a 50 MB file each time;
    # the runner's claim asks for it.
    content: Mapped[bytes | None] = mapped_column(
        LargeBinary, nullable=True, deferred=True, deferred_raiseload=True
    )
    # dry_run, on_error, on_duplicate, organization_id (the default owner of rows)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    rows_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rows_processed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # created/updated/unchanged/skipped counts, errors, warnings
    result: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    claim_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    dry_run: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    __table_args__ = (
        Index("ix_import_jobs_status_created_at", "status", "created_at"),
        Index("ix_import_jobs_partner_id_id", "partner_id", "id"),
    )
