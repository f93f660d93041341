"""Transcripts as the console's JSON."""

from __future__ import annotations

from typing import Any

from transcription.models import Transcript


def transcript_json(transcript: Transcript) -> dict[str, Any]:
    return {
        "id": transcript.id,
        "recording_id": transcript.recording_id,
        "channel": transcript.channel,
        "language": transcript.language,
        "status": transcript.status,
        "engine": transcript.engine,
        "model_id": transcript.model_id,
        "text": transcript.text,
        "words": transcript.words,
        "confidence": transcript.confidence,
        "audio_seconds": transcript.audio_seconds,
        "real_time_factor": transcript.real_time_factor,
        "error": transcript.error,
        "claimed_by_id": transcript.claimed_by_id,
        "created_at": transcript.created_at.isoformat() if transcript.created_at else None,
        "completed_at": (transcript.completed_at.isoformat()
                         if transcript.completed_at else None),
    }
