"""How JSON columns are serialised."""

from __future__ import annotations

from typing import Any

from pydantic_core import to_json


def json_text(value: Any) -> str:
    """pydantic-core's serialiser (Rust): a quarter of the time of ``json.dumps``, which an
    import writing an event per row felt. Compact, UTF-8 (no ``\\u`` escapes)."""
    return to_json(value).decode()
