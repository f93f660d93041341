"""rq jobs for recordings: download → verify → store → delete at Twilio; retention purge.

Jobs take ids only. The order is the safety rule: Twilio's copy is deleted only
after ours is on disk, decoded end to end, matched against Twilio's duration and
checksummed — and re-checked against that checksum right before the delete.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from rq import Retry

from agent_console.models import AuditEntry
from helpline import queues
from helpline.db import utcnow
from helpline.leases import current_job_id, job_lease
from recordings import audio, domain, errors, storage, store, twilio_media
from recordings.errors import RecordingError
from recordings.models import Recording
from recordings.runtime import job_services

log = logging.getLogger("helpline.recordings")

STORED = "stored"
TOO_SHORT = "too_short"
FAILED = "failed"
ABSENT = "absent"          # Twilio recorded nothing: no audio to fetch
PURGED = "purged"
HELD = (STORED, TOO_SHORT)


class RetryLater(Exception):
    """Raised so rq retries the job with backoff (network error or Twilio 5xx)."""


DOWNLOAD_JOB_TIMEOUT = 600


def enqueue_download(services: Any, recording: Recording) -> Any:
    return services.queue(queues.RECORDINGS).enqueue(
        download_recording, recording.id,
        job_id=recording.job_id or domain.job_id_for(domain.DOWNLOAD, recording.id,
                                                     recording.recording_sid),
        retry=Retry(max=len(domain.RETRY_INTERVALS), interval=list(domain.RETRY_INTERVALS)),
        job_timeout=DOWNLOAD_JOB_TIMEOUT,
    )


def download_recording(recording_id: int) -> str:
    """Fetch, verify, store, then delete at Twilio. Returns the recording's final status."""
    svc = job_services()
    with job_lease(svc.redis, current_job_id(), svc.config.reliability.job_lease_seconds):
        return _download(svc, recording_id)


def _download(svc: Any, recording_id: int) -> str:
    with svc.db.session() as session:
        recording = session.get(Recording, recording_id)
        if recording is None:
            return "missing"
        if recording.status in (FAILED, PURGED) or (
                recording.status in HELD and recording.deleted_at_twilio_at is not None):
            if recording.next_step == domain.DOWNLOAD:
                recording.next_step = None
            return recording.status
        if recording.attempts >= domain.MAX_ATTEMPTS and recording.status not in HELD:
            # Started this often and never finished: its workers keep dying on it.
            recording.status, recording.next_step = FAILED, None
            recording.error = (f"{errors.GAVE_UP}: the download was interrupted "
                               f"{recording.attempts} times")
            log.warning("recording %s: %s", recording_id, recording.error)
            return FAILED
        recording.attempts += 1
        if recording.status not in HELD:
            recording.status = "downloading"
        sid, attempts = recording.recording_sid, recording.attempts
        reported, kind = recording.duration_seconds, recording.kind
        held_path = recording.storage_path if recording.status in HELD else None
        held_checksum = recording.checksum_sha256

    try:
        if held_path is None:
            _download_and_store(svc, recording_id, sid, reported, kind)
        elif storage.file_sha256(Path(held_path)) != held_checksum:
            # Our copy changed since it was verified: Twilio's is now the only good one.
            raise RecordingError(errors.CORRUPT_AUDIO,
                                 "the stored file no longer matches its checksum")
        twilio_media.delete_at_twilio(svc.twilio, sid)
    except RecordingError as exc:
        return _handle_failure(svc, recording_id, exc, attempts)

    with svc.db.session() as session:
        recording = session.get(Recording, recording_id)
        assert recording is not None, "a stored recording's row is never deleted"
        if recording.next_step == domain.DOWNLOAD:   # stored but too short to transcribe
            recording.next_step = None
        recording.deleted_at_twilio_at = utcnow()
        recording.error = None
        log.info("recording %s stored and deleted at Twilio", recording_id)
        return recording.status


