"""Prometheus: events this process has written (counted once their transaction commits).

One counter per process, registered on each app's registry (``create_app``): the outbox
counts from any session (requests, sweeps, workers), not only from an app's requests.
"""

from __future__ import annotations

from prometheus_client import Counter

WRITTEN = Counter(
    "capmatch_events_written",
    "Events this process appended to the outbox (committed), by type.",
    ["type"],
    registry=None,
)
