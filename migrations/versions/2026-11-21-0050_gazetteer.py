"""gazetteer: postal codes with coordinates and ISO 3166-2 region

Revision ID: 9b1d3c6e2f40
Revises: 4707cf7373ae
Create Date: 2026-11-21 00:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9b1d3c6e2f40"
down_revision: str | None = "4707cf7373ae"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "postal_codes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("postal_code", sa.String(length=20), nullable=False),
        sa.Column("place_name", sa.String(length=180), nullable=False),
        sa.Column("admin1_code", sa.String(length=20), nullable=True),
        sa.Column("admin1_name", sa.String(length=100), nullable=True),
        sa.Column("region", sa.String(length=8), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("accuracy", sa.SmallInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postal_codes")),
    )
    with op.batch_alter_table("postal_codes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_postal_codes_country_postal_code", ["country", "postal_code"], unique=False
        )
        batch_op.create_index("ix_postal_codes_lat_lon", ["lat", "lon"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("postal_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_postal_codes_lat_lon")
        batch_op.drop_index("ix_postal_codes_country_postal_code")

    op.drop_table("postal_codes")
