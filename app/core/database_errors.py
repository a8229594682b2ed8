"""What a database error means for the caller: unavailable (503), a lost race (409, send
again) or a unique value taken by a concurrent write (409). Used by the error handlers."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

# PostgreSQL SQLSTATEs that mean the database cannot be used now, whatever the statement:
# class 08 connection exception, 53 insufficient resources (too many connections), 57P
# operator intervention (shutting down, starting up, database dropped), and 3D000: the
# configured database does not exist (yet).
_UNAVAILABLE_SQLSTATES = ("08", "53", "57P", "3D000")
_SQLITE_BUSY = 5


def is_database_unavailable(exc: BaseException) -> bool:
    """True when the database cannot be reached (as opposed to a bug in a statement)."""
    if isinstance(exc, PoolTimeoutError | DisconnectionError | ConnectionError | TimeoutError):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        orig = exc.orig
        sqlstate = getattr(orig, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATES):
            return True
        # SQLite busy (SQLITE_BUSY and its extended codes): the write lock stayed taken
        # past busy_timeout. The database is overloaded, not wrong: retry later.
        if getattr(orig, "sqlite_errorcode", 0) & 0xFF == _SQLITE_BUSY:
            return True
        text = str(orig).lower()
        markers = (
            "connection refused",
            "could not connect",
            "unable to open database",
            "connection was closed",
            "cannot connect",
            "terminating connection",
            "the database system is",
            "connection is closed",
            "database is locked",
        )
        return any(marker in text for marker in markers)
    return isinstance(exc, OSError)


# 40001 serialization failure, 40P01 deadlock detected: the transaction lost a race with a
# concurrent one and was rolled back whole, so nothing of it happened and sending the same
# request again is safe. Lock orders keep known paths from deadlocking; this is the net.
_LOST_RACE_SQLSTATES = ("40001", "40P01")


def took_a_unique_value(exc: BaseException) -> bool:
    """A unique index refused a write. Services check uniqueness first and name the field,
    so this is a concurrent write that got there first."""
    orig = getattr(exc, "orig", None)
    unique = getattr(orig, "sqlstate", None) == "23505" or "UNIQUE constraint" in str(orig)
    return isinstance(exc, IntegrityError) and unique


def lost_a_race(exc: BaseException) -> bool:
    """True when the database rolled the transaction back for a concurrent one."""
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return isinstance(exc, DBAPIError) and sqlstate in _LOST_RACE_SQLSTATES
