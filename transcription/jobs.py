"""rq job: transcribe a stored recording, per channel, or queue it for people.

Idempotent per (recording, channel) — the database's unique constraint — so a
replayed callback or a retried job never yields a second transcript.

A job that raises is retried with backoff; a job whose worker dies holds no lease
any more and the intake sweep queues it again. Each start is counted: after
`reliability.max_transcription_attempts` the machine gives up and the voicemail goes
to the human-transcription queue with the reason — never left silently "stored".

Vosk's text is the transcript. Whisper's is a machine draft: the transcript waits for
a person, who finds the draft pre-filled to correct — or, when the guard rejected it,
an empty page marked "machine draft rejected: <why>". A language whose engine cannot
run here (the `[whisper]` extra not installed, a model failing its checksum) goes to
people with that reason.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rq import Retry
from sqlalchemy.exc import IntegrityError

from helpline import queues
from helpline.db import utcnow
from helpline.leases import current_job_id, job_lease
from helpline.observability.job_metrics import record_transcription_cpu
from recordings import audio, domain
from recordings.domain import TRANSCRIBE
from recordings.errors import AudioError
from recordings.models import Recording
from recordings.runtime import job_services
from transcription.engine import TranscriptionResult
from transcription.errors import EngineUnavailable
from transcription.models import MachineDraft, Transcript
from transcription.registry import ModelRegistry
from transcription.whisper_model import WhisperModelError

log = logging.getLogger("helpline.transcription")

TRANSCRIBABLE = ("stored",)


def registry_for(services: Any) -> ModelRegistry:
    registry = services.extras.get("transcription.registry")
    if registry is None:
        registry = services.extras["transcription.registry"] = ModelRegistry.from_settings(
            services.settings, services.config)
    return registry  # type: ignore[no-any-return]


# A three-minute voicemail decodes in about two minutes of CPU; far past that, the
# job is stuck and rq stops it so the retry (or people) can take over.
TRANSCRIPTION_JOB_TIMEOUT = 900
RETRY_INTERVALS = (30, 120)


def enqueue_transcription(services: Any, recording_id: int, job_id: str | None = None) -> Any:
    return services.queue(queues.TRANSCRIPTION).enqueue(
        transcribe_recording, recording_id, job_id=job_id or f"transcribe-{recording_id}",
        retry=Retry(max=len(RETRY_INTERVALS), interval=list(RETRY_INTERVALS)),
        job_timeout=TRANSCRIPTION_JOB_TIMEOUT)


def transcribe_recording(recording_id: int) -> dict[str, str]:
    """Returns {channel: status} for what this run stored."""
    svc = job_services()
    with job_lease(svc.redis, current_job_id(), svc.config.reliability.job_lease_seconds):
        saved = _transcribe(svc, recording_id)
    _step_done(svc, recording_id)
    return saved


def _transcribe(svc: Any, recording_id: int) -> dict[str, str]:
    with svc.db.session() as session:
        recording = session.get(Recording, recording_id)
        if recording is None or recording.status not in TRANSCRIBABLE:
            return {}
        language = recording.language or "und"
        path = Path(recording.storage_path or "")
        labels = domain.channel_labels(recording.channels or 1)
        done = {t.channel for t in session.query(Transcript)
                .filter(Transcript.recording_id == recording_id)}
        todo = [label for label in labels if label not in done]
        if not todo:
            return {}
        # Counted (and committed) before the work: a worker killed mid-job still counts.
        recording.transcription_attempts += 1
        attempts = recording.transcription_attempts
    limit = svc.config.reliability.max_transcription_attempts
    if attempts > limit:
        reason = (f"machine transcription gave up after {limit} interrupted attempts; "
                  f"sent to the human-transcription queue")
        log.warning("recording %s: %s", recording_id, reason)
        saved = _save(svc, [Transcript(recording_id=recording_id, channel=label,
                                       language=language, status="awaiting_human",
                                       error=reason) for label in todo])
        with svc.db.session() as session:
            recording = session.get(Recording, recording_id)
            recording.error = reason
        return saved

    try:
        engine = registry_for(svc).engine(language)
    except (EngineUnavailable, WhisperModelError) as exc:
        reason = f"machine transcription unavailable: {exc}"
        log.error("recording %s (%s): %s", recording_id, language, reason)
        return _save(svc, [Transcript(recording_id=recording_id, channel=label,
                                      language=language, status="awaiting_human",
                                      error=reason) for label in todo])
    if engine is None:
        # No model for this language: people transcribe it; it is never dropped.
        return _save(svc, [Transcript(recording_id=recording_id, channel=label,
                                      language=language, status="awaiting_human")
                           for label in todo])
    try:
        decoded = audio.decode(path)
    except AudioError as exc:
        return _save(svc, [Transcript(recording_id=recording_id, channel=label,
                                      language=language, status="failed", error=str(exc))
                           for label in todo])
    rows: list[Transcript | tuple[Transcript, MachineDraft]] = []
    for label, pcm in zip(labels, decoded.channels, strict=False):
        if label not in todo:
            continue
        # Process CPU, not wall time: engines decode on threads of their own, and a
        # busy machine makes wall time say nothing about the model's cost.
        cpu_started = time.process_time()
        try:
            result = engine.transcribe(pcm, decoded.sample_rate)
        except Exception as exc:  # a model crash must not lose the message
            log.exception("transcription of recording %s failed", recording_id)
            rows.append(Transcript(recording_id=recording_id, channel=label,
                                   language=language, status="awaiting_human",
                                   engine=engine.name, model_id=engine.model_id,
                                   error=f"machine transcription failed: {type(exc).__name__}"))
            continue
        record_transcription_cpu(svc.redis, language=language, engine=result.engine,
                                 cpu_seconds=time.process_time() - cpu_started,
                                 audio_seconds=result.audio_seconds)
        if result.is_draft:
            rows.append(_awaiting_correction(recording_id, label, language, result))
            continue
        rows.append(Transcript(
            recording_id=recording_id, channel=label, language=language, status="done",
            engine=result.engine, model_id=result.model_id, text=result.text,
            words=result.words_json(), confidence=result.confidence,
            audio_seconds=round(result.audio_seconds, 3),
            real_time_factor=result.real_time_factor, completed_at=utcnow()))
    return _save(svc, rows)


def _awaiting_correction(recording_id: int, label: str, language: str,
                         result: TranscriptionResult) -> tuple[Transcript, MachineDraft]:
    """A person transcribes it, from the machine's draft unless the guard rejected it."""
    if result.rejected:
        log.info("recording %s/%s: %s", recording_id, label, result.rejected)
    transcript = Transcript(recording_id=recording_id, channel=label, language=language,
                            status="awaiting_human", error=result.rejected,
                            audio_seconds=round(result.audio_seconds, 3),
                            real_time_factor=result.real_time_factor)
    draft = MachineDraft(
        status="rejected" if result.rejected else "offered", engine=result.engine,
        model_id=result.model_id, text=result.text, words=result.words_json(),
        confidence=result.confidence, rejected_reason=result.rejected,
        audio_seconds=round(result.audio_seconds, 3), cpu_seconds=result.cpu_seconds)
    return transcript, draft


def _step_done(svc: Any, recording_id: int) -> None:
    """Every channel has its transcript (machine or awaiting people): nothing is owed."""
    with svc.db.session() as session:
        recording = session.get(Recording, recording_id)
        if recording is None or recording.next_step != TRANSCRIBE:
            return
        if recording.status in TRANSCRIBABLE:
            labels = set(domain.channel_labels(recording.channels or 1))
            done = {t.channel for t in session.query(Transcript)
                    .filter(Transcript.recording_id == recording_id)}
            if not labels <= done:
                return
        recording.next_step = None


def _save(svc: Any, rows: Sequence[Transcript | tuple[Transcript, MachineDraft]]
          ) -> dict[str, str]:
    saved: dict[str, str] = {}
    for item in rows:
        row, draft = item if isinstance(item, tuple) else (item, None)
        try:
            with svc.db.session() as session:  # the transcript and its draft, or neither
                session.add(row)
                if draft is not None:
                    session.flush()
                    draft.transcript_id = row.id
                    session.add(draft)
            saved[row.channel] = row.status
        except IntegrityError:
            log.info("transcript for recording %s/%s exists already", row.recording_id,
                     row.channel)
    return saved
