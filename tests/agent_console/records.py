"""Keyword-only builders for the rows the console shows: callers, calls, recordings,
transcripts. Numbers are protected the way the IVR stores them (HMAC + Fernet)."""

from __future__ import annotations

import wave
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from helpline.db import utcnow
from ivr.models import Call, Caller
from recordings.models import Recording
from transcription.models import Transcript

CALLER_NUMBER = "+66812345678"


def add_caller(services: Any, *, number: str = CALLER_NUMBER, call_count: int = 1,
               flags: list[str] | None = None) -> int:
    with services.db.session() as session:
        caller = Caller(number_hmac=services.pii.link_key(number),
                        number_encrypted=services.pii.encrypt(number), call_count=call_count,
                        flags=flags or [])
        session.add(caller)
        session.flush()
        return caller.id


def add_call(services: Any, *, call_sid: str, language: str = "km", caller_id: int | None = None,
             agent_id: int | None = None, started: datetime | None = None,
             queued_after: float | None = 5, answered_after: float | None = None,
             ended_after: float | None = None, outcome: str | None = None,
             number_called: str = "+661800000102", dialect: str | None = None,
             urgent: bool = False) -> int:
    started = started or utcnow() - timedelta(minutes=1)

    def later(seconds: float | None) -> datetime | None:
        return started + timedelta(seconds=seconds) if seconds is not None else None

    with services.db.session() as session:
        call = Call(call_sid=call_sid, number_called=number_called, caller_id=caller_id,
                    language=language, dialect=dialect, started_at=started,
                    queued_at=later(queued_after), answered_at=later(answered_after),
                    ended_at=later(ended_after), outcome=outcome, agent_id=agent_id,
                    urgent=urgent)
        session.add(call)
        session.flush()
        return call.id


def write_wav(path: Path, seconds: float = 1.0, rate: int = 8000) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(b"\x00\x10" * int(seconds * rate))
    return path


def add_recording(services: Any, *, sid: str = "RE" + "a" * 32, language: str = "km",
                  call_id: int | None = None, ticket_id: int | None = None,
                  kind: str = "voicemail", audio: bool = True) -> int:
    root = services.settings.recordings_dir
    relative = f"{sid}.wav"
    if audio:
        write_wav(root / relative, seconds=2.0)
    with services.db.session() as session:
        recording = Recording(recording_sid=sid, call_id=call_id, ticket_id=ticket_id,
                              kind=kind, language=language,
                              status="stored" if audio else "received",
                              storage_path=relative if audio else None, duration_seconds=2.0)
        session.add(recording)
        session.flush()
        return recording.id


def add_transcript(services: Any, *, recording_id: int, language: str = "km",
                   status: str = "done", words: list[dict[str, Any]] | None = None) -> int:
    words = words if words is not None else [
        {"word": "salary", "start": 0.2, "end": 0.7, "conf": 0.9},
        {"word": "not", "start": 0.8, "end": 1.0, "conf": 0.8},
        {"word": "paid", "start": 1.1, "end": 1.6, "conf": 0.95},
    ]
    with services.db.session() as session:
        transcript = Transcript(recording_id=recording_id, language=language, status=status,
                                engine="vosk" if status == "done" else None,
                                text=" ".join(w["word"] for w in words) if status == "done"
                                else None,
                                words=words if status == "done" else None,
                                confidence=0.88 if status == "done" else None)
        session.add(transcript)
        session.flush()
        return transcript.id
