"""Wakes this process's delivery workers when a commit has queued deliveries.

An idle worker looks for due deliveries every ``CAPMATCH_WEBHOOK_POLL_S``; a delivery
queued by a request of the same process (``capmatch serve`` with delivery embedded)
rings the bell when that request commits, so it goes out at once instead of at the next
poll. Workers in other processes (``capmatch worker``) keep polling.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator


class Doorbell:
    def __init__(self) -> None:
        self._listeners: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def ring(self) -> None:
        # Thread-safe: a listener may run on another event loop (tests run servers in
        # threads of their own).
        for loop, bell in list(self._listeners):
            if not loop.is_closed():
                loop.call_soon_threadsafe(bell.set)

    @contextlib.contextmanager
    def listening(self) -> Iterator[asyncio.Event]:
        """An event set at every ring while the block runs (on the running loop)."""
        listener = (asyncio.get_running_loop(), asyncio.Event())
        self._listeners.add(listener)
        try:
            yield listener[1]
        finally:
            self._listeners.discard(listener)


DOORBELL = Doorbell()
