"""Counters and histograms kept in Redis, for work done outside the web processes.

rq workers and the transcriber run on any number of machines, and a scrape reaches
only a web process; so what they count (job failures and retries, transcription
speed) is added up in a few small Redis hashes that any web process reads at
scrape time. Keys hold metric names and label values only (queue names, language
codes, engine names) — never a number, a CallSid or an id.

Recording never fails the work it measures: a Redis error is logged and dropped.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Sequence
from typing import Any

log = logging.getLogger("helpline.metrics")

PREFIX = "hl:metrics:"
SEPARATOR = "|"

JOB_FAILURES = "rq_job_failures"
JOB_RETRIES = "rq_job_retries"
TRANSCRIPTION_CPU = "transcription_cpu_ratio"
# CPU seconds spent per second of audio: below 1 keeps up with callers talking.
TRANSCRIPTION_CPU_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)


def _key(name: str) -> str:
    return PREFIX + name


def _labels(values: Sequence[str]) -> str:
    return SEPARATOR.join(value.replace(SEPARATOR, "_") for value in values)


def count(redis: Any, name: str, labels: Sequence[str], amount: int = 1) -> None:
    try:
        redis.hincrby(_key(name), _labels(labels), amount)
    except Exception as exc:  # noqa: BLE001 - a metric must never fail the job
        log.debug("metric %s not counted: %s", name, type(exc).__name__)


def observe(redis: Any, name: str, labels: Sequence[str], value: float,
            buckets: Sequence[float]) -> None:
    """One observation: its bucket (the first upper bound >= value, or +Inf), the
    sum and the count, in one round trip."""
    index = bisect.bisect_left(list(buckets), value)
    base = _labels(labels)
    try:
        pipe = redis.pipeline(transaction=True)
        pipe.hincrby(_key(name), f"{base}{SEPARATOR}b{index}", 1)
        pipe.hincrbyfloat(_key(name), f"{base}{SEPARATOR}sum", value)
        pipe.hincrby(_key(name), f"{base}{SEPARATOR}count", 1)
        pipe.execute()
    except Exception as exc:  # noqa: BLE001
        log.debug("metric %s not observed: %s", name, type(exc).__name__)


def read_counter(redis: Any, name: str) -> dict[tuple[str, ...], float]:
    raw = redis.hgetall(_key(name))
    return {tuple(_text(field).split(SEPARATOR)): float(_text(value))
            for field, value in raw.items()}


def read_histogram(redis: Any, name: str, buckets: Sequence[float]
                   ) -> dict[tuple[str, ...], tuple[list[float], float, float]]:
    """labels → (cumulative counts per bucket, +Inf last; sum; count)."""
    found: dict[tuple[str, ...], dict[str, float]] = {}
    for field, value in redis.hgetall(_key(name)).items():
        *labels, part = _text(field).split(SEPARATOR)
        found.setdefault(tuple(labels), {})[part] = float(_text(value))
    result: dict[tuple[str, ...], tuple[list[float], float, float]] = {}
    for key, parts in found.items():
        running, cumulative = 0.0, []
        for index in range(len(buckets) + 1):
            running += parts.get(f"b{index}", 0.0)
            cumulative.append(running)
        result[key] = (cumulative, parts.get("sum", 0.0), parts.get("count", 0.0))
    return result


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
