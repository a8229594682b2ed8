"""market changes: a log of offer and organisation writes for the matching index; request weights

Revision ID: 5c2e8a7d1b93
Revises: 9b1d3c6e2f40
Create Date: 2026-11-21 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c2e8a7d1b93"
down_revision: str | None = "9b1d3c6e2f40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, kind logged, column holding the object id)
WATCHED = (
    ("offers", "offer", "id"),
    ("organizations", "organization", "id"),
    ("organization_certifications", "organization", "organization_id"),
)

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION capmatch_log_market_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO market_changes (kind, object_id, txid)
    VALUES (
        TG_ARGV[0],
        CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ->> TG_ARGV[1]
             ELSE to_jsonb(NEW) ->> TG_ARGV[1] END,
        pg_current_xact_id()::text::bigint
    );
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "market_changes",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("object_id", sa.String(length=40), nullable=False),
        sa.Column("txid", sa.BigInteger(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_market_changes")),
    )
    op.create_index("ix_market_changes_txid", "market_changes", ["txid"])
    op.create_index("ix_market_changes_created_at", "market_changes", ["created_at"])
    op.add_column("requests", sa.Column("weights", sa.JSON(), nullable=True))

    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        for table, kind, column in WATCHED:
            op.execute(
                f"CREATE TRIGGER {table}_market_change AFTER INSERT OR UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION capmatch_log_market_change('{kind}', '{column}')"
            )
        return
    for table, kind, column in WATCHED:
        for operation, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            # Built from the constants above, no input.
            statement = (
                f"CREATE TRIGGER {table}_market_change_{operation.lower()} "  # noqa: S608
                f"AFTER {operation} ON {table} FOR EACH ROW BEGIN "
                f"INSERT INTO market_changes (kind, object_id) VALUES ('{kind}', {row}.{column}); "
                "END"
            )
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, _kind, _column in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_market_change ON {table}")
        op.execute("DROP FUNCTION IF EXISTS capmatch_log_market_change()")
    else:
        for table, _kind, _column in WATCHED:
            for operation in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_market_change_{operation}")
    op.drop_column("requests", "weights")
    op.drop_index("ix_market_changes_created_at", table_name="market_changes")
    op.drop_index("ix_market_changes_txid", table_name="market_changes")
    op.drop_table("market_changes")
