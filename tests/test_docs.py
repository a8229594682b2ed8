"""The docs site's generated reference pages match the code they are generated from."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "docs_reference", ROOT / "scripts" / "docs_reference.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generated_reference_pages_are_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert _generator().main(["--check"]) == 0, capsys.readouterr().err


def test_every_setting_and_column_is_on_its_page() -> None:
    from app.core.config import Settings
    from app.tabular.columns import COLUMNS

    configuration = (ROOT / "docs" / "reference" / "configuration.md").read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        assert f"`CAPMATCH_{name.upper()}`" in configuration
        assert field.description or name in _generator().MEANINGS, f"{name}: say what it means"
    columns = (ROOT / "docs" / "reference" / "columns.md").read_text(encoding="utf-8")
    for kind_columns in COLUMNS.values():
        for column in kind_columns:
            assert f"| `{column.field}` | `{column.german}` |" in columns


def test_the_readme_points_to_the_docs_and_names_no_missing_file() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "./scripts/serve" in readme
    assert "./scripts/test" in readme
    assert "capmatch demo-data" in readme
    assert "docs/" in readme
    assert "API.md" not in readme  # the contract lives in docs/ and openapi/openapi.json
    assert "next milestones" not in readme
