"""The migration history matches the models and runs down and up again on this database."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.db import Base
from app.migrate import alembic_config, include_object_for


def _diff(connection: Connection) -> list[object]:
    include_object = include_object_for(connection.dialect.name)
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_object}
    )
    return list(compare_metadata(context, Base.metadata))


async def test_models_and_migrations_agree(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        diff = await connection.run_sync(_diff)
    assert diff == []


def _down_and_up(connection: Connection) -> None:
    config = alembic_config(connection.engine.url.render_as_string(hide_password=False))
    config.attributes["connection"] = connection
    command.downgrade(config, "base")
    command.upgrade(config, "head")


async def test_downgrade_to_base_and_upgrade_again(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(_down_and_up)
