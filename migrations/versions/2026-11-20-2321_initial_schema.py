"""initial schema

Revision ID: 4707cf7373ae
Revises:
Create Date: 2026-11-20 23:21:39.040098
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Code lists: text[] on PostgreSQL (GIN-indexed), JSON on SQLite.
CODES = sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql")


revision: str = "4707cf7373ae"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column("response_headers", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_idempotency_keys")),
    )
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.create_index("ix_idempotency_keys_created_at", ["created_at"], unique=False)

    op.create_table(
        "partners",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
        sa.UniqueConstraint("slug", name=op.f("uq_partners_slug")),
    )
    op.create_table(
        "organizations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("partner_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("region", sa.String(length=8), nullable=True),
        sa.Column("street", sa.String(length=200), nullable=True),
        sa.Column("postal_code", sa.String(length=16), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("contact_email", sa.String(length=320), nullable=True),
        sa.Column("contact_phone", sa.String(length=50), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_organizations_partner_id_partners"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
    )
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.create_index("ix_organizations_lat_lon", ["lat", "lon"], unique=False)
        batch_op.create_index("ix_organizations_partner_id_id", ["partner_id", "id"], unique=False)
        batch_op.create_index("ix_organizations_region", ["region"], unique=False)

    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("partner_id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_api_keys_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_api_keys_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_api_keys_secret_hash")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index("ix_api_keys_organization_id", ["organization_id"], unique=False)
        batch_op.create_index("ix_api_keys_partner_id", ["partner_id"], unique=False)

    op.create_table(
        "offers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("partner_id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("skills", CODES, nullable=False),
        sa.Column("products", CODES, nullable=False),
        sa.Column("certifications", CODES, nullable=False),
        sa.Column("search_codes", CODES, nullable=False),
        sa.Column("capacity_unit", sa.String(length=32), nullable=False),
        sa.Column("capacity_per_week", sa.Integer(), nullable=False),
        sa.Column("capacity_total", sa.Integer(), nullable=True),
        sa.Column("min_order_quantity", sa.Integer(), nullable=False),
        sa.Column("lead_time_days", sa.Integer(), nullable=False),
        sa.Column("available_from", sa.Date(), nullable=False),
        sa.Column("available_until", sa.Date(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("region", sa.String(length=8), nullable=True),
        sa.Column("service_radius_km", sa.Float(), nullable=True),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reserved_quantity", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "available_until >= available_from", name=op.f("ck_offers_window_ordered")
        ),
        sa.CheckConstraint(
            "capacity_per_week > 0", name=op.f("ck_offers_capacity_per_week_positive")
        ),
        sa.CheckConstraint("reserved_quantity >= 0", name=op.f("ck_offers_reserved_not_negative")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_offers_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_offers_partner_id_partners"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
    )
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.create_index("ix_offers_lat_lon", ["lat", "lon"], unique=False)
        batch_op.create_index(
            "ix_offers_organization_id_id", ["organization_id", "id"], unique=False
        )
        batch_op.create_index("ix_offers_partner_id_id", ["partner_id", "id"], unique=False)
        batch_op.create_index("ix_offers_region", ["region"], unique=False)
        batch_op.create_index(
            "ix_offers_status_available_until", ["status", "available_until"], unique=False
        )
        batch_op.create_index("ix_offers_visibility_id", ["visibility", "id"], unique=False)

    op.create_table(
        "organization_certifications",
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("certificate_number", sa.String(length=100), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_organization_certifications_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organization_id", "code", name=op.f("pk_organization_certifications")
        ),
    )
    with op.batch_alter_table("organization_certifications", schema=None) as batch_op:
        batch_op.create_index("ix_organization_certifications_code", ["code"], unique=False)

    op.create_table(
        "requests",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("partner_id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("skills", CODES, nullable=False),
        sa.Column("products", CODES, nullable=False),
        sa.Column("required_certifications", CODES, nullable=False),
        sa.Column("preferred_certifications", CODES, nullable=False),
        sa.Column("search_codes", CODES, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("needed_by", sa.Date(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("region", sa.String(length=8), nullable=True),
        sa.Column("max_distance_km", sa.Float(), nullable=True),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_requests_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_requests_organization_id_organizations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_requests_partner_id_partners"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requests")),
    )
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.create_index("ix_requests_lat_lon", ["lat", "lon"], unique=False)
        batch_op.create_index(
            "ix_requests_organization_id_id", ["organization_id", "id"], unique=False
        )
        batch_op.create_index("ix_requests_partner_id_id", ["partner_id", "id"], unique=False)
        batch_op.create_index("ix_requests_region", ["region"], unique=False)
        batch_op.create_index("ix_requests_status_needed_by", ["status", "needed_by"], unique=False)
        batch_op.create_index("ix_requests_visibility_id", ["visibility", "id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_offers_search_codes", "offers", ["search_codes"], postgresql_using="gin"
        )
        op.create_index(
            "ix_requests_search_codes", "requests", ["search_codes"], postgresql_using="gin"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_requests_search_codes", table_name="requests")
        op.drop_index("ix_offers_search_codes", table_name="offers")
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index("ix_requests_visibility_id")
        batch_op.drop_index("ix_requests_status_needed_by")
        batch_op.drop_index("ix_requests_region")
        batch_op.drop_index("ix_requests_partner_id_id")
        batch_op.drop_index("ix_requests_organization_id_id")
        batch_op.drop_index("ix_requests_lat_lon")

    op.drop_table("requests")
    with op.batch_alter_table("organization_certifications", schema=None) as batch_op:
        batch_op.drop_index("ix_organization_certifications_code")

    op.drop_table("organization_certifications")
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_index("ix_offers_visibility_id")
        batch_op.drop_index("ix_offers_status_available_until")
        batch_op.drop_index("ix_offers_region")
        batch_op.drop_index("ix_offers_partner_id_id")
        batch_op.drop_index("ix_offers_organization_id_id")
        batch_op.drop_index("ix_offers_lat_lon")

    op.drop_table("offers")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_api_keys_partner_id")
        batch_op.drop_index("ix_api_keys_organization_id")

    op.drop_table("api_keys")
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_index("ix_organizations_region")
        batch_op.drop_index("ix_organizations_partner_id_id")
        batch_op.drop_index("ix_organizations_lat_lon")

    op.drop_table("organizations")
    op.drop_table("partners")
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_idempotency_keys_created_at")

    op.drop_table("idempotency_keys")
