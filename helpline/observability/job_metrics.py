"""What rq workers and jobs record (into Redis, see `tallies`)."""

from __future__ import annotations

from typing import Any

from helpline.observability import tallies


def record_job_failure(job: Any, *_exc_info: Any) -> bool:
    """An rq exception handler: a job run that raised is a retry when rq will run it
    again (it has retries left), else a failure (it goes to the failed registry).
    Returns True so rq's other handlers still run."""
    name = tallies.JOB_RETRIES if job.should_retry else tallies.JOB_FAILURES
    tallies.count(job.connection, name, (job.origin,))
    return True


def record_transcription_cpu(redis: Any, *, language: str, engine: str,
                             cpu_seconds: float, audio_seconds: float) -> None:
    """CPU seconds the decoder took per second of audio, for one channel."""
    if redis is None or audio_seconds <= 0:
        return
    tallies.observe(redis, tallies.TRANSCRIPTION_CPU, (language, engine),
                    cpu_seconds / audio_seconds, tallies.TRANSCRIPTION_CPU_BUCKETS)
