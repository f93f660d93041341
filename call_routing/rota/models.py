"""The rota's tables: each staff member's weekly shifts, and dated exceptions.

Times are minutes after local midnight in the helpline's time zone, not instants:
the rota means "Mondays 08:00" whatever the offset that Monday.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from helpline.db import Base, UTCDateTime, utcnow

EXCEPTION_KINDS = ("off", "extra")


class WeeklyShiftRow(Base):
    __tablename__ = "rota_weekly_shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"),
                                          index=True)
    weekday: Mapped[int] = mapped_column(Integer)          # 0 = Monday
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)       # not after start: the next day
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("start_minute BETWEEN 0 AND 1439", name="start_minute"),
        CheckConstraint("end_minute BETWEEN 1 AND 1440 AND end_minute != start_minute",
                        name="end_minute"),
    )


class RotaException(Base):
    """A day off (no times) or an extra shift on one local date."""

    __tablename__ = "rota_exceptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"),
                                          index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(8))
    start_minute: Mapped[int | None] = mapped_column(Integer)
    end_minute: Mapped[int | None] = mapped_column(Integer)
    # Written by staff about staff ("public holiday"); never anything about a caller.
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint(f"kind IN {EXCEPTION_KINDS}", name="kind"),
        CheckConstraint("(kind = 'off' AND start_minute IS NULL AND end_minute IS NULL) OR "
                        "(kind = 'extra' AND start_minute BETWEEN 0 AND 1439 AND "
                        "end_minute BETWEEN 1 AND 1440 AND end_minute != start_minute)",
                        name="times"),
    )
