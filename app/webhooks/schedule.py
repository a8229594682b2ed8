"""When a failed delivery is tried again: exponential backoff with jitter (API.md).

Attempt 1 is the first send. After the n-th failure the next attempt waits
``RETRY_DELAYS_S[n-1]`` seconds, give or take ``JITTER`` of it, so endpoints that fail
together do not get their retries in lockstep; after the last one the delivery is failed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

# 5 s, 1 min, 5 min, 30 min, 2 h, 8 h, 24 h: eight attempts over about 35 hours.
RETRY_DELAYS_S = (5, 60, 5 * 60, 30 * 60, 2 * 3600, 8 * 3600, 24 * 3600)
MAX_ATTEMPTS = len(RETRY_DELAYS_S) + 1
JITTER = 0.2
Jitter = Callable[[float, float], float]


def next_attempt_at(
    attempts_made: int, *, now: datetime, jitter: Jitter = random.uniform
) -> datetime | None:
    """When to try again after ``attempts_made`` failed attempts; None when they are spent."""
    if attempts_made >= MAX_ATTEMPTS:
        return None
    base = RETRY_DELAYS_S[attempts_made - 1]
    return now + timedelta(seconds=base * jitter(1 - JITTER, 1 + JITTER))
