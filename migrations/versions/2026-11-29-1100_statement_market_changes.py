"""market changes per statement: PostgreSQL logs a statement's rows in one INSERT

The row triggers of the market_changes and request_changes migrations ran a PL/pgSQL
function per written row, which turned each row into jsonb to read its id and inserted
one log row at a time: a third of the database's time in an import of 100k offers.
Statement triggers with transition tables log all rows a statement wrote in one
INSERT ... SELECT; the log's content is the same (one row per written row, the writing
transaction's id). SQLite keeps its row triggers.

Revision ID: 8e4b2d6f1a35
Revises: 3a8c1e5b7d92
Create Date: 2026-11-29 11:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "8e4b2d6f1a35"
down_revision: str | None = "3a8c1e5b7d92"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, kind logged, column holding the object id)
WATCHED = (
    ("offers", "offer", "id"),
    ("organizations", "organization", "id"),
    ("organization_certifications", "organization", "organization_id"),
    ("requests", "request", "id"),
)

# Every trigger names its transition table "changed" (new rows, or old ones on DELETE).
STATEMENT_FUNCTION = """
CREATE OR REPLACE FUNCTION capmatch_log_market_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'INSERT INTO market_changes (kind, object_id, txid) '
        'SELECT $1, %I, pg_current_xact_id()::text::bigint FROM changed',
        TG_ARGV[1]
    ) USING TG_ARGV[0];
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(STATEMENT_FUNCTION)
    for table, kind, column in WATCHED:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_market_change ON {table}")
        for operation, rows in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            op.execute(
                f"CREATE TRIGGER {table}_market_change_{operation.lower()} AFTER {operation} "
                f"ON {table} REFERENCING {rows} TABLE AS changed FOR EACH STATEMENT "
                f"EXECUTE FUNCTION capmatch_log_market_changes('{kind}', '{column}')"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, kind, column in WATCHED:
        for operation in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_market_change_{operation} ON {table}")
        op.execute(
            f"CREATE TRIGGER {table}_market_change AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION capmatch_log_market_change('{kind}', '{column}')"
        )
    op.execute("DROP FUNCTION IF EXISTS capmatch_log_market_changes()")
