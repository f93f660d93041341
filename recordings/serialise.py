"""Recordings and transcripts as the console's JSON. No phone numbers, ever."""

from __future__ import annotations

from typing import Any

from recordings.models import Recording


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def recording_json(recording: Recording, transcripts: list[Any] | None = None
                   ) -> dict[str, Any]:
    from transcription.serialise import transcript_json
    from transcription.store import transcripts_for

    if transcripts is None:
        from sqlalchemy.orm import object_session

        session = object_session(recording)
        transcripts = list(transcripts_for(session, recording.id)) if session else []
    return {
        "id": recording.id,
        "recording_sid": recording.recording_sid,
        "call_id": recording.call_id,
        "ticket_id": recording.ticket_id,
        "kind": recording.kind,
        "language": recording.language,
        "status": recording.status,
        "error": recording.error,
        "duration_seconds": recording.duration_seconds,
        "channels": recording.channels,
        "size_bytes": recording.size_bytes,
        "checksum_sha256": recording.checksum_sha256,
        "attempts": recording.attempts,
        "created_at": _iso(recording.created_at),
        "stored_at": _iso(recording.stored_at),
        "deleted_at_twilio_at": _iso(recording.deleted_at_twilio_at),
        "purged_at": _iso(recording.purged_at),
        "audio_url": (f"/api/recordings/{recording.id}/audio"
                      if recording.storage_path else None),
        "transcripts": [transcript_json(t) for t in transcripts],
    }
