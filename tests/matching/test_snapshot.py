"""The matching base on disk (``CAPMATCH_MATCH_SNAPSHOT``): a start maps what an earlier
worker loaded and replays the change log from there, and gets the index a fresh load
would give; a snapshot its database cannot vouch for is never used."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.matching import feed as feed_module
from app.matching import snapshot
from app.matching.candidates import build_candidates
from app.matching.feed import MatchFeed
from app.matching.snapshot import Marker, SnapshotStore
from app.matching.values import HeldCertification
from app.models import MarketChange
from tests.fixtures.factories import Market, make_offer
from tests.matching.support import day
from tests.matching.support import make_offer as offer_record
from tests.matching.test_notify import eventually, following, holds

URL = "sqlite+aiosqlite:///tests-snapshot.db"  # names the file only


def count_loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Loads of the base from the database, from here on."""
    loads: list[int] = []
    load = feed_module._load_candidates

    async def counted(*args: Any, **kwargs: Any) -> Any:
        loads.append(1)
        return await load(*args, **kwargs)

    monkeypatch.setattr(feed_module, "_load_candidates", counted)
    return loads


def ranked(feed: MatchFeed) -> list[str]:
    """Every offer id the index holds, in row order of base then delta."""
    assert feed.index is not None
    ids: list[str] = []
    for candidates, alive in feed.index.parts():
        rows = np.arange(len(candidates)) if alive is None else np.flatnonzero(alive)
        ids += candidates.offer_ids(rows)
    return sorted(ids)


async def test_a_start_maps_the_snapshot_and_replays_what_changed_since(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    store = SnapshotStore(tmp_path, URL, min_offers=1)
    early = [(await make_offer(client, market.a1))["id"] for _ in range(3)]
    loads = count_loads(monkeypatch)
    async with following(session_factory, snapshots=store, refresh_s=0.05) as first:
        assert store.path.exists()
        assert loads == [1]
        assert ranked(first) == sorted(early)

    late = (await make_offer(client, market.b1))["id"]
    async with following(session_factory, snapshots=store, refresh_s=0.05) as second:
        assert loads == [1]  # the second start read no offer from the database
        await eventually(lambda: holds(second, late))
        assert ranked(second) == sorted([*early, late])
        assert second.index is not None
        base = second.index.parts()[0][0]
        assert len(base) == 3  # the snapshot's base, with the late offer in the delta
    # Loaded afresh once the second feed has stopped: the test's sessions share one
    # connection (per-test rollback), and two sessions nesting savepoints on it at once
    # release each other's.
    fresh = MatchFeed()
    async with session_factory() as session:
        reloaded = await fresh.current(session)
    for name in ("lat", "lon", "per_week", "reserved", "available_until"):
        rows = reloaded.parts()[0][0].rows_of(early)
        assert np.array_equal(getattr(base, name), getattr(reloaded.parts()[0][0], name)[rows])


async def test_a_snapshot_whose_marker_left_the_log_is_not_used(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """A log pruned past the snapshot (or another database with the same URL) cannot
    replay what changed since: the worker loads from the database."""
    store = SnapshotStore(tmp_path, URL, min_offers=1)
    offer = (await make_offer(client, market.a1))["id"]
    async with following(session_factory, snapshots=store, refresh_s=0.05):
        pass
    async with session_factory() as session, session.begin():
        await session.execute(delete(MarketChange))
    gone = await client.delete(f"/v1/offers/{offer}", headers=market.a.headers)
    assert gone.status_code in (200, 204), gone.text

    loads = count_loads(monkeypatch)
    async with following(session_factory, snapshots=store, refresh_s=0.05) as feed:
        assert loads == [1]
        assert not holds(feed, offer)


async def test_small_bases_are_not_written(
    client: httpx.AsyncClient,
    market: Market,
    session_factory: async_sessionmaker[AsyncSession],
    tmp_path: Path,
) -> None:
    store = SnapshotStore(tmp_path, URL, min_offers=2)
    await make_offer(client, market.a1)
    async with following(session_factory, snapshots=store, refresh_s=0.05):
        pass
    assert not store.path.exists()


def test_the_setting_names_a_private_directory_or_off(tmp_path: Path) -> None:
    assert SnapshotStore.configured("off", URL) is None
    private = SnapshotStore.configured(str(tmp_path / "snapshots"), URL)
    assert private is not None
    assert private.path.parent == tmp_path / "snapshots"
    assert (tmp_path / "snapshots").stat().st_mode & 0o777 == 0o700
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)  # noqa: S103 - the unsafe directory under test
    assert SnapshotStore.configured(str(shared), URL) is None
    other = SnapshotStore.configured(str(tmp_path / "snapshots"), URL + "-other")
    assert other is not None
    assert other.path != private.path


def test_certifications_in_progress_survive_the_file_and_an_older_layout_is_ignored(
    tmp_path: Path,
) -> None:
    held = {
        "en-14683": HeldCertification(expected_by=day(30)),
        "iso-13485": HeldCertification(valid_until=day(90), verified=True),
    }
    candidates = build_candidates([offer_record("o1", certifications=held)])
    store = SnapshotStore(tmp_path, URL, min_offers=0)
    store.write(candidates, {"seq": 1}, Marker(seq=1, created_at="2026-01-05T00:00:00+00:00"))
    stored = store.read()
    assert stored is not None
    assert stored.candidates.certifications(0) == held

    # A file of the layout before certifications in progress is rebuilt, not misread.
    with np.load(store.path, allow_pickle=False) as old:
        arrays = {name: old[name] for name in old.files}
    meta = json.loads(bytes(arrays.pop("meta")).decode())
    meta["format"] = snapshot.FORMAT - 1
    del arrays["cert_expected_by"]
    encoded = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    with open(store.path, "wb") as output:
        save: Any = np.savez
        save(output, meta=encoded, **arrays)
    assert store.read() is None
