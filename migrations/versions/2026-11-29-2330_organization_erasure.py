"""organisations remember when their personal data was erased (GDPR Art. 17)

Revision ID: 7d3f9b2c4e18
Revises: 5c2e8a1f9d47
Create Date: 2026-11-29 23:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7d3f9b2c4e18"
down_revision: str | None = "5c2e8a1f9d47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE on both databases: SQLite's batch mode would copy the table and lose
# the triggers that log its changes for matching.
def upgrade() -> None:
    op.add_column(
        "organizations", sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.execute("ALTER TABLE organizations DROP COLUMN erased_at")
