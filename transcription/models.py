"""Transcripts of recordings, by machine (Vosk) or by a person (human queue)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpline.db import Base, UTCDateTime, utcnow

# queued → done ; awaiting_human → claimed → done ; failed ; purged
TRANSCRIPT_STATUSES = ("queued", "done", "awaiting_human", "claimed", "failed", "purged")


class Transcript(Base):
    __tablename__ = "transcripts"

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id"), index=True)
    # "mono" for voicemail; "caller" / "agent" for the two channels of a call recording.
    channel: Mapped[str] = mapped_column(String(8), default="mono")
    language: Mapped[str] = mapped_column(String(8), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    engine: Mapped[str | None] = mapped_column(String(32))
    model_id: Mapped[str | None] = mapped_column(String(120))
    text: Mapped[str | None] = mapped_column(Text)
    words: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    confidence: Mapped[float | None] = mapped_column(Float)
    audio_seconds: Mapped[float | None] = mapped_column(Float)
    real_time_factor: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # What Whisper made of it, for a person to correct (None for Vosk and people).
    machine_draft: Mapped[MachineDraft | None] = relationship(
        "MachineDraft", uselist=False, viewonly=True)

    __table_args__ = (
        UniqueConstraint("recording_id", "channel", name="uq_transcripts_recording_channel"),
    )


# offered: shown pre-filled to the person who transcribes; rejected: failed the guard
# (a loop, no speech, past its CPU budget) and shown to nobody as text to correct.
DRAFT_STATUSES = ("offered", "rejected")


class MachineDraft(Base):
    """What a machine (Whisper) made of a recording, kept as it came out.

    The transcript's own text is what a person made of it after correcting this draft;
    both stay, so a ticket shows the correction and an audit can compare them.
    """

    __tablename__ = "machine_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcripts.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    engine: Mapped[str] = mapped_column(String(32))
    model_id: Mapped[str] = mapped_column(String(120))
    text: Mapped[str | None] = mapped_column(Text)
    words: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    confidence: Mapped[float | None] = mapped_column(Float)
    rejected_reason: Mapped[str | None] = mapped_column(Text)
    audio_seconds: Mapped[float | None] = mapped_column(Float)
    cpu_seconds: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
