"""A worker's matching base on disk: the next start, and the other workers on this host,
map it in seconds instead of reading every offer again (``CAPMATCH_MATCH_SNAPSHOT``).

The file holds the base's column arrays (``numpy``'s ``.npz``, read with
``allow_pickle=False``: a file can hold numbers and text only, never code), where in the
change log the base stands, and a *marker*: the newest change-log entry when it was
loaded (its sequence number and time). A reader trusts the file only if its database
still holds that very entry: a different or recreated database, or a log pruned past the
marker (so the changes since could no longer be replayed), makes it load from the
database as before. From the file's position on, the feed replays the log as after any
load, so a snapshot of any age gives the same index as a fresh load.

One worker builds at a time per file (an exclusive ``flock`` held across the build and
the write); the others wait for it and read what it wrote.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import stat
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from app import __version__
from app.matching.candidates import Candidates
from app.matching.leaves import Leaves

logger = logging.getLogger("capmatch.matching")

# The layout below; a file of another format (or capmatch version) is ignored, so the
# base is loaded afresh. 2: certifications in progress (``cert_expected_by``); 3: the
# organisations' track records (``track_counts``, ``reliability``, leaves' bound).
FORMAT = 3
OFF = "off"
AUTO = "auto"
MIN_OFFERS = 10_000  # a smaller base loads from the database in about a second


@dataclass(frozen=True, slots=True)
class Marker:
    """The newest change-log entry when the base was loaded."""

    seq: int
    created_at: str  # ISO 8601, as the database returned it


@dataclass(frozen=True, slots=True)
class Stored:
    candidates: Candidates
    position: dict[str, Any]  # the feed's position in the change log (``feed._Position``)
    marker: Marker


def _columns(candidates: Candidates) -> tuple[dict[str, np.ndarray[Any, Any]], dict[str, Any]]:
    arrays: dict[str, np.ndarray[Any, Any]] = {}
    meta: dict[str, Any] = {}
    for field in fields(Candidates):
        value = getattr(candidates, field.name)
        if field.name == "reach_cache":
            continue
        if field.name == "leaves":
            for leaf_field in fields(Leaves):
                arrays["leaves." + leaf_field.name] = getattr(value, leaf_field.name)
        elif isinstance(value, np.ndarray):
            arrays[field.name] = value
        else:  # the id prefix and the interned names
            meta[field.name] = value
    return arrays, meta


def _candidates(arrays: Any, meta: dict[str, Any]) -> Candidates:
    leaves = Leaves(**{f.name: arrays["leaves." + f.name] for f in fields(Leaves)})
    values: dict[str, Any] = {}
    for field in fields(Candidates):
        if field.name in ("reach_cache", "leaves"):
            continue
        if field.name in meta:
            value = meta[field.name]
            if field.name == "codes":
                value = tuple((kind, code) for kind, code in value)
            elif isinstance(value, list):
                value = tuple(value)
            values[field.name] = value
        else:
            values[field.name] = arrays[field.name]
    return Candidates(**values, leaves=leaves)


class SnapshotStore:
    """The snapshot file of one database, in ``directory``."""

    def __init__(self, directory: Path, database_url: str, *, min_offers: int = MIN_OFFERS) -> None:
        name = hashlib.sha256(database_url.encode()).hexdigest()[:16]
        self.path = directory / f"index-{name}.npz"
        self.lock_path = directory / f"index-{name}.lock"
        self.min_offers = min_offers

    @classmethod
    def configured(
        cls, setting: str, database_url: str, *, min_offers: int = MIN_OFFERS
    ) -> SnapshotStore | None:
        """The store ``CAPMATCH_MATCH_SNAPSHOT`` asks for: a directory, ``auto`` (this
        user's private directory under the system's temporary one) or ``off``."""
        if setting == OFF:
            return None
        if setting == AUTO:
            directory = Path(tempfile.gettempdir()) / f"capmatch-index-{os.getuid()}"
        else:
            directory = Path(setting)
        try:
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            info = directory.stat()
        except OSError as error:
            logger.warning("matching snapshots off: %s: %s", directory, error)
            return None
        if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            # Another user could put a file there that this worker would trust.
            logger.warning("matching snapshots off: %s is writable by others", directory)
            return None
        return cls(directory, database_url, min_offers=min_offers)

    @contextlib.asynccontextmanager
    async def building(self) -> AsyncIterator[None]:
        """Held while this process loads a base and writes it: waits (in a thread) while
        another worker on this host does."""
        handle = await asyncio.to_thread(open, self.lock_path, "a+b")
        try:
            await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
            yield
        finally:
            handle.close()  # which releases the lock

    def read(self) -> Stored | None:
        """The stored base, or None when there is none this version can read."""
        try:
            with np.load(self.path, allow_pickle=False) as stored:
                meta = json.loads(bytes(stored["meta"]).decode())
                if meta.get("format") != FORMAT or meta.get("version") != __version__:
                    return None
                arrays = {name: stored[name] for name in stored.files if name != "meta"}
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError) as error:
            logger.warning("matching snapshot %s unreadable (%s); loading afresh", self.path, error)
            return None
        return Stored(
            candidates=_candidates(arrays, meta["columns"]),
            position=meta["position"],
            marker=Marker(**meta["marker"]),
        )

    def write(self, candidates: Candidates, position: dict[str, Any], marker: Marker) -> None:
        """Store a base (atomically: readers see the old file or the new one)."""
        arrays, columns = _columns(candidates)
        meta = {
            "format": FORMAT,
            "version": __version__,
            "position": position,
            "marker": {"seq": marker.seq, "created_at": marker.created_at},
            "columns": columns,
        }
        encoded = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".npz.part")
        try:
            with os.fdopen(handle, "wb") as output:
                # Typed as (file, *arrays, allow_pickle, **named) in numpy's stubs.
                save: Any = np.savez
                save(output, meta=encoded, **arrays)
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
