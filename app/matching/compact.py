"""Compact columns for the matching index: memory is what limits it (bench/README.md).

Small numbers take the narrowest integer type that holds them, and ids drop the start
all of them share. Pure numpy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from app.matching.values import SmallInts


def narrowest(values: npt.NDArray[np.signedinteger[Any]]) -> SmallInts:
    """The same integers in the narrowest signed type that holds them all."""
    if not values.size:
        return values
    low, high = int(values.min()), int(values.max())
    for dtype in (np.int8, np.int16, np.int32):
        limits = np.iinfo(dtype)
        if limits.min <= low and high <= limits.max:
            return values.astype(dtype)
    return values.astype(np.int64)


def without_shared_start(ids: npt.NDArray[np.bytes_]) -> tuple[str, npt.NDArray[np.bytes_]]:
    """(the start every id shares, the ids without it) of sorted ``ids``.

    Sorted, the first and the last id differ earliest, so what they share, all share.
    """
    if len(ids) == 0:
        return "", ids
    first, last = bytes(ids[0]), bytes(ids[-1])
    shared = 0
    while shared < min(len(first), len(last)) and first[shared] == last[shared]:
        shared += 1
    shared = len(first[:shared].decode(errors="ignore").encode())  # whole characters only
    width = ids.dtype.itemsize
    shared = min(shared, width - 1)  # a tail of at least one byte (a lone id keeps one)
    if shared <= 0:
        return "", ids
    tails = np.ascontiguousarray(ids.view(np.uint8).reshape(len(ids), width)[:, shared:])
    return first[:shared].decode(), tails.view(f"S{width - shared}").reshape(len(ids))
