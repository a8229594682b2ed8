"""Hand memory the process has freed back to the operating system."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    library = ctypes.util.find_library("c")
    if library is None:
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(library).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to call
        return None
    return trim


def release_free_memory() -> None:
    """Collect garbage, then ask glibc to return free heap pages (``malloc_trim``).

    Loading the matching index allocates and frees a lot of short-lived memory
    (rows, records, growing buffers). glibc keeps freed heap pages mapped, so without
    this a worker's resident size stays at its loading peak, not at what the index
    needs (bench/README.md, "Matching engine"). A no-op where malloc_trim is missing.
    """
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
