"""request changes: writes to requests join the market change log (kind 'request')

The matching feed keeps an index of open requests for ``GET /v1/offers/{id}/matches``
and follows the log for it as it does for offers, so every write to a request is
logged by the database, whatever code path wrote it. PostgreSQL reuses the logging
function of the market_changes migration.

Revision ID: 3d8b6f1a9c27
Revises: 7f3a9c2e4b10
Create Date: 2026-11-22 09:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "3d8b6f1a9c27"
down_revision: str | None = "7f3a9c2e4b10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE, KIND, COLUMN = "requests", "request", "id"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE TRIGGER {TABLE}_market_change AFTER INSERT OR UPDATE OR DELETE ON {TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION capmatch_log_market_change('{KIND}', '{COLUMN}')"
        )
        return
    for operation, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
        # Built from the constants above, no input.
        statement = (
            f"CREATE TRIGGER {TABLE}_market_change_{operation.lower()} "  # noqa: S608
            f"AFTER {operation} ON {TABLE} FOR EACH ROW BEGIN "
            f"INSERT INTO market_changes (kind, object_id) VALUES ('{KIND}', {row}.{COLUMN}); "
            "END"
        )
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_market_change ON {TABLE}")
        return
    for operation in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_market_change_{operation}")
