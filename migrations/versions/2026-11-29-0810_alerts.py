"""alerts: saved searches, alerted pairs, requests' alert_min_score

Revision ID: 5b7e2d9c4f18
Revises: 5c2a7e9f1b38
Create Date: 2026-11-29 08:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b7e2d9c4f18"
down_revision: str | None = "5c2a7e9f1b38"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("partner_id", sa.String(40), nullable=False),
        sa.Column("organization_id", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("min_score", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "min_score >= 0 AND min_score <= 1", name=op.f("ck_saved_searches_min_score_range")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_saved_searches_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_saved_searches_partner_id_partners"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_searches")),
    )
    op.create_index("ix_saved_searches_partner_id_id", "saved_searches", ["partner_id", "id"])
    op.create_index(
        "ix_saved_searches_organization_id_id", "saved_searches", ["organization_id", "id"]
    )
    op.create_table(
        "alert_pairs",
        sa.Column("subject_id", sa.String(40), nullable=False),
        sa.Column("offer_id", sa.String(40), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subject_id", "offer_id", name=op.f("pk_alert_pairs")),
    )
    op.add_column(
        "requests",
        sa.Column("alert_min_score", sa.Float(), server_default=sa.text("0.5"), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("requests", "alert_min_score")
    op.drop_table("alert_pairs")
    op.drop_index("ix_saved_searches_organization_id_id", table_name="saved_searches")
    op.drop_index("ix_saved_searches_partner_id_id", table_name="saved_searches")
    op.drop_table("saved_searches")
