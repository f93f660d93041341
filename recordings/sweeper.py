"""The intake sweep: every recording owed a step gets a live job for it.

A recording's next step (`download`, `transcribe`) is written in the same commit as
the state it follows from; queuing its job comes after, and can fail (Redis down),
be lost (Redis restarted empty), fail for good in rq, or be abandoned by a worker
killed mid-job. Run by `helpline scheduler`, this sweep looks at each owed step's
job and queues a fresh one when it is missing, failed, finished without doing the
step, or started by a worker whose lease has lapsed. Jobs are idempotent and count
their attempts, so re-queuing is always safe and never loops for ever.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import select

from helpline.db import utcnow
from helpline.leases import lease_alive
from helpline.services import Services
from recordings import domain
from recordings.models import Recording

# Between the webhook's commit and its enqueue a step briefly has no job: leave it be.
GRACE = timedelta(seconds=10)
LOCK_KEY = "hl:lock:intake-sweep"
LIVE_STATUSES = {JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED}
IN_FLIGHT_SECONDS = 0.5

log = logging.getLogger("helpline.recordings")


@dataclass(frozen=True)
class OwedStep:
    recording_id: int
    recording_sid: str
    step: str
    job_id: str | None
    requeues: int


def sweep_intake(svc: Services, now: datetime | None = None) -> dict[str, int]:
    """Queues a job for every owed step without a live one; returns counts by reason."""
    redis = svc.require_redis()
    interval = svc.config.reliability.intake_sweep_seconds
    if not redis.set(LOCK_KEY, "1", nx=True, ex=max(1, interval - 1)):
        return {}   # another scheduler swept moments ago
    now = now or utcnow()
    counts: dict[str, int] = {}
    for owed in owed_steps(svc, now - GRACE):
        verdict = job_verdict(redis, owed.job_id, svc.config.reliability.job_lease_seconds,
                              now)
        if verdict == "live":
            continue
        requeue(svc, owed, verdict)
        counts[verdict] = counts.get(verdict, 0) + 1
    return counts


def owed_steps(svc: Services, settled_before: datetime) -> list[OwedStep]:
    with svc.db.session() as session:
        rows = session.execute(
            select(Recording.id, Recording.recording_sid, Recording.next_step,
                   Recording.job_id, Recording.requeues)
            .where(Recording.next_step.is_not(None), Recording.next_step_at < settled_before)
            .order_by(Recording.id)).all()
    return [OwedStep(recording_id=row.id, recording_sid=row.recording_sid,
                     step=row.next_step or "", job_id=row.job_id, requeues=row.requeues)
            for row in rows]


def job_verdict(redis: Any, job_id: str | None, lease_seconds: float, now: datetime) -> str:
    """live / missing / abandoned, or rq's own end state (failed, finished, stopped...)."""
    if job_id is None:
        return "missing"
    try:
        job = Job.fetch(job_id, connection=redis)
    except NoSuchJobError:
        return "missing"
    status = job.get_status(refresh=False)
    if status == JobStatus.QUEUED and not _in_queue(redis, job):
        # Said to be queued but in no queue (its queue was lost): it would never run —
        # unless a worker is picking it up this very moment, so look again.
        time.sleep(IN_FLIGHT_SECONDS)
        if job.get_status(refresh=True) == JobStatus.QUEUED and not _in_queue(redis, job):
            return "missing"
        status = job.get_status(refresh=False)
    if status in LIVE_STATUSES:
        return "live"
    if status == JobStatus.STARTED:
        if lease_alive(redis, job_id):
            return "live"
        started = job.started_at
        # The lease is taken a moment after rq marks the job started.
        if started is not None and now - started.replace(tzinfo=now.tzinfo) < timedelta(
                seconds=lease_seconds):
            return "live"
        return "abandoned"
    return str(status.value if isinstance(status, JobStatus) else status or "missing")


def _in_queue(redis: Any, job: Job) -> bool:
    return redis.lpos(Queue.redis_queue_namespace_prefix + job.origin, job.id) is not None


def requeue(svc: Services, owed: OwedStep, why: str) -> None:
    """A new job id for the step, recorded before the job is queued."""
    from recordings.jobs import enqueue_download
    from transcription.jobs import enqueue_transcription

    with svc.db.session() as session:
        recording = session.get(Recording, owed.recording_id)
        if recording is None or recording.next_step != owed.step:
            return   # the step was done meanwhile
        recording.requeues += 1
        recording.job_id = domain.job_id_for(owed.step, recording.id, recording.recording_sid,
                                             recording.requeues)
        recording.next_step_at = utcnow()
        job_id = recording.job_id
        log.warning("recording %s: %s job %s; queued again as %s", recording.id, why,
                    owed.job_id, job_id)
    if owed.step == domain.DOWNLOAD:
        enqueue_download(svc, recording)   # committed, and still readable (no expiry)
    else:
        enqueue_transcription(svc, owed.recording_id, job_id)
