"""allocations: proposed (and applied) distributions of supply over open requests

Revision ID: b2d4f6a81c03
Revises: 7d3f9b2c4e18
Create Date: 2026-11-30 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b2d4f6a81c03"
down_revision: str | None = "7d3f9b2c4e18"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "allocations",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("partner_id", sa.String(40), nullable=True),
        sa.Column("objective", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("selection", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("solver", sa.String(100), nullable=False),
        sa.Column("solve_ms", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocations")),
    )
    op.create_index("ix_allocations_partner_id_id", "allocations", ["partner_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_allocations_partner_id_id", table_name="allocations")
    op.drop_table("allocations")
