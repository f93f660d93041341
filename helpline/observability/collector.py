"""Figures read at scrape time from where they live: the routing engine in Redis
(queues, waits, agents), rq's registries and the helpline's Redis tallies (jobs,
transcription speed), and the database (recordings with work still owed).

A source that is down leaves its families out of that scrape and sets
`helpline_metrics_source_up{source}` to 0, so the rest still arrives and an alert
can say which dependency failed. No label holds a number, a CallSid or an id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from helpline import queues
from helpline.observability import tallies

log = logging.getLogger("helpline.metrics")

AGENT_STATES = ("available", "reserved", "on_call", "wrap_up", "break")


class HelplineCollector(Collector):
    def __init__(self, svc: Any) -> None:
        self.svc = svc

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("helpline_metrics_source_up",
                               "1 when this scrape could read the source, else 0.",
                               labels=("source",))
        sources: tuple[tuple[str, Callable[[], list[Metric]]], ...] = (
            ("routing", self._routing), ("rq", self._jobs), ("database", self._recordings))
        for source, read in sources:
            try:
                families = read()
            except Exception as exc:  # noqa: BLE001 - one dependency down, others still reported
                log.warning("metrics: cannot read %s (%s)", source, type(exc).__name__)
                up.add_metric([source], 0)
                continue
            up.add_metric([source], 1)
            yield from families
        yield up

    # --- routing (Redis) -------------------------------------------------------

    def _routing(self) -> list[Metric]:
        from call_routing.live import agents_by_state, live_figures
        from call_routing.service import routing_service

        engine = routing_service(self.svc).engine
        figures = live_figures(engine)
        waiting = GaugeMetricFamily("helpline_queue_waiting",
                                    "Live callers waiting in the language's queue "
                                    "(being offered included).", labels=("language",))
        longest = GaugeMetricFamily("helpline_queue_longest_wait_seconds",
                                    "How long the longest-waiting live caller has waited.",
                                    labels=("language",))
        deferred = GaugeMetricFamily("helpline_queue_deferred",
                                     "Callbacks and voicemails due to be offered.",
                                     labels=("language",))
        per_language = GaugeMetricFamily(
            "helpline_language_agents",
            "Agents with the language's skill, by state (an agent with several "
            "languages counts in each).", labels=("language", "state"))
        for row in figures["languages"]:
            language = row["language"]
            waiting.add_metric([language], row["waiting"])
            longest.add_metric([language], row["longest_wait_seconds"])
            deferred.add_metric([language], row["deferred_waiting"])
            for state in AGENT_STATES:
                per_language.add_metric([language, state], row["agents"].get(state, 0))
        counts = agents_by_state(engine)
        agents = GaugeMetricFamily("helpline_agents",
                                   "Agents signed in, each counted once, by state.",
                                   labels=("state",))
        for state in AGENT_STATES:
            agents.add_metric([state], counts.get(state, 0))
        return [waiting, longest, deferred, agents, per_language]

    # --- jobs (rq and the tallies, Redis) --------------------------------------

    def _jobs(self) -> list[Metric]:
        from rq import Queue
        from rq.registry import (
            DeferredJobRegistry,
            FailedJobRegistry,
            ScheduledJobRegistry,
            StartedJobRegistry,
        )

        redis = self.svc.require_redis()
        jobs = GaugeMetricFamily("helpline_rq_jobs",
                                 "rq jobs by queue and where they are now (failed: kept "
                                 "for inspection after their last retry).",
                                 labels=("queue", "state"))
        for name in queues.ALL:
            queue = Queue(name, connection=redis)
            jobs.add_metric([name, "queued"], redis.llen(queue.key))
            for state, registry in (("started", StartedJobRegistry),
                                    ("scheduled", ScheduledJobRegistry),
                                    ("deferred", DeferredJobRegistry),
                                    ("failed", FailedJobRegistry)):
                # The size only: `.count` would also run rq's cleanup, and a scrape
                # must change nothing (abandoned jobs are the intake sweep's to heal).
                jobs.add_metric([name, state], redis.zcard(registry(queue=queue).key))
        families: list[Metric] = [jobs]
        for tally, metric, text in (
                (tallies.JOB_FAILURES, "helpline_rq_job_failures",
                 "Job runs that raised with no retry left (the job failed)."),
                (tallies.JOB_RETRIES, "helpline_rq_job_retries",
                 "Job runs that raised and were scheduled to run again.")):
            counted = tallies.read_counter(redis, tally)
            family = CounterMetricFamily(metric, text, labels=("queue",))
            for name in queues.ALL:
                family.add_metric([name], counted.get((name,), 0.0))
            families.append(family)
        families.append(self._transcription(redis))
        return families

    def _transcription(self, redis: Any) -> Metric:
        family = HistogramMetricFamily(
            "helpline_transcription_cpu_seconds_per_audio_second",
            "CPU seconds the speech engine spent per second of audio, per channel.",
            labels=("language", "engine"))
        buckets = tallies.TRANSCRIPTION_CPU_BUCKETS
        bounds = [str(bound) for bound in buckets] + ["+Inf"]
        read = tallies.read_histogram(redis, tallies.TRANSCRIPTION_CPU, buckets)
        for labels, (cumulative, total, _count) in sorted(read.items()):
            family.add_metric(list(labels), list(zip(bounds, cumulative, strict=True)),
                              sum_value=total)
        return family

    # --- recordings (database) -------------------------------------------------

    def _recordings(self) -> list[Metric]:
        from sqlalchemy import func, select

        from recordings.models import NEXT_STEPS, Recording

        since = func.coalesce(Recording.next_step_at, Recording.created_at)
        with self.svc.db.session() as session:
            rows = session.execute(
                select(Recording.next_step, func.count(), func.min(since))
                .where(Recording.next_step.is_not(None))
                .group_by(Recording.next_step)).all()
        now = datetime.now(UTC)
        pending = GaugeMetricFamily("helpline_recordings_pending",
                                    "Recordings with work still owed, by next step.",
                                    labels=("next_step",))
        oldest = GaugeMetricFamily("helpline_recordings_pending_oldest_seconds",
                                   "Age of the oldest recording waiting for that step.",
                                   labels=("next_step",))
        found = {step: (count, first) for step, count, first in rows}
        for step in sorted(set(NEXT_STEPS) | set(found)):
            count, first = found.get(step, (0, None))
            pending.add_metric([step], count)
            age = 0.0
            if first is not None:
                first = first if first.tzinfo else first.replace(tzinfo=UTC)
                age = max(0.0, (now - first).total_seconds())
            oldest.add_metric([step], age)
        return [pending, oldest]
