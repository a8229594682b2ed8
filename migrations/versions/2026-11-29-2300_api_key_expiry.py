"""API keys may carry an expiry: past expires_at a key answers 401

Revision ID: 5c2e8a1f9d47
Revises: 8e4b2d6f1a35
Create Date: 2026-11-29 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c2e8a1f9d47"
down_revision: str | None = "8e4b2d6f1a35"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE on both databases: SQLite's batch mode would copy the table and lose
# the triggers that log its changes for matching.
def upgrade() -> None:
    op.add_column("api_keys", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE api_keys DROP COLUMN expires_at")
