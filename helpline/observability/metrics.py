"""The metric families web processes record as they serve, and the registry a
scrape reads.

Under gunicorn each worker is its own process: prometheus_client's multiprocess
mode keeps each one's samples in a file under `PROMETHEUS_MULTIPROC_DIR` and a
scrape, answered by any worker, adds them up (`helpline.gunicorn_conf` makes the
directory and marks dead workers). The variable must be set before this module is
first imported — `helpline run` and the gunicorn config do that. Without it (the
development server, tests) the samples live in this process.

Figures other processes know (queues, agents, jobs, recordings, transcription
speed) are read at scrape time by `collector.HelplineCollector`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Histogram
from prometheus_client.registry import Collector

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

# Twilio's webhooks: target p99 150 ms, never past 2 s (Twilio gives up at 15 s).
WEBHOOK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.0, 5.0, 15.0)

WEBHOOK_SECONDS = Histogram(
    "helpline_webhook_duration_seconds",
    "Time to answer a Twilio webhook, by route rule (ids stay in the rule's <...>), "
    "method and status class.",
    ("route", "method", "status"),
    buckets=WEBHOOK_BUCKETS,
)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROCESS_DIR_VARIABLE) or None


class _ThisProcess(Collector):
    """The default registry (this process's samples, process and GC figures)."""

    def collect(self) -> Iterable[Any]:
        return REGISTRY.collect()


def scrape_registry(*collectors: Collector) -> CollectorRegistry:
    """A registry for one scrape: every web process's samples plus `collectors`."""
    registry = CollectorRegistry(auto_describe=False)
    directory = multiprocess_dir()
    if directory is not None:
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry, path=directory)
    else:
        registry.register(_ThisProcess())
    for collector in collectors:
        registry.register(collector)
    return registry
