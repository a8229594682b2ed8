"""Opaque, time-sortable identifiers (``off_01JD...``).

48 bits of milliseconds followed by 80 random bits, Crockford base32: ids sort by
creation time, so cursor pagination can order by id alone.
"""

from __future__ import annotations

import secrets
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id(prefix: str) -> str:
    value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return f"{prefix}_{''.join(reversed(chars))}"
