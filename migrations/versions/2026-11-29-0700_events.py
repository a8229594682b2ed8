"""events: the outbox (one row per change, written in the change's transaction)

Revision ID: 9e4c1b7d2a05
Revises: 3d8b6f1a9c27
Create Date: 2026-11-29 07:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9e4c1b7d2a05"
down_revision: str | None = "3d8b6f1a9c27"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_events_txid_seq", ["txid", "seq"], None),
    ("ix_events_partner_txid_seq", ["partner_id", "txid", "seq"], None),
    ("ix_events_organization_txid_seq", ["organization_id", "txid", "seq"], None),
    # Only engagement events have a counterpart: partial indexes skip the rest.
    (
        "ix_events_counterpart_partner_txid_seq",
        ["counterpart_partner_id", "txid", "seq"],
        "counterpart_partner_id IS NOT NULL",
    ),
    (
        "ix_events_counterpart_organization_txid_seq",
        ["counterpart_organization_id", "txid", "seq"],
        "counterpart_organization_id IS NOT NULL",
    ),
    ("ix_events_created_at", ["created_at"], None),
)


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("txid", sa.BigInteger(), nullable=True),
        sa.Column("partner_id", sa.String(40), nullable=False),
        sa.Column("organization_id", sa.String(40), nullable=True),
        sa.Column("counterpart_partner_id", sa.String(40), nullable=True),
        sa.Column("counterpart_organization_id", sa.String(40), nullable=True),
        sa.Column("actor", sa.JSON(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_events")),
        sa.UniqueConstraint("id", name=op.f("uq_events_id")),
        sqlite_autoincrement=True,
    )
    for name, columns, where in INDEXES:
        partial = {} if where is None else {"postgresql_where": where, "sqlite_where": where}
        op.create_index(name, "events", columns, **{k: sa.text(v) for k, v in partial.items()})


def downgrade() -> None:
    for name, _, _ in INDEXES:
        op.drop_index(name, table_name="events")
    op.drop_table("events")
