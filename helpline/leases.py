"""Job leases: how the intake sweep tells a job that is running from one whose worker died.

rq marks a job `started` when a worker picks it up, but a worker killed with -9 (or
a machine that vanished) never says otherwise; rq notices only when the job's own
timeout runs out, half an hour later for a transcription. So a job holds a lease —
a Redis key renewed by a thread while the job runs, gone a few seconds after the
process is. A started job without a lease has been abandoned and is queued again.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

LEASE_PREFIX = "hl:lease:"

log = logging.getLogger("helpline.leases")


def lease_key(job_id: str) -> str:
    return LEASE_PREFIX + job_id


@contextmanager
def job_lease(redis: Any, job_id: str | None, seconds: float) -> Iterator[None]:
    """Holds the lease of `job_id` while the block runs (no-op without a job id)."""
    if redis is None or job_id is None:
        yield
        return
    key, holder = lease_key(job_id), f"{socket.gethostname()}:{os.getpid()}"
    ttl = max(1, int(round(seconds)))
    stop = threading.Event()

    def renew() -> None:
        while True:
            try:
                redis.set(key, holder, ex=ttl)
            except Exception as exc:  # noqa: BLE001 - Redis away: the job still runs
                log.info("could not renew the lease of %s: %s", job_id, type(exc).__name__)
            if stop.wait(ttl / 3):
                return

    renewer = threading.Thread(target=renew, name=f"lease {job_id}", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join(timeout=2)
        try:
            redis.delete(key)
        except Exception:  # noqa: BLE001 - it expires by itself
            pass


def current_job_id() -> str | None:
    """The id of the rq job this code runs in, if any."""
    from rq import get_current_job

    job = get_current_job()
    return job.id if job is not None else None


def lease_alive(redis: Any, job_id: str) -> bool:
    return bool(redis.exists(lease_key(job_id)))
