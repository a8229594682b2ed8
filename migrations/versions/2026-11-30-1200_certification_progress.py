"""certification progress: a certification may be in progress, expected by a date

Existing rows are held (the server default). The market-change triggers on
organization_certifications fire on every insert, update and delete of a row, whatever
column changed, so a certificate turning held (or a new expected date) reaches the
matching index without new triggers.

Revision ID: c3e5a7b92d14
Revises: b2d4f6a81c03
Create Date: 2026-11-30 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3e5a7b92d14"
down_revision: str | None = "b2d4f6a81c03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch mode): SQLite's batch mode copies the table, which
    # would drop its market-change triggers.
    op.add_column(
        "organization_certifications",
        sa.Column("status", sa.String(16), nullable=False, server_default="held"),
    )
    op.add_column("organization_certifications", sa.Column("expected_by", sa.Date(), nullable=True))


def downgrade() -> None:
    # A certificate in progress is not held: it goes rather than turning held.
    op.execute("DELETE FROM organization_certifications WHERE status = 'in_progress'")
    op.drop_column("organization_certifications", "expected_by")
    op.drop_column("organization_certifications", "status")
