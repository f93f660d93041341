"""`helpline worker`: an rq worker on the helpline's queues, that outlives Redis outages.

By default a worker forks a work horse per job (a crash in one job cannot take the
worker down). `--simple` runs jobs in the worker's own process: measured faster for
transcription (the speech model stays loaded and no fork is paid per job), so
production runs a dedicated transcription worker that way.

rq leaves its work loop on a Redis timeout or any error it did not expect; this
wrapper builds a fresh worker and carries on, backing off while Redis is away. The
worker runs no rq scheduler of its own (that lives in `helpline scheduler`), so a
worker killed with -9 leaves no orphaned scheduler process holding a lock.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable, Sequence
from typing import Any

from rq import Queue, SimpleWorker, Worker

from helpline import queues
from helpline.backoff import Backoff
from helpline.observability.job_metrics import record_job_failure
from helpline.observability.logs import configure_logging
from helpline.settings import SettingsError, load_settings


def _load_speech_models() -> None:
    # Imported here: only a transcription worker pays for the speech engines' imports.
    from transcription.registry import preload_for_worker

    preload_for_worker()


# Code a queue's jobs need loaded, keyed by that queue: run before a forking worker
# that serves the queue alone takes jobs, so its work horses share one copy instead
# of reloading it per job. Anywhere else it loads on the first job that needs it
# (`run_preloads`).
WORKER_PRELOADS: dict[str, list[Callable[[], None]]] = {
    queues.TRANSCRIPTION: [_load_speech_models],
}

RECONNECT_LONGEST_SECONDS = 5.0

log = logging.getLogger("helpline.worker")


class UnknownQueue(ValueError):
    pass


def run_worker(burst: bool = False, queue_names: Sequence[str] = queues.ALL,
               simple: bool = False) -> None:
    import redis

    settings = load_settings()
    if settings.redis_url is None:
        raise SettingsError("REDIS_URL", "is not set",
                            "set it to redis://HOST:PORT/0, or use `helpline run`")
    unknown = set(queue_names) - set(queues.ALL)
    if unknown:
        raise UnknownQueue(f"unknown queue(s) {', '.join(sorted(unknown))}; "
                           f"the queues are {', '.join(queues.ALL)}")
    configure_logging("worker", settings)
    run_preloads(queue_names, simple=simple)
    worker_class = SimpleWorker if simple else Worker
    # Keep the configured priority order whatever order the operator typed.
    ordered = [name for name in queues.ALL if name in queue_names]
    # Jobs wait on the reconnection: look for Redis every few seconds at most.
    backoff = Backoff(longest=RECONNECT_LONGEST_SECONDS)
    while True:
        try:
            connection = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=2,
                                              health_check_interval=30)
            connection.ping()
            worker = build_worker(worker_class, ordered, connection)
            started = time.monotonic()
            worker.work(burst=burst, with_scheduler=False)
            if burst or _asked_to_stop(worker):
                return
            log.warning("rq left its work loop; starting a fresh worker")
            if time.monotonic() - started > backoff.healthy_after:
                backoff.reset()
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            log.warning("Redis unavailable (%s); retrying", type(exc).__name__)
        # Between workers nobody handles signals for rq: a stop request ends us at once.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        time.sleep(backoff.next())


def build_worker(worker_class: type[Worker] | type[SimpleWorker],
                 queue_names: Sequence[str], connection: Any) -> Worker | SimpleWorker:
    """An rq worker on `queue_names` that counts its failed and retried job runs
    (`helpline_rq_job_failures_total`, `..._retries_total` at /metrics)."""
    worker = worker_class([Queue(name, connection=connection) for name in queue_names],
                          connection=connection)
    worker.push_exc_handler(record_job_failure)
    return worker


def _asked_to_stop(worker: Worker | SimpleWorker) -> bool:
    """rq left its loop because of SIGTERM/SIGINT (it records when), not an error."""
    return bool(worker._stop_requested or getattr(worker, "_shutdown_requested_date", None))


def run_preloads(queue_names: Sequence[str] = queues.ALL, *, simple: bool = False) -> None:
    """Runs the preloads of the given queues, in this (parent) process — only when it
    pays: in a forking worker that serves nothing but the queue. A simple worker
    loads on its first job and keeps it; a worker that also serves other queues must
    not keep them waiting (the speech model has taken 69 s to load on a busy machine,
    during which no recording was downloaded)."""
    for name in queue_names:
        preloads = WORKER_PRELOADS.get(name, [])
        if not preloads or simple:
            continue
        if len(queue_names) > 1:
            log.warning("the %s queue shares this forking worker with others: each of its "
                        "jobs loads what it needs itself; run a dedicated worker "
                        "(`helpline worker --queues %s`) to load it once", name, name)
            continue
        for preload in preloads:
            preload()
