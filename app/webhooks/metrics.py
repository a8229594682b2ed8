"""Prometheus collectors of webhook delivery, registered in the app's (or worker's) registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


class WebhookMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.deliveries = Counter(
            "capmatch_webhook_deliveries_total",
            "Webhook delivery attempts by outcome: succeeded, retrying (failed, will be tried "
            "again) or failed (retries spent).",
            ["outcome"],
            registry=registry,
        )
        self.claims = Counter(
            "capmatch_webhook_claims_total",
            "Deliveries this process's workers claimed (leased) for an attempt.",
            registry=registry,
        )
        self.lag = Gauge(
            "capmatch_webhook_delivery_lag_seconds",
            "How long the oldest due, unsent delivery has waited past its due time (0: none).",
            registry=registry,
        )
