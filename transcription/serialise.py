"""Transcripts as the console's JSON."""

from __future__ import annotations

from typing import Any

from transcription.models import MachineDraft, Transcript


def draft_json(draft: MachineDraft | None) -> dict[str, Any] | None:
    if draft is None:
        return None
    return {"id": draft.id, "status": draft.status, "engine": draft.engine,
            "model_id": draft.model_id,
            # A rejected draft's text (a loop, words for silence) helps nobody correct.
            "text": draft.text if draft.status == "offered" else None,
            "words": draft.words if draft.status == "offered" else None,
            "confidence": draft.confidence, "rejected_reason": draft.rejected_reason,
            "cpu_seconds": draft.cpu_seconds,
            "created_at": draft.created_at.isoformat() if draft.created_at else None}


def transcript_json(transcript: Transcript,
                    draft: MachineDraft | None = None) -> dict[str, Any]:
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
        "machine_draft": draft_json(draft),
    }
