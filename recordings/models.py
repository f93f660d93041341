"""Recordings: what Twilio told us, what we hold locally, and where it is in the pipeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from helpline.db import Base, UTCDateTime, utcnow

# received → downloading → stored → (deleted at Twilio recorded separately) ; failed ; purged
RECORDING_STATUSES = ("received", "downloading", "stored", "failed", "too_short", "purged")
# What must still happen to it (NULL: nothing). Written in the same transaction as the
# state it follows from, so the intake sweep can always finish what a fault interrupted.
NEXT_STEPS = ("download", "transcribe")


class Recording(Base):
    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_sid: Mapped[str] = mapped_column(String(64), unique=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # voicemail / call
    language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    storage_path: Mapped[str | None] = mapped_column(Text)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    channels: Mapped[int | None] = mapped_column(Integer)
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    checksum_sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at_twilio_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_step: Mapped[str | None] = mapped_column(String(16), index=True)
    next_step_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The rq job that carries out next_step; a new id each time the sweep re-queues it.
    job_id: Mapped[str | None] = mapped_column(String(96))
    requeues: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    transcription_attempts: Mapped[int] = mapped_column(Integer, default=0,
                                                        server_default="0")
    # A voicemail is routed work: the agent who accepted it (and was given its ticket).
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
