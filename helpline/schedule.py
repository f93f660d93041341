"""`helpline scheduler`: the helpline's clock — periodic work as loops, not queued jobs.

Each duty is a loop in its own thread, so none waits behind another and none piles
up: the routing tick (offer deadlines, wrap-up ends, widening) every half second;
the routing heal (ghost queue entries, calls whose end was never reported) every 10 s;
rq's delayed jobs (retries with backoff) promoted every second; the durable-intake
sweep, the recovery of recordings whose callback never came, and retention at their
configured intervals. A loop whose dependency is down (Redis, the database, Twilio)
logs once, backs off and carries on when it returns; the process never exits on it.

Several schedulers may run (one per machine): every duty is safe to repeat, and the
ones that cost a REST request or a scan take a Redis lock for their interval.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from call_routing.service import routing_service
from helpline import queues
from helpline.backoff import Backoff
from helpline.observability.logs import configure_logging
from helpline.services import Services, build_services
from helpline.settings import SettingsError, load_settings
from ivr.callback_intake import requeue_lost_callbacks
from recordings.jobs import purge_expired_audio
from recordings.recovery import recover_missed_recordings
from recordings.sweeper import sweep_intake

ROUTING_TICK_SECONDS = 0.5
ROUTING_HEAL_SECONDS = 10.0
RQ_PROMOTE_SECONDS = 1.0
RETENTION_SECONDS = 3600
RECONNECT_LONGEST_SECONDS = 5.0

log = logging.getLogger("helpline.scheduler")


@dataclass
class Loop:
    """One duty, run every `interval` seconds until `stop` is set."""

    name: str
    interval: float
    step: Callable[[], Any]

    def run(self, stop: threading.Event) -> None:
        # Waiting out an outage, a duty looks again at least as often as it runs (and
        # every few seconds for the fast ones), so work resumes soon after Redis or the
        # database is back.
        backoff = Backoff(longest=max(self.interval, RECONNECT_LONGEST_SECONDS))
        failing = False
        while not stop.is_set():
            started = time.monotonic()
            try:
                self.step()
            except Exception as exc:  # noqa: BLE001 - an outage must not end the loop
                if not failing:
                    log.warning("%s failed (%s: %s); retrying with backoff", self.name,
                                type(exc).__name__, exc)
                failing = True
                stop.wait(backoff.next())
                continue
            if failing:
                log.info("%s works again", self.name)
                failing = False
                backoff.reset()
            stop.wait(max(0.0, self.interval - (time.monotonic() - started)))


def duties(svc: Services) -> list[Loop]:
    """Everything the scheduler does. Its parts are imported with this module, so a
    missing or misspelt one stops the scheduler at start-up (not retried below as if
    Redis were down, which left retention silently not running)."""
    reliability = svc.config.reliability
    routing = routing_service(svc)   # built before the threads share it
    promoter = DelayedJobPromoter(svc)
    return [
        Loop("routing tick", ROUTING_TICK_SECONDS, routing.tick),
        # Database and Twilio checks, apart: a slow Twilio never delays an offer deadline.
        Loop("routing heal", ROUTING_HEAL_SECONDS, routing.heal),
        Loop("delayed jobs", RQ_PROMOTE_SECONDS, promoter.promote),
        Loop("intake sweep", reliability.intake_sweep_seconds,
             lambda: (sweep_intake(svc), requeue_lost_callbacks(svc))),
        Loop("recording recovery", reliability.recovery_sweep_seconds,
             lambda: recover_missed_recordings(svc)),
        Loop("retention", RETENTION_SECONDS, lambda: enqueue_retention(svc)),
    ]


class DelayedJobPromoter:
    """rq's scheduler, run in this process instead of a child of every worker: retries
    waiting out their backoff move to their queue when due. rq's lock per queue keeps
    two schedulers from promoting the same job."""

    def __init__(self, svc: Services) -> None:
        from rq.scheduler import RQScheduler

        self.queue_names = set(queues.ALL)
        self.scheduler = RQScheduler(sorted(self.queue_names), connection=svc.require_redis())

    def promote(self) -> None:
        if self.scheduler.acquired_locks != self.queue_names:
            # Retried every second, not rq's ten minutes: after a restart the lock of
            # our previous life expires within a minute and retries resume at once.
            self.scheduler.acquire_locks()
        self.scheduler.heartbeat()
        self.scheduler.enqueue_scheduled_jobs()


def enqueue_retention(svc: Services) -> None:
    """Retention runs on a worker; one job per hour however many schedulers enqueue it."""
    hour = int(time.time() // RETENTION_SECONDS)
    svc.queue(queues.MAINTENANCE).enqueue(purge_expired_audio, job_id=f"retention-{hour}",
                                          job_timeout=RETENTION_SECONDS)


def run_scheduler() -> None:
    settings = load_settings()
    if settings.redis_url is None:
        raise SettingsError("REDIS_URL", "is not set",
                            "set it to redis://HOST:PORT/0, or use `helpline run`")
    # twilio-python's request logging is quietened there too (every recovery sweep).
    configure_logging("scheduler", settings)
    svc = build_services(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    loops = _start(svc, stop)
    log.info("scheduler running: %s", ", ".join(loop.name for loop in loops))
    while not stop.is_set():
        stop.wait(1.0)
    log.info("scheduler stopping")


def _start(svc: Services, stop: threading.Event) -> list[Loop]:
    backoff = Backoff(longest=RECONNECT_LONGEST_SECONDS)
    while True:
        try:
            loops = duties(svc)
            break
        except Exception as exc:  # noqa: BLE001 - e.g. Redis down at start-up
            log.warning("scheduler cannot start yet (%s); retrying", type(exc).__name__)
            if stop.wait(backoff.next()):
                return []
    for loop in loops:
        threading.Thread(target=loop.run, args=(stop,), name=loop.name, daemon=True).start()
    return loops