def _download_and_store(svc: Any, recording_id: int, sid: str, reported: float | None,
                        kind: str) -> None:
    data = twilio_media.fetch_media(svc.twilio, sid)
    if not data:
        raise RecordingError(errors.EMPTY_MEDIA, "Twilio sent an empty file (0 bytes)")
    final = storage.path_for(svc.settings.recordings_dir, sid, twilio_media.MEDIA_SUFFIX)
    staged = storage.write_private(final.with_name(final.name + ".unverified"), data)
    try:
        decoded = audio.decode(staged.path)
        problem = domain.duration_problem(decoded.duration_seconds, reported)
        if problem is not None:
            raise RecordingError(errors.TRUNCATED_AUDIO, problem)
        os.replace(staged.path, final)
    except BaseException:
        staged.path.unlink(missing_ok=True)
        raise

    too_short = domain.is_too_short(kind, decoded.duration_seconds,
                                    svc.config.voicemail.min_length_seconds)
    with svc.db.session() as session:
        recording = session.get(Recording, recording_id)
        recording.status = TOO_SHORT if too_short else STORED
        if not too_short:
            # Stored and owed a transcript, in one commit: nothing falls between them.
            recording.next_step, recording.next_step_at = domain.TRANSCRIBE, utcnow()
            recording.job_id = domain.job_id_for(domain.TRANSCRIBE, recording.id,
                                                 recording.recording_sid)
        job_id = recording.job_id
        recording.storage_path = str(final)
        recording.size_bytes = staged.size_bytes
        recording.checksum_sha256 = staged.checksum_sha256
        recording.duration_seconds = round(decoded.duration_seconds, 3)
        recording.channels = len(decoded.channels)
        recording.stored_at = utcnow()
        recording.error = None
    if not too_short:
        from transcription.jobs import enqueue_transcription

        try:
            enqueue_transcription(svc, recording_id, job_id)
        except Exception as exc:  # noqa: BLE001 - the step is recorded; the sweep queues it
            log.warning("recording %s stored, its transcription not queued yet (%s)",
                        recording_id, type(exc).__name__)


def _handle_failure(svc: Any, recording_id: int, exc: RecordingError, attempts: int) -> str:
    gave_up = not exc.permanent and attempts >= domain.MAX_ATTEMPTS
    with svc.db.session() as session:
        recording = session.get(Recording, recording_id)
        if exc.permanent or gave_up:
            message = (f"{errors.GAVE_UP}: {exc.message} (after {attempts} attempts)"
                       if gave_up else str(exc))
            recording.error = message
            if recording.status not in HELD:
                # Nothing verified is held: Twilio keeps its copy; staff see why.
                recording.status = FAILED
                recording.next_step = None
            log.warning("recording %s: %s", recording_id, message)
            return recording.status
        recording.error = f"retrying: {exc}"
    log.info("recording %s: %s (attempt %d); retrying", recording_id, exc.message, attempts)
    raise RetryLater(str(exc)) from exc


def purge_expired_audio() -> dict[str, int]:
    """Deletes audio past `retention.audio_days` and transcript text past
    `retention.transcript_days`; tickets stay. Every removal is audited."""
    svc = job_services()
    now = utcnow()
    retention = svc.config.retention
    purged_audio = purged_text = 0
    with svc.db.session() as session:
        for recording in store.expired_audio(session, domain.retention_cutoff(
                now, retention.audio_days)):
            if recording.storage_path:
                Path(recording.storage_path).unlink(missing_ok=True)
            session.add(AuditEntry(
                action="purge_audio", subject_type="recording", subject_id=str(recording.id),
                detail={"recording_sid": recording.recording_sid,
                        "ticket_id": recording.ticket_id,
                        "created_at": recording.created_at.isoformat(),
                        "retention_days": retention.audio_days,
                        "checksum_sha256": recording.checksum_sha256}))
            recording.storage_path = None
            recording.status = PURGED
            recording.purged_at = now
            purged_audio += 1
        from transcription.store import draft_for, expired_transcripts

        for transcript in expired_transcripts(session, domain.retention_cutoff(
                now, retention.transcript_days)):
            session.add(AuditEntry(
                action="purge_transcript", subject_type="transcript",
                subject_id=str(transcript.id),
                detail={"recording_id": transcript.recording_id,
                        "created_at": transcript.created_at.isoformat(),
                        "retention_days": retention.transcript_days}))
            transcript.text = None
            transcript.words = None
            transcript.status = "purged"
            draft = draft_for(session, transcript.id)
            if draft is not None:  # the machine's text is the caller's words too
                draft.text = None
                draft.words = None
            purged_text += 1
    return {"purged_audio": purged_audio, "purged_transcripts": purged_text}
