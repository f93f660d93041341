"""rq job: transcribe a stored recording, per channel, or queue it for people.

Idempotent per (recording, channel) — the database's unique constraint — so a
replayed callback or a retried job never yields a second transcript.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError

from helpline import queues
from helpline.db import utcnow
from recordings import audio, domain
from recordings.errors import AudioError
from recordings.models import Recording
from recordings.runtime import job_services
from transcription.models import Transcript
from transcription.registry import ModelRegistry

log = logging.getLogger("helpline.transcription")

TRANSCRIBABLE = ("stored",)


def registry_for(services: Any) -> ModelRegistry:
    registry = services.extras.get("transcription.registry")
    if registry is None:
        registry = services.extras["transcription.registry"] = ModelRegistry.from_settings(
            services.settings)
    return registry  # type: ignore[no-any-return]


def enqueue_transcription(services: Any, recording_id: int) -> Any:
    return services.queue(queues.TRANSCRIPTION).enqueue(
        transcribe_recording, recording_id, job_id=f"transcribe-{recording_id}",
        job_timeout=1800)


def transcribe_recording(recording_id: int) -> dict[str, str]:
    """Returns {channel: status} for what this run stored."""
    svc = job_services()
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

    engine = registry_for(svc).engine(language)
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
    rows = []
    for label, pcm in zip(labels, decoded.channels, strict=False):
        if label not in todo:
            continue
        try:
            result = engine.transcribe(pcm, decoded.sample_rate)
        except Exception as exc:  # a model crash must not lose the message
            log.exception("transcription of recording %s failed", recording_id)
            rows.append(Transcript(recording_id=recording_id, channel=label,
                                   language=language, status="awaiting_human",
                                   engine=engine.name, model_id=engine.model_id,
                                   error=f"machine transcription failed: {type(exc).__name__}"))
            continue
        rows.append(Transcript(
            recording_id=recording_id, channel=label, language=language, status="done",
            engine=result.engine, model_id=result.model_id, text=result.text,
            words=result.words_json(), confidence=result.confidence,
            audio_seconds=round(result.audio_seconds, 3),
            real_time_factor=result.real_time_factor, completed_at=utcnow()))
    return _save(svc, rows)


def _save(svc: Any, rows: list[Transcript]) -> dict[str, str]:
    saved: dict[str, str] = {}
    for row in rows:
        try:
            with svc.db.session() as session:
                session.add(row)
            saved[row.channel] = row.status
        except IntegrityError:
            log.info("transcript for recording %s/%s exists already", row.recording_id,
                     row.channel)
    return saved
