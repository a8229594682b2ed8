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


def upgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.drop_column("erased_at")
