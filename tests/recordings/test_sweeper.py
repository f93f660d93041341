"""The intake sweep finishes what a fault interrupted: a download that could not be
queued (Redis refused the connection), a job abandoned by a dead worker, and a
transcription that keeps dying — each through the stand-in, real Redis, real rq."""

from __future__ import annotations

from datetime import timedelta

import redis
from rq import Queue, SimpleWorker
from rq.job import Job, JobStatus

from helpline.db import utcnow
from helpline.embedded_redis import free_port
from recordings.models import Recording
from recordings.sweeper import LOCK_KEY, sweep_intake
from transcription.models import Transcript

NEPALI_LINE = "+661800000104"


def sweep(stand_in) -> dict[str, int]:
    stand_in.services.require_redis().delete(LOCK_KEY)   # one sweep per interval otherwise
    with stand_in.app.app_context():
        return sweep_intake(stand_in.services, now=utcnow() + timedelta(minutes=1))


def only_recording(stand_in) -> Recording:
    with stand_in.services.db.session() as session:
        return session.query(Recording).one()


def leave_voicemail_while_redis_refuses(stand_in) -> None:
    working = stand_in.services.redis
    # A real refused connection: nothing listens on this port.
    stand_in.services.redis = redis.Redis(port=free_port(), socket_connect_timeout=0.5)
    try:
        result = stand_in.call(to=NEPALI_LINE, press=["2"], say="They took my passport",
                               voice="en")
    finally:
        stand_in.services.redis = working
    assert result.outcome["kind"] == "voicemail"


def test_a_download_that_could_not_be_queued_is_queued_by_the_sweep(stand_in):
    leave_voicemail_while_redis_refuses(stand_in)
    recording = only_recording(stand_in)
    assert (recording.status, recording.next_step) == ("received", "download")
    assert recording.ticket_id is not None, "the ticket opens with the recording"
    assert Queue("recordings", connection=stand_in.services.require_redis()).count == 0

    assert sweep(stand_in) == {"missing": 1}
    stand_in.work()                                   # download, then transcription
    recording = only_recording(stand_in)
    assert recording.status == "stored", recording.error
    assert recording.next_step is None and recording.deleted_at_twilio_at is not None
    with stand_in.services.db.session() as session:
        assert [t.status for t in session.query(Transcript)] == ["awaiting_human"]
    assert sweep(stand_in) == {}, "nothing is owed any more"


def test_a_job_abandoned_by_a_dead_worker_is_queued_again_under_a_new_id(stand_in):
    result = stand_in.call(to=NEPALI_LINE, press=["2"], say="No wages for three months",
                           voice="en")
    assert result.outcome["kind"] == "voicemail"
    recording = only_recording(stand_in)
    connection = stand_in.services.require_redis()
    # What a worker killed with -9 leaves behind: the job "started" long ago, no lease.
    job = Job.fetch(recording.job_id, connection=connection)
    job.set_status(JobStatus.STARTED)
    job.started_at = utcnow() - timedelta(minutes=5)
    job.save()
    connection.delete(f"rq:queue:{job.origin}")

    assert sweep(stand_in) == {"abandoned": 1}
    requeued = only_recording(stand_in)
    assert requeued.job_id == f"{recording.job_id}-r1" and requeued.requeues == 1
    stand_in.work()
    assert only_recording(stand_in).status == "stored"


def test_a_live_job_is_left_alone(stand_in):
    stand_in.call(to=NEPALI_LINE, press=["2"], say="My employer hits us", voice="en")
    assert sweep(stand_in) == {}, "queued and waiting for a worker: live"
    assert only_recording(stand_in).requeues == 0


def test_a_transcription_that_keeps_dying_goes_to_people_with_the_reason(stand_in):
    stand_in.call(to=NEPALI_LINE, press=["2"], say="We sleep in the factory", voice="en")
    connection = stand_in.services.require_redis()
    with stand_in.app.app_context():                  # the download only
        SimpleWorker([Queue("recordings", connection=connection)],
                     connection=connection).work(burst=True)
    connection.delete("rq:queue:transcription")       # ...and its transcription job is lost
    limit = stand_in.services.config.reliability.max_transcription_attempts
    with stand_in.services.db.session() as session:
        recording = session.query(Recording).one()
        assert recording.next_step == "transcribe"
        recording.transcription_attempts = limit       # every earlier start was killed
    assert sweep(stand_in) == {"missing": 1}
    stand_in.work()
    recording = only_recording(stand_in)
    assert recording.next_step is None
    assert "gave up after 3 interrupted attempts" in recording.error
    with stand_in.services.db.session() as session:
        transcript = session.query(Transcript).one()
        assert transcript.status == "awaiting_human" and "gave up" in transcript.error
