"""The migration history matches the models and runs down and up again to the same schema."""

from __future__ import annotations

from pprint import pformat
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, DefaultClause, create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.db import Base
from app.migrate import alembic_config, include_object_for
from tests.fixtures.schema import Schema, differences, explain, snapshot

# SQLite adds a NOT NULL column only with a default, so the engagements migration gave
# offers.total_quantity DEFAULT 0 there; the ORM always writes the total and declares none.
SQLITE_ONLY_DEFAULTS = {("offers", "total_quantity")}

# Only the migrations create these (the ORM knows no triggers or trigger functions).
MIGRATION_ONLY_KINDS = ("trigger ", "function ")


def _compare_server_default(
    context: MigrationContext,
    _inspected: Any,
    metadata_column: Column[Any],
    _inspected_default: str | None,
    metadata_default: Any,
    _rendered: str | None,
) -> bool | None:
    if (
        context.dialect.name == "sqlite"
        and metadata_default is None
        and (metadata_column.table.name, metadata_column.name) in SQLITE_ONLY_DEFAULTS
    ):
        return False
    return None  # alembic's own comparison


def _autogenerate_diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "compare_server_default": _compare_server_default,
            "include_object": include_object_for(connection.dialect.name),
        },
    )
    return list(compare_metadata(context, Base.metadata))


def _readable(item: Any) -> Any:
    """Autogenerate's operations with server defaults as SQL text, not object reprs."""
    if isinstance(item, list | tuple):
        return type(item)(_readable(part) for part in item)
    if isinstance(item, DefaultClause):
        return f"DEFAULT {getattr(item.arg, 'text', item.arg)}"
    return item


async def test_autogenerate_finds_no_difference_between_models_and_migrations(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection:
        diff = await connection.run_sync(_autogenerate_diff)
    assert diff == [], "alembic autogenerate would write:\n" + pformat(_readable(diff))


def _orm_schema(connection: Connection) -> Schema:
    """The schema ``Base.metadata.create_all`` makes on this kind of database."""
    if connection.dialect.name == "postgresql":
        # In a schema of its own, inside the caller's transaction (rolled back).
        connection.execute(text("CREATE SCHEMA orm_schema"))
        connection.execute(text("SET LOCAL search_path TO orm_schema"))
        Base.metadata.create_all(connection)
        try:
            return snapshot(connection)
        finally:
            connection.execute(text("SET LOCAL search_path TO DEFAULT"))
    scratch = create_engine("sqlite://")
    try:
        with scratch.begin() as scratch_connection:
            Base.metadata.create_all(scratch_connection)
            return snapshot(scratch_connection)
    finally:
        scratch.dispose()


def _migrated_and_orm_schemas(connection: Connection) -> tuple[Schema, Schema]:
    return snapshot(connection), _orm_schema(connection)


async def test_migrated_schema_is_the_schema_the_models_create(engine: AsyncEngine) -> None:
    # Beyond autogenerate: CHECK constraints with their expressions, and the definitions
    # of indexes and constraints as the database itself prints them. Server defaults are
    # left to autogenerate, which compares their values ('0'::bigint is 0), not their text.
    async with engine.connect() as connection:
        migrated, orm = await connection.run_sync(_migrated_and_orm_schemas)
        await connection.rollback()
    diff = differences(_comparable(orm), _comparable(migrated))
    assert not diff, explain("create_all (-) against the migrations (+)", diff)


def _comparable(schema: Schema) -> Schema:
    return {
        key: {name: value for name, value in properties.items() if name != "default"}
        for key, properties in schema.items()
        if not key.startswith(MIGRATION_ONLY_KINDS)
    }


def _config(connection: Connection) -> Config:
    config = alembic_config(connection.engine.url.render_as_string(hide_password=False))
    config.attributes["connection"] = connection
    return config


def _down_to_base_and_up(connection: Connection) -> tuple[Schema, Schema, Schema]:
    config = _config(connection)
    before = snapshot(connection)
    command.downgrade(config, "base")
    at_base = snapshot(connection)
    command.upgrade(config, "head")
    return before, at_base, snapshot(connection)


async def test_downgrade_to_base_and_upgrade_again_gives_the_same_schema(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        before, at_base, after = await connection.run_sync(_down_to_base_and_up)
    assert any(key.startswith("trigger ") for key in before)  # the snapshot sees triggers
    assert at_base == {}, explain("left behind at base", differences({}, at_base))
    diff = differences(before, after)
    assert not diff, explain("schema before (-) and after (+) the round trip", diff)


def _each_revision_down_and_up(connection: Connection) -> list[str]:
    """The schema at every revision reached going down, against the same revision
    reached going up: what a downgrade leaves behind or loses shows at its revision."""
    config = _config(connection)
    going_down = {"head": snapshot(connection)}
    revisions = [
        revision.revision for revision in ScriptDirectory.from_config(config).walk_revisions()
    ]  # head first
    for below in [*revisions[1:], "base"]:
        command.downgrade(config, "-1")
        going_down[below] = snapshot(connection)
    going_up = {"base": snapshot(connection)}
    for revision in reversed(revisions):
        command.upgrade(config, "+1")
        going_up[revision] = snapshot(connection)
    going_up["head"] = going_up[revisions[0]]
    return [
        f"at {revision}: {line}"
        for revision in going_down
        for line in differences(going_down[revision], going_up[revision])
    ]


async def test_every_revision_has_the_same_schema_going_down_and_going_up(
    engine: AsyncEngine,
) -> None:
    # A step's downgrade can leave something behind (a wider column type) or lose
    # something (on SQLite a batch table rebuild drops the table's triggers) that the
    # round trip from base rebuilds anyway.
    async with engine.begin() as connection:
        problems = await connection.run_sync(_each_revision_down_and_up)
    assert not problems, explain("schema going down (-) and going up (+)", problems)


def _changed_schema(connection: Connection) -> list[str]:
    # DDL is transactional on both databases: the caller rolls all of it back.
    before = snapshot(connection)
    if connection.dialect.name == "postgresql":
        connection.execute(text("DROP TRIGGER offers_market_change_insert ON offers"))
    else:
        connection.execute(text("DROP TRIGGER offers_market_change_insert"))
    connection.execute(text("DROP INDEX ix_offers_region"))
    connection.execute(
        text("CREATE INDEX ix_offers_region ON offers (region) WHERE status = 'active'")
    )
    connection.execute(text("ALTER TABLE partners ADD COLUMN note TEXT"))
    return differences(before, snapshot(connection))


async def test_the_comparison_shows_a_lost_trigger_a_changed_index_and_a_new_column(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection:
        lines = await connection.run_sync(_changed_schema)
        await connection.rollback()
    trigger = "offers_market_change_insert"
    assert any(line.startswith(f"- trigger offers.{trigger} ") for line in lines), lines
    assert any(
        line.startswith("~ index offers.ix_offers_region sql:") and "WHERE" in line
        for line in lines
    ), lines
    assert any(line.startswith("+ column partners.note ") for line in lines), lines
