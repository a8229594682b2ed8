"""Rows that passed every hard filter, with their scores and the facts behind them.

What one batch of the search yields; batches are merged keeping the best rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.matching.values import FACTORS, FloatArray, IntArray


@dataclass(slots=True)
class Scored:
    """Rows that pass every hard filter, with their score and the facts behind it."""

    rows: IntArray
    score: FloatArray
    factors: dict[str, FloatArray]
    distance: FloatArray
    start: IntArray
    deliverable: IntArray
    best: FloatArray
    preferred: list[FloatArray]  # per preferred certification: the credit
    required_ready: list[IntArray]  # per required certification: expected-by ordinal or HELD_NOW
    preferred_ready: list[IntArray]  # per preferred certification: the same (or NEVER)


def nothing(wanted: int, preferred: int, required: int) -> Scored:
    """No rows yet."""
    no_floats = np.zeros(0, dtype=np.float64)
    no_ints = np.zeros(0, dtype=np.int64)
    return Scored(
        rows=no_ints,
        score=no_floats,
        factors=dict.fromkeys(FACTORS, no_floats),
        distance=no_floats,
        start=no_ints,
        deliverable=no_ints,
        best=np.zeros((0, wanted), dtype=np.float64),
        preferred=[no_floats] * preferred,
        required_ready=[no_ints] * required,
        preferred_ready=[no_ints] * preferred,
    )


def select(s: Scored, chosen: IntArray) -> Scored:
    return Scored(
        rows=s.rows[chosen],
        score=s.score[chosen],
        factors={name: values[chosen] for name, values in s.factors.items()},
        distance=s.distance[chosen],
        start=s.start[chosen],
        deliverable=s.deliverable[chosen],
        best=s.best[chosen],
        preferred=[values[chosen] for values in s.preferred],
        required_ready=[values[chosen] for values in s.required_ready],
        preferred_ready=[values[chosen] for values in s.preferred_ready],
    )


def concat(a: Scored, b: Scored) -> Scored:
    return Scored(
        rows=np.concatenate((a.rows, b.rows)),
        score=np.concatenate((a.score, b.score)),
        factors={name: np.concatenate((a.factors[name], b.factors[name])) for name in a.factors},
        distance=np.concatenate((a.distance, b.distance)),
        start=np.concatenate((a.start, b.start)),
        deliverable=np.concatenate((a.deliverable, b.deliverable)),
        best=np.concatenate((a.best, b.best)),
        preferred=[np.concatenate(pair) for pair in zip(a.preferred, b.preferred, strict=True)],
        required_ready=[
            np.concatenate(pair) for pair in zip(a.required_ready, b.required_ready, strict=True)
        ],
        preferred_ready=[
            np.concatenate(pair) for pair in zip(a.preferred_ready, b.preferred_ready, strict=True)
        ],
    )


def top(s: Scored, limit: int) -> Scored:
    """The best ``limit`` rows: score descending, then id (row) ascending."""
    return select(s, np.lexsort((s.rows, -s.score))[:limit])
