"""seller track changes: an engagement's status change logs its seller as a market change

The matching index holds each organisation's track record as a seller (fulfilled vs.
failed engagements, answers to holds: its ``reliability``). When an engagement changes
status, the seller's offers must be read again in every worker, like after a change to
the organisation itself: a trigger logs the seller in ``market_changes`` as an
``organization`` change, whatever code wrote the status (a hold's answer, a sweep, an
organisation closing). Inserts (a new hold is pending) and other columns log nothing.

Revision ID: d4f6b8c03e25
Revises: c3e5a7b92d14
Create Date: 2026-11-30 13:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "d4f6b8c03e25"
down_revision: str | None = "c3e5a7b92d14"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGER = "engagements_seller_change"

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION capmatch_log_seller_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO market_changes (kind, object_id, txid)
    VALUES ('organization', NEW.seller_organization_id, pg_current_xact_id()::text::bigint);
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(
            f"CREATE TRIGGER {TRIGGER} AFTER UPDATE OF status ON engagements FOR EACH ROW "
            "WHEN (OLD.status IS DISTINCT FROM NEW.status) "
            "EXECUTE FUNCTION capmatch_log_seller_change()"
        )
        return
    op.execute(
        f"CREATE TRIGGER {TRIGGER} AFTER UPDATE OF status ON engagements FOR EACH ROW "  # noqa: S608 (constants only)
        "WHEN OLD.status IS NOT NEW.status BEGIN "
        "INSERT INTO market_changes (kind, object_id) "
        "VALUES ('organization', NEW.seller_organization_id); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON engagements")
        op.execute("DROP FUNCTION IF EXISTS capmatch_log_seller_change()")
        return
    op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
