"""Prometheus: events this process has written (counted once their transaction commits)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector


class _Tally:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_type: dict[str, int] = {}

    def add(self, type: str) -> None:
        with self._lock:
            self._by_type[type] = self._by_type.get(type, 0) + 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._by_type)


WRITTEN = _Tally()


class EventsWritten(Collector):
    """``capmatch_events_written_total{type}``: registered on the app's registry."""

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "capmatch_events_written",
            "Events this process appended to the outbox (committed), by type.",
            labels=["type"],
        )
        for type, count in sorted(WRITTEN.snapshot().items()):
            family.add_metric([type], count)
        yield family
