"""The feed's position in the change log moves only with what it applied."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.core import sql
from app.matching import feed as feed_module
from tests.fixtures.factories import Market, make_offer, make_request


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


async def test_a_batch_naming_more_ids_than_a_statement_takes_is_read_in_chunks(
    app: FastAPI,
    client: httpx.AsyncClient,
    market: Market,
    monkeypatch: pytest.MonkeyPatch,
    session_factory: Any,
) -> None:
    """A bulk load of 100k offers is one batch; drivers take at most ~32k parameters per
    statement (here: 2), and a batch that failed would fail again at every poll."""
    monkeypatch.setattr(sql, "IDS_PER_STATEMENT", 2)
    feed = app.state.match_feed
    async with session_factory() as session:
        await feed.current(session)
    made = [(await make_offer(client, market.a1))["id"] for _ in range(5)]
    wanted = [(await make_request(client, market.b1))["id"] for _ in range(3)]
    async with session_factory() as session:
        index = await feed.current(session)
    for offer_id in made:
        assert any(part.row_of(offer_id) is not None for part, _ in index.parts())
    requests = feed.demand.index
    for request_id in wanted:
        assert any(part.row_of(request_id) is not None for part, _ in requests.parts())
