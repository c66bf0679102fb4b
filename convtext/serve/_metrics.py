"""``GET /metrics`` in the Prometheus text format (prometheus_client): requests and errors by route and status,
latency histograms, texts predicted and micro-batch sizes per model.

With ``--workers N`` each worker writes its numbers to files in ``$PROMETHEUS_MULTIPROC_DIR`` (set by
``convtext serve``) and whichever worker answers ``/metrics`` adds up all of them.
"""

from __future__ import annotations

import os
import time

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

__all__ = ["CONTENT_TYPE_LATEST", "Measured", "ServiceMetrics"]

MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR"
SECONDS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
TEXTS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


class ServiceMetrics:
    """The service's counters and histograms, in a registry of their own (one per app)."""

    def __init__(self):
        self.registry = registry = CollectorRegistry()
        self.requests = Counter("convtext_requests", "Requests answered, by route and status", ["route", "status"], registry=registry)  # fmt: skip
        self.errors = Counter("convtext_errors", "Error answers (status 400 and above), by status", ["status"], registry=registry)  # fmt: skip
        self.latency = Histogram("convtext_request_seconds", "Time to answer, by route", ["route"], buckets=SECONDS, registry=registry)  # fmt: skip
        self.texts = Counter("convtext_texts", "Texts predicted, by model", ["model"], registry=registry)
        self.batch = Histogram("convtext_batch_texts", "Texts per micro-batch, by model", ["model"], buckets=TEXTS, registry=registry)  # fmt: skip

    def batch_of(self, model: str):
        """A ``MicroBatcher`` callback recording each batch of ``model``."""
        texts, sizes = self.texts.labels(model), self.batch.labels(model)

        def record(size: int) -> None:
            texts.inc(size)
            sizes.observe(size)

        return record

    def exposition(self) -> bytes:
        """Every metric in the text format (all workers' together in multi-process mode)."""
        if os.environ.get(MULTIPROCESS):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)


class Measured:
    """ASGI middleware (outermost): counts every answer by route and status and times it."""

    def __init__(self, app, metrics: ServiceMetrics, routes: list):
        self.app, self.metrics, self.routes = app, metrics, routes  # the app's routes (filled in after this is made)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, status = time.perf_counter(), 500  # an exception escaping the app is answered 500 outside it

        async def watched_send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        finally:
            route = getattr(scope.get("route"), "path", None) or self._known(scope["path"])
            self.metrics.requests.labels(route, str(status)).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - start)
            if status >= 400:
                self.metrics.errors.labels(str(status)).inc()

    def _known(self, path: str) -> str:
        """A path answered before routing (a 413 or 415 from the middleware) under its route's name; "other" for a
        path the app does not have, so that scanners cannot create a series per path."""
        return path if any(getattr(route, "path", None) == path for route in self.routes) else "other"
