"""Text the databases can store: the NUL character is what PostgreSQL cannot.

PostgreSQL ``text`` refuses U+0000 (SQLite keeps it), so a NUL in a query parameter,
a path or a JSON string would be a 500 on one database and stored on the other. The
edges (middleware for path and query, the JSON body reader) refuse it with a 422
that names the field, before any query runs.
"""

from __future__ import annotations

NUL = "\x00"
NUL_MESSAGE = "must not contain the NUL character (\\u0000)"


def shown(name: str) -> str:
    """``name`` with NUL written as the escape ``\\u0000``, fit for an error message."""
    return name.replace(NUL, "\\u0000")
