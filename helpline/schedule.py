"""`helpline scheduler`: periodic jobs through rq's CronScheduler.

Jobs register in `PERIODIC_JOBS` as (import path, queue, interval seconds); a
module that does not exist yet is skipped, so the scheduler runs from the start.
"""

from __future__ import annotations

import importlib
import logging

from helpline import queues
from helpline.settings import SettingsError, load_settings

PERIODIC_JOBS: tuple[tuple[str, str, int], ...] = (
    ("call_routing.jobs:sweep", queues.ROUTING, 5),
    ("recordings.jobs:purge_expired_audio", queues.MAINTENANCE, 3600),
    ("recordings.recovery:recover_missed_recordings", queues.RECORDINGS, 3600),
)

log = logging.getLogger("helpline.scheduler")


def resolve_periodic_jobs():
    for path, queue_name, interval in PERIODIC_JOBS:
        module_name, _, func_name = path.partition(":")
        try:
            func = getattr(importlib.import_module(module_name), func_name)
        except (ModuleNotFoundError, AttributeError):
            log.info("periodic job %s is not built yet; skipped", path)
            continue
        yield func, queue_name, interval


def run_scheduler() -> None:
    import redis
    from rq.cron import CronScheduler

    settings = load_settings()
    if settings.redis_url is None:
        raise SettingsError("REDIS_URL", "is not set",
                            "set it to redis://HOST:PORT/0, or use `helpline run`")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s scheduler %(message)s")
    scheduler = CronScheduler(connection=redis.Redis.from_url(settings.redis_url))
    for func, queue_name, interval in resolve_periodic_jobs():
        scheduler.register(func, queue_name, interval=interval, job_timeout=max(interval, 60))
    scheduler.start()
