"""external_ref on organisations, offers and requests (unique per partner)

Revision ID: 7d3f9a1c2e64
Revises: 5b7e2d9c4f18
Create Date: 2026-11-29 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7d3f9a1c2e64"
down_revision: str | None = "5b7e2d9c4f18"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("organizations", "offers", "requests")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("external_ref", sa.String(100), nullable=True))
        op.create_index(
            f"uq_{table}_partner_external_ref",
            table,
            ["partner_id", "external_ref"],
            unique=True,
        )


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"uq_{table}_partner_external_ref", table_name=table)
        op.drop_column(table, "external_ref")
