"""The retry schedule: first retry within 10 s, then about 1 min, 5 min, 30 min, 2 h, 8 h,
24 h, then no more; jitter stays within its share."""

from __future__ import annotations

from datetime import timedelta

from app.core.dates import utcnow
from app.webhooks.schedule import JITTER, MAX_ATTEMPTS, next_attempt_at

EXPECTED = [5, 60, 300, 1800, 7200, 28800, 86400]


def test_the_delays_without_jitter() -> None:
    now = utcnow()
    delays = []
    for attempts in range(1, MAX_ATTEMPTS):
        at = next_attempt_at(attempts, now=now, jitter=lambda low, high: 1.0)
        assert at is not None
        delays.append((at - now).total_seconds())
    assert delays == EXPECTED
    assert next_attempt_at(MAX_ATTEMPTS, now=now) is None


def test_jitter_stays_within_its_bounds_and_the_first_retry_within_10_s() -> None:
    now = utcnow()
    for attempts, base in enumerate(EXPECTED, start=1):
        low = next_attempt_at(attempts, now=now, jitter=lambda low, high: low)
        high = next_attempt_at(attempts, now=now, jitter=lambda low, high: high)
        assert low == now + timedelta(seconds=base * (1 - JITTER))
        assert high == now + timedelta(seconds=base * (1 + JITTER))
    first = next_attempt_at(1, now=now)
    assert first is not None
    assert first - now <= timedelta(seconds=10)
