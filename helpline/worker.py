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

import importlib
import logging
import signal
import time
from collections.abc import Sequence

from rq import Queue, SimpleWorker, Worker

from helpline import queues
from helpline.backoff import Backoff
from helpline.settings import SettingsError, load_settings

# Code that must run once per worker process before it takes jobs, keyed by the queue
# that needs it: loaded before rq forks, so work horses share it instead of reloading.
WORKER_PRELOADS: dict[str, list[str]] = {
    queues.TRANSCRIPTION: ["transcription.registry:preload_for_worker"],
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
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(message)s")
    # twilio-python logs whole requests and responses at INFO.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    run_preloads(queue_names)
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
            worker = worker_class([Queue(name, connection=connection) for name in ordered],
                                  connection=connection)
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


def _asked_to_stop(worker: Worker | SimpleWorker) -> bool:
    """rq left its loop because of SIGTERM/SIGINT (it records when), not an error."""
    return bool(worker._stop_requested or getattr(worker, "_shutdown_requested_date", None))


def run_preloads(queue_names: Sequence[str] = queues.ALL) -> None:
    """Runs the preloads the given queues need, in this (parent) process."""
    for name in queue_names:
        for path in WORKER_PRELOADS.get(name, []):
            module_name, _, func_name = path.partition(":")
            func = getattr(importlib.import_module(module_name), func_name)
            func()
