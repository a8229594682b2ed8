"""Opaque, time-sortable identifiers (``off_01JD...``).

48 bits of milliseconds followed by 80 random bits, Crockford base32: ids sort by
creation time, so cursor pagination can order by id alone.
"""

from __future__ import annotations

import secrets
import threading
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Every pair of characters, at the index of the ten bits they encode.
_PAIRS = tuple(high + low for high in _ALPHABET for low in _ALPHABET)
_SHIFTS = tuple(range(120, -1, -10))


_RANDOM_BITS = 80
_last_value = 0
_lock = threading.Lock()


def _next_value() -> int:
    """Milliseconds and randomness, strictly increasing within this process.

    An id made in the same millisecond as the one before takes that one's value plus one
    (the ULID monotonic rule): such ids still sort by creation, and a burst (an import
    writes thousands a second) does not ask the operating system for randomness per id.
    """
    global _last_value
    with _lock:
        millisecond = int(time.time() * 1000)
        if millisecond <= _last_value >> _RANDOM_BITS:
            value = _last_value + 1
        else:
            value = (millisecond << _RANDOM_BITS) | secrets.randbits(_RANDOM_BITS)
        _last_value = value
        return value


def new_id(prefix: str) -> str:
    return f"{prefix}_{encode(_next_value())}"


def encode(value: int) -> str:
    """128 bits as 26 Crockford base32 characters, most significant first: 13 lookups of
    ten bits (two characters) each, about a fifth of a character-by-character loop."""
    pairs = _PAIRS
    return "".join([pairs[(value >> shift) & 1023] for shift in _SHIFTS])
