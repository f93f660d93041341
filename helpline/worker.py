"""`helpline worker`: an rq worker on the helpline's queues, routing first.

By default one worker serves every queue and forks a work horse per job (a crash
in one job cannot take the worker down). `--simple` runs jobs in the worker's own
process: measured faster for transcription (the speech model stays loaded and no
fork is paid per job), so production runs a dedicated transcription worker that way.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence

from rq import Queue, SimpleWorker, Worker

from helpline import queues
from helpline.settings import SettingsError, load_settings

# Code that must run once per worker process before it takes jobs, keyed by the queue
# that needs it: loaded before rq forks, so work horses share it instead of reloading.
WORKER_PRELOADS: dict[str, list[str]] = {
    queues.TRANSCRIPTION: ["transcription.registry:preload_for_worker"],
}


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
    connection = redis.Redis.from_url(settings.redis_url)
    run_preloads(queue_names)
    worker_class = SimpleWorker if simple else Worker
    # Keep the configured priority order whatever order the operator typed.
    ordered = [name for name in queues.ALL if name in queue_names]
    worker = worker_class([Queue(name, connection=connection) for name in ordered],
                          connection=connection)
    worker.work(burst=burst, with_scheduler=True)


def run_preloads(queue_names: Sequence[str] = queues.ALL) -> None:
    """Runs the preloads the given queues need, in this (parent) process."""
    for name in queue_names:
        for path in WORKER_PRELOADS.get(name, []):
            module_name, _, func_name = path.partition(":")
            try:
                func = getattr(importlib.import_module(module_name), func_name)
            except (ModuleNotFoundError, AttributeError):
                continue
            func()
