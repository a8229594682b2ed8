"""Background loops a serving process runs (sweeps, the index refresh), stopped at a safe
point rather than cancelled in the middle of a database call.

Cancelling a task while it waits on aiosqlite (0.22) can leave the connection's close
waiting forever, and the process then never exits: so on shutdown a loop is asked to
stop, finishes the round it is in, and only one that overruns its grace is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable

logger = logging.getLogger("capmatch.background")


class Stop:
    """Tells background loops to end after the round they are in."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        self._event.set()

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    async def wait(self, seconds: float, *, or_until: asyncio.Event | None = None) -> bool:
        """Sleep ``seconds``, or less if a stop is requested meanwhile (or ``or_until`` is
        set); True if a stop was."""
        waits = [asyncio.ensure_future(self._event.wait())]
        if or_until is not None:
            waits.append(asyncio.ensure_future(or_until.wait()))
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
        return self._event.is_set()


async def every(
    seconds: float, work: Callable[[], Awaitable[object]], *, stop: Stop, name: str
) -> None:
    """Run ``work`` every ``seconds`` until ``stop``; a failing round is logged and retried."""
    while not await stop.wait(seconds):
        try:
            await work()
        except Exception:
            logger.exception("%s failed; will retry", name)


async def wind_down(tasks: Iterable[asyncio.Task[None]], stop: Stop, *, grace_s: float) -> None:
    """Ask the loops to stop, wait up to ``grace_s`` for them, then cancel what is left."""
    stop.set()
    pending = [task for task in tasks if not task.done()]
    if pending:
        _, pending_set = await asyncio.wait(pending, timeout=grace_s)
        for task in pending_set:
            logger.warning("background task %s overran its grace; cancelling it", task.get_name())
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
