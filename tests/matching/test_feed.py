"""The feed's position in the change log moves only with what it applied."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.matching import feed as feed_module
from tests.fixtures.factories import Market, make_offer


async def _reload_fails(*_args: Any, **_kwargs: Any) -> Any:
    raise ConnectionError("the database went away half-way through a catch-up")


@pytest.mark.parametrize("fails_in", ["catch-up", "load"])
async def test_changes_a_failed_refresh_saw_are_applied_by_the_next(
    app: FastAPI,
    client: httpx.AsyncClient,
    market: Market,
    monkeypatch: pytest.MonkeyPatch,
    session_factory: Any,
    fails_in: str,
) -> None:
    feed = app.state.match_feed
    async with session_factory() as session:
        await feed.current(session)  # loaded
    created = await make_offer(client, market.a1)

    with monkeypatch.context() as patched:
        if fails_in == "catch-up":
            patched.setattr(feed_module, "_reload", _reload_fails)
        else:
            # A new base is due (many changes), and loading it fails.
            patched.setattr(feed_module, "_load_candidates", _reload_fails)
            patched.setattr(type(feed.index), "needs_rebuild", property(lambda _: True))
        async with session_factory() as session:
            with pytest.raises(ConnectionError):
                await feed.current(session)

    async with session_factory() as session:
        index = await feed.current(session)
    assert index.certifications_of(created["id"]) is not None  # the new offer is in it
