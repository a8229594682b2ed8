"""engagements: holds and reservations on offers, their history and message threads

Offers get ``total_quantity`` and ``held_quantity`` and the database refuses
``reserved_quantity + held_quantity > total_quantity`` (a CHECK constraint), so no
race can overbook an offer whatever code path writes it.

Revision ID: 7f3a9c2e4b10
Revises: 5c2e8a7d1b93
Create Date: 2026-11-21 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7f3a9c2e4b10"
down_revision: str | None = "5c2e8a7d1b93"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUANTITY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
BOOKED_WITHIN_TOTAL = "reserved_quantity + held_quantity <= total_quantity"


def _id(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=40), nullable=nullable)


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[sa.DateTime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _foreign_key(
    table: str, column: str, target: str, *, ondelete: str = "RESTRICT"
) -> sa.ForeignKeyConstraint:
    """``column`` of ``table`` refers to ``target.id`` (named as the models name it)."""
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _offer_columns_postgresql() -> None:
    op.alter_column("offers", "reserved_quantity", type_=sa.BigInteger())
    op.add_column(
        "offers",
        sa.Column("held_quantity", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.add_column("offers", sa.Column("total_quantity", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE offers SET total_quantity = coalesce(capacity_total, greatest(0, "
        "capacity_per_week::bigint * (available_until - available_from + 1) / 7))"
    )
    op.alter_column("offers", "total_quantity", nullable=False)
    op.create_check_constraint(op.f("ck_offers_held_not_negative"), "offers", "held_quantity >= 0")
    op.create_check_constraint(op.f("ck_offers_booked_within_total"), "offers", BOOKED_WITHIN_TOTAL)


def _offer_columns_sqlite() -> None:
    # ADD COLUMN with a column CHECK: no table rebuild (which would drop the
    # market_changes triggers on offers).
    op.execute(
        "ALTER TABLE offers ADD COLUMN held_quantity INTEGER NOT NULL DEFAULT 0 "
        "CONSTRAINT ck_offers_held_not_negative CHECK (held_quantity >= 0)"
    )
    op.execute(
        "ALTER TABLE offers ADD COLUMN total_quantity INTEGER NOT NULL DEFAULT 0 "
        f"CONSTRAINT ck_offers_booked_within_total CHECK ({BOOKED_WITHIN_TOTAL})"
    )
    op.execute(
        "UPDATE offers SET total_quantity = coalesce(capacity_total, max(0, capacity_per_week * "
        "(CAST(julianday(available_until) - julianday(available_from) AS INTEGER) + 1) / 7))"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _offer_columns_postgresql()
    else:
        _offer_columns_sqlite()

    op.create_table(
        "engagements",
        _id("id"),
        _id("request_id"),
        _id("offer_id"),
        _id("buyer_partner_id"),
        _id("buyer_organization_id"),
        _id("seller_partner_id"),
        _id("seller_organization_id"),
        sa.Column("quantity", QUANTITY, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _timestamp("expires_at"),
        _timestamp("accepted_at", nullable=True),
        _timestamp("closed_at", nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_engagements_quantity_positive")),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'declined', 'cancelled', 'expired', 'fulfilled')",
            name=op.f("ck_engagements_status_known"),
        ),
        _foreign_key("engagements", "request_id", "requests"),
        _foreign_key("engagements", "offer_id", "offers"),
        _foreign_key("engagements", "buyer_partner_id", "partners"),
        _foreign_key("engagements", "buyer_organization_id", "organizations"),
        _foreign_key("engagements", "seller_partner_id", "partners"),
        _foreign_key("engagements", "seller_organization_id", "organizations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagements")),
    )
    for name, columns in (
        ("ix_engagements_offer_id_status", ["offer_id", "status"]),
        ("ix_engagements_request_id_status", ["request_id", "status"]),
        ("ix_engagements_buyer_partner_id_id", ["buyer_partner_id", "id"]),
        ("ix_engagements_seller_partner_id_id", ["seller_partner_id", "id"]),
        ("ix_engagements_buyer_organization_id_id", ["buyer_organization_id", "id"]),
        ("ix_engagements_seller_organization_id_id", ["seller_organization_id", "id"]),
        ("ix_engagements_status_expires_at", ["status", "expires_at"]),
    ):
        op.create_index(name, "engagements", columns)

    op.create_table(
        "engagement_events",
        _id("id"),
        _id("engagement_id"),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        _id("actor_organization_id", nullable=True),
        _id("actor_key_id", nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _timestamp("created_at"),
        _foreign_key("engagement_events", "engagement_id", "engagements", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_events")),
    )
    op.create_index(
        "ix_engagement_events_engagement_id_id", "engagement_events", ["engagement_id", "id"]
    )
    op.create_table(
        "engagement_messages",
        _id("id"),
        _id("engagement_id"),
        sa.Column("author_side", sa.String(length=16), nullable=False),
        _id("author_organization_id"),
        _id("author_key_id", nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        _timestamp("created_at"),
        _foreign_key("engagement_messages", "engagement_id", "engagements", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_messages")),
    )
    op.create_index(
        "ix_engagement_messages_engagement_id_id", "engagement_messages", ["engagement_id", "id"]
    )


def downgrade() -> None:
    op.drop_table("engagement_messages")
    op.drop_table("engagement_events")
    op.drop_table("engagements")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("ck_offers_booked_within_total"), "offers", type_="check")
        op.drop_constraint(op.f("ck_offers_held_not_negative"), "offers", type_="check")
        op.drop_column("offers", "total_quantity")
        op.drop_column("offers", "held_quantity")
        op.alter_column("offers", "reserved_quantity", type_=sa.Integer())
    else:
        # Each CHECK is a column constraint of the column it goes with.
        op.execute("ALTER TABLE offers DROP COLUMN total_quantity")
        op.execute("ALTER TABLE offers DROP COLUMN held_quantity")
