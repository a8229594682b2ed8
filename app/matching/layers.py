"""The layers of a live index: a large immutable base, and what changed since in levels
of growing size, so that a change costs about a constant, not the size of everything
changed since the base.

Pure (numpy, no I/O), shared by the offer index (``MatchIndex``) and the request index
(``RequestIndex``). It is a log-structured merge: a change batch rebuilds only the
newest level; a level past its cap is folded into the next older one (rebuilt from the
records of both), and so on, the oldest level taking whatever reaches it. With caps
growing by a factor ``k``, each change is rebuilt about ``k`` times per level in its
life, instead of once per later batch: with one level under a stream of single writes
the index rebuilt up to 5,000 records per batch, and reloaded its base from the database
every 5,000 changes (bench/README.md, "Foundation").

Rows that a newer level supersedes are masked: a base row for every change since the
base, a level's row for every change in a newer level.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import numpy as np

from app.matching.values import BoolArray

# Caps of the levels newer than the oldest, newest first: a batch rebuilds at most 64
# records; every 64 changes a fold rebuilds at most 2,048; every 2,048 the oldest level.
CAPS = (64, 2_048)


class Columns(Protocol):
    def __len__(self) -> int: ...

    def row_of(self, key: str, /) -> int | None: ...


C = TypeVar("C", bound=Columns)
R = TypeVar("R")
Build = Callable[[Iterable[R]], C]


@dataclass(frozen=True, slots=True)
class Level(Generic[C, R]):
    columns: C
    alive: BoolArray | None  # rows not superseded by a newer level (None: all)
    changes: Mapping[str, R | None]  # what it was built from: key -> record, None: gone


@dataclass(frozen=True, slots=True)
class Layers(Generic[C, R]):
    base: C
    base_alive: BoolArray | None  # base rows not superseded (None: all)
    levels: tuple[Level[C, R], ...]  # oldest first
    build: Build[R, C]  # columns from records
    caps: tuple[int, ...]  # of the levels newer than the oldest, newest first

    @classmethod
    def of(cls, base: C, build: Build[R, C], *, caps: tuple[int, ...] = CAPS) -> Layers[C, R]:
        """``base`` with no changes yet, ``len(caps) + 1`` empty levels."""
        levels: tuple[Level[C, R], ...] = tuple(
            Level(build([]), None, {}) for _ in range(len(caps) + 1)
        )
        return cls(base, None, levels, build, caps)

    def parts(self) -> tuple[tuple[C, BoolArray | None], ...]:
        """Each layer with the rows that count in it (None: all), the base first."""
        levels = tuple((level.columns, level.alive) for level in self.levels)
        return ((self.base, self.base_alive), *levels)

    def count(self) -> int:
        """How many rows count, over all layers."""
        return sum(
            len(columns) if alive is None else int(alive.sum()) for columns, alive in self.parts()
        )

    @property
    def changed_count(self) -> int:
        """Changes since the base (a key changed in two levels counts twice)."""
        return sum(len(level.changes) for level in self.levels)

    def change_of(self, key: str) -> tuple[bool, R | None]:
        """(True, the current record or None when gone) for a key changed since the base,
        (False, None) for one that was not."""
        for level in reversed(self.levels):
            if key in level.changes:
                return True, level.changes[key]
        return False, None

    def applied(self, changes: Mapping[str, R | None]) -> Layers[C, R]:
        """These layers with ``changes`` (key: the current record, or None when it no
        longer counts) applied."""
        new_keys = [key for key in changes if not self.change_of(key)[0]]
        base_alive = _masked(self.base, self.base_alive, new_keys)
        # Only the levels that change are copied: the older ones are the largest.
        newest = len(self.levels) - 1
        pending: dict[int, dict[str, R | None]] = {newest: {**self.levels[newest].changes}}
        pending[newest].update(changes)
        rebuilt = newest  # fold from the newest level down while a level is past its cap
        while rebuilt > 0 and len(pending[rebuilt]) > self.caps[newest - rebuilt]:
            pending[rebuilt - 1] = {**self.levels[rebuilt - 1].changes, **pending[rebuilt]}
            pending[rebuilt] = {}
            rebuilt -= 1
        levels: list[Level[C, R]] = []
        for number, level in enumerate(self.levels):
            if number < rebuilt:  # untouched: mask the rows this batch supersedes
                alive = _masked(level.columns, level.alive, changes)
                levels.append(Level(level.columns, alive, level.changes))
            else:  # the level folded into, and every newer one (emptied, or the newest)
                records = (record for record in pending[number].values() if record is not None)
                levels.append(Level(self.build(records), None, pending[number]))
        return Layers(self.base, base_alive, tuple(levels), self.build, self.caps)


def _masked(columns: Columns, alive: BoolArray | None, keys: Iterable[str]) -> BoolArray | None:
    """``alive`` with the rows of ``keys`` masked as well (a copy: snapshots are shared)."""
    rows = [row for key in keys if (row := columns.row_of(key)) is not None]
    if not rows:
        return alive
    mask = np.ones(len(columns), dtype=np.bool_) if alive is None else alive.copy()
    mask[rows] = False
    return mask
