"""Background loops end at a safe point when asked, and only an overrun is cancelled."""

from __future__ import annotations

import asyncio
import logging

import pytest

from app.core.background import Stop, every, wind_down


async def test_a_loop_runs_its_rounds_and_ends_after_the_one_in_progress() -> None:
    stop, rounds, finished = Stop(), 0, []

    async def work() -> None:
        nonlocal rounds
        rounds += 1
        if rounds == 3:
            stop.set()  # asked to stop in the middle of a round
            await asyncio.sleep(0)
            finished.append(rounds)  # the round still completes

    await asyncio.wait_for(every(0.001, work, stop=stop, name="probe"), timeout=5)
    assert (rounds, finished) == (3, [3])


async def test_a_failing_round_is_logged_and_the_loop_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stop, rounds = Stop(), 0

    async def work() -> None:
        nonlocal rounds
        rounds += 1
        if rounds == 1:
            raise RuntimeError("database went away")
        stop.set()

    with caplog.at_level(logging.ERROR, logger="capmatch.background"):
        await asyncio.wait_for(every(0.001, work, stop=stop, name="probe"), timeout=5)
    assert rounds == 2
    assert [record.getMessage() for record in caplog.records] == ["probe failed; will retry"]


async def test_winding_down_waits_for_a_round_and_cancels_only_an_overrun() -> None:
    stop = Stop()
    quick_done = asyncio.Event()

    async def quick() -> None:
        await stop.wait(3600)  # idle between rounds: wakes at once
        quick_done.set()

    async def stuck() -> None:
        await asyncio.sleep(3600)  # a round that never ends on its own

    tasks = [asyncio.create_task(quick()), asyncio.create_task(stuck(), name="stuck")]
    await asyncio.sleep(0)
    await asyncio.wait_for(wind_down(tasks, stop, grace_s=0.05), timeout=5)
    assert quick_done.is_set()
    assert not tasks[0].cancelled()
    assert tasks[1].cancelled()
