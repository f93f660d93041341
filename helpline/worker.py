"""`helpline worker`: an rq worker on every helpline queue, routing first."""

from __future__ import annotations

import logging

from rq import Queue, Worker

from helpline import queues
from helpline.settings import SettingsError, load_settings

# Code that must run once per worker process before it takes jobs (e.g. loading a
# speech model) registers here; see transcription.
WORKER_PRELOADS: list[str] = ["transcription.registry:preload_for_worker"]


def run_worker(burst: bool = False) -> None:
    import redis

    settings = load_settings()
    if settings.redis_url is None:
        raise SettingsError("REDIS_URL", "is not set",
                            "set it to redis://HOST:PORT/0, or use `helpline run`")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(message)s")
    connection = redis.Redis.from_url(settings.redis_url)
    run_preloads()
    worker = Worker([Queue(name, connection=connection) for name in queues.ALL],
                    connection=connection)
    worker.work(burst=burst, with_scheduler=True)


def run_preloads() -> None:
    """Runs WORKER_PRELOADS in this (parent) process, so forked work horses share them."""
    import importlib

    for path in WORKER_PRELOADS:
        module_name, _, func_name = path.partition(":")
        try:
            func = getattr(importlib.import_module(module_name), func_name)
        except (ModuleNotFoundError, AttributeError):
            continue
        func()
