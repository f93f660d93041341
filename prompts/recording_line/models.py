"""A staff member's PIN for the recording line (argon2-hashed like passwords)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from helpline.db import Base, UTCDateTime, utcnow


class RecordingPin(Base):
    __tablename__ = "recording_pins"

    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True)
    pin_hash: Mapped[str] = mapped_column(String(255))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Wrong PINs in a row across calls; at the limit the PIN is locked until `locked_until`.
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
