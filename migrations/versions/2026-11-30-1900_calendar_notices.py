"""calendar events, notices and feed subscriptions (tokens for .ics and Atom readers)

Revision ID: e5a7c9d14f36
Revises: d4f6b8c03e25
Create Date: 2026-11-30 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "e5a7c9d14f36"
down_revision: str | None = "d4f6b8c03e25"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Code lists: text[] on PostgreSQL (GIN-indexed), JSON on SQLite.
CODES = sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql")


def _owner_columns(table: str) -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("partner_id", sa.String(40), nullable=False),
        sa.Column("organization_id", sa.String(40), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
    ]


def _common_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("topics", CODES, nullable=False),
        sa.Column("topic_terms", CODES, nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def _owner_constraints(table: str) -> list[sa.Constraint]:
    return [
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f(f"fk_{table}_partner_id_partners"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f(f"fk_{table}_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.CheckConstraint(
            "visibility IN ('network', 'shared')", name=op.f(f"ck_{table}_visibility_known")
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "calendar_events",
        *_owner_columns("calendar_events"),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("online_url", sa.String(2000), nullable=True),
        sa.Column("location", sa.String(500), nullable=True),
        sa.Column("region", sa.String(8), nullable=True),
        sa.Column("registration_url", sa.String(2000), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        *_common_columns(),
        *_owner_constraints("calendar_events"),
        sa.CheckConstraint(
            "ends_at >= starts_at", name=op.f("ck_calendar_events_ends_after_start")
        ),
        sa.CheckConstraint(
            "status IN ('scheduled', 'cancelled')", name=op.f("ck_calendar_events_status_known")
        ),
    )
    op.create_index("ix_calendar_events_starts_at_id", "calendar_events", ["starts_at", "id"])
    op.create_index("ix_calendar_events_partner_id_id", "calendar_events", ["partner_id", "id"])
    op.create_index(
        "ix_calendar_events_organization_id_id", "calendar_events", ["organization_id", "id"]
    )
    op.create_table(
        "notices",
        *_owner_columns("notices"),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        *_common_columns(),
        *_owner_constraints("notices"),
        sa.CheckConstraint(
            "kind IN ('call_for_partners', 'funding', 'standard', 'other')",
            name=op.f("ck_notices_kind_known"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'withdrawn')", name=op.f("ck_notices_status_known")
        ),
    )
    op.create_index("ix_notices_partner_id_id", "notices", ["partner_id", "id"])
    op.create_index("ix_notices_organization_id_id", "notices", ["organization_id", "id"])
    op.create_index("ix_notices_published_at_id", "notices", ["published_at", "id"])
    if op.get_bind().dialect.name == "postgresql":
        for table in ("calendar_events", "notices"):
            op.create_index(
                f"ix_{table}_topic_terms", table, ["topic_terms"], postgresql_using="gin"
            )
    op.create_table(
        "feed_subscriptions",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("feed", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("api_key_id", sa.String(40), nullable=False),
        sa.Column("principal_kind", sa.String(16), nullable=False),
        sa.Column("partner_id", sa.String(40), nullable=True),
        sa.Column("organization_id", sa.String(40), nullable=True),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("token_prefix", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_subscriptions")),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_feed_subscriptions_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_feed_subscriptions_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("token_hash", name=op.f("uq_feed_subscriptions_token_hash")),
    )
    op.create_index(
        "ix_feed_subscriptions_api_key_id_id", "feed_subscriptions", ["api_key_id", "id"]
    )


def downgrade() -> None:
    op.drop_table("feed_subscriptions")
    op.drop_table("notices")
    op.drop_table("calendar_events")
