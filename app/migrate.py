"""Running the Alembic migrations from the installed package (``capmatch migrate``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config

from app.core.config import Settings

_PACKAGE_DIR = Path(__file__).resolve().parent


IncludeObject = Callable[[Any, str | None, str, bool, Any], bool]


def include_object_for(dialect_name: str) -> IncludeObject:
    """Alembic filter: skip indexes declared for another dialect (``Index.ddl_if``)."""

    def include_object(
        obj: Any, _name: str | None, type_: str, _reflected: bool, _compare_to: Any
    ) -> bool:
        dialect = getattr(getattr(obj, "_ddl_if", None), "dialect", None)
        return not (type_ == "index" and dialect is not None and dialect != dialect_name)

    return include_object


def migrations_dir() -> Path:
    # A wheel carries them as app/_migrations; a source checkout has them at the top level.
    for candidate in (_PACKAGE_DIR / "_migrations", _PACKAGE_DIR.parent / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise RuntimeError("capmatch migrations not found; reinstall the package")


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings.database_url), revision)


def downgrade(settings: Settings, revision: str) -> None:
    command.downgrade(alembic_config(settings.database_url), revision)
