"""The layers of a live index: a large immutable base, and what changed since in two
smaller layers, so that a change batch costs about its own size, not the size of
everything changed since the base.

Pure (numpy, no I/O), shared by the offer index (``MatchIndex``) and the request index
(``RequestIndex``). A change batch rebuilds only the ``recent`` layer; once that holds
more than ``recent_max`` records it is folded into ``older`` (rebuilt from all its
records). With ``recent_max`` about the square root of the changes a base lives through
(``REBUILD_AFTER``), each change is rebuilt about ``2 * recent_max`` times in all,
instead of once per later batch: under a stream of single writes the old single delta
rebuilt up to 5,000 records per batch (bench/README.md, "Foundation").

Rows that a later layer supersedes are masked: a base row for every change since the
base, an ``older`` row for every change in ``recent``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import numpy as np

from app.matching.values import BoolArray

RECENT_MAX = 64  # records in the recent layer before it is folded into the older one


class Columns(Protocol):
    def __len__(self) -> int: ...

    def row_of(self, key: str, /) -> int | None: ...


C = TypeVar("C", bound=Columns)
R = TypeVar("R")
Build = Callable[[Iterable[R]], C]


@dataclass(frozen=True, slots=True)
class Layers(Generic[C, R]):
    base: C
    base_alive: BoolArray | None  # base rows not superseded (None: all)
    older: C
    older_alive: BoolArray | None  # older rows not superseded by recent ones (None: all)
    recent: C
    changed: Mapping[str, R | None]  # every change since the base: the current record
    older_changes: Mapping[str, R | None]
    recent_changes: Mapping[str, R | None]

    @classmethod
    def of(cls, base: C, empty: C) -> Layers[C, R]:
        return cls(base, None, empty, None, empty, {}, {}, {})

    def parts(self) -> tuple[tuple[C, BoolArray | None], ...]:
        """Each layer with the rows that count in it (None: all), the base first."""
        return (
            (self.base, self.base_alive),
            (self.older, self.older_alive),
            (self.recent, None),
        )

    def count(self) -> int:
        """How many rows count, over all layers."""
        return sum(
            len(columns) if alive is None else int(alive.sum()) for columns, alive in self.parts()
        )

    def applied(
        self,
        changes: Mapping[str, R | None],
        build: Build[R, C],
        *,
        recent_max: int = RECENT_MAX,
    ) -> Layers[C, R]:
        """These layers with ``changes`` (key: the current record, or None when it no
        longer counts) applied."""
        new_keys = [key for key in changes if key not in self.changed]
        base_alive = _masked(self.base, self.base_alive, new_keys)
        changed = {**self.changed, **changes}
        recent_changes = {**self.recent_changes, **changes}
        if len(recent_changes) > recent_max:
            older_changes = {**self.older_changes, **recent_changes}
            older = build(record for record in older_changes.values() if record is not None)
            return Layers(self.base, base_alive, older, None, build([]), changed, older_changes, {})
        recent = build(record for record in recent_changes.values() if record is not None)
        older_alive = _masked(self.older, self.older_alive, changes)
        return Layers(
            self.base,
            base_alive,
            self.older,
            older_alive,
            recent,
            changed,
            self.older_changes,
            recent_changes,
        )


def _masked(columns: Columns, alive: BoolArray | None, keys: Iterable[str]) -> BoolArray | None:
    """``alive`` with the rows of ``keys`` masked as well (a copy: snapshots are shared)."""
    rows = [row for key in keys if (row := columns.row_of(key)) is not None]
    if not rows:
        return alive
    mask = np.ones(len(columns), dtype=np.bool_) if alive is None else alive.copy()
    mask[rows] = False
    return mask
