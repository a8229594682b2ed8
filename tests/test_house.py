"""The house rules that no linter checks: module size."""

from __future__ import annotations

from pathlib import Path

import app

MAX_MODULE_LINES = 400


def test_no_module_in_app_is_over_400_lines() -> None:
    root = Path(app.__file__).parent
    too_long = {
        str(path.relative_to(root)): lines
        for path in root.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert too_long == {}, f"split these modules (lines): {too_long}"
