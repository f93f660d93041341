"""The rota's queries: load it as the domain's plain values, change it, replace it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from agent_console.models import StaffUser
from call_routing.rota.csv_import import ParsedRota
from call_routing.rota.domain import (
    WEEKDAYS,
    DayOff,
    ExtraShift,
    Rota,
    WeeklyShift,
    clock_text,
)
from call_routing.rota.models import RotaException, WeeklyShiftRow


@dataclass(frozen=True)
class StaffEntry:
    id: int
    name: str
    email: str
    languages: tuple[str, ...]


def load_rota(session: Session, timezone: str, *, exceptions_from: date | None = None) -> Rota:
    """The rota of active staff. `exceptions_from`: skip older exceptions (they can no
    longer matter to a question about now or later)."""
    skills = {user.id: {skill.language: skill.proficiency for skill in user.skills}
              for user in session.scalars(select(StaffUser)
                                          .options(selectinload(StaffUser.skills))
                                          .where(StaffUser.active.is_(True)))}
    weekly = tuple(
        WeeklyShift(row.staff_id, row.weekday, row.start_minute, row.end_minute)
        for row in session.scalars(select(WeeklyShiftRow).order_by(WeeklyShiftRow.id))
        if row.staff_id in skills)
    query = select(RotaException).order_by(RotaException.day, RotaException.id)
    if exceptions_from is not None:
        query = query.where(RotaException.day >= exceptions_from)
    days_off: list[DayOff] = []
    extras: list[ExtraShift] = []
    for row in session.scalars(query):
        if row.staff_id not in skills:
            continue
        if row.kind == "off":
            days_off.append(DayOff(row.staff_id, row.day))
        elif row.start_minute is not None and row.end_minute is not None:
            extras.append(ExtraShift(row.staff_id, row.day, row.start_minute, row.end_minute))
    return Rota(timezone=timezone, weekly=weekly, days_off=tuple(days_off),
                extras=tuple(extras), skills=skills)


def active_staff(session: Session) -> list[StaffEntry]:
    users = session.scalars(select(StaffUser).options(selectinload(StaffUser.skills))
                            .where(StaffUser.active.is_(True))
                            .order_by(StaffUser.display_name))
    return [StaffEntry(user.id, user.display_name, user.email,
                       tuple(skill.language for skill in user.skills)) for user in users]


def staff_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(StaffUser.id, StaffUser.display_name)).all())


def weekly_rows(session: Session) -> list[WeeklyShiftRow]:
    return list(session.scalars(select(WeeklyShiftRow).order_by(
        WeeklyShiftRow.weekday, WeeklyShiftRow.start_minute, WeeklyShiftRow.id)))


def exception_rows(session: Session, *, since: date) -> list[RotaException]:
    return list(session.scalars(select(RotaException).where(RotaException.day >= since)
                                .order_by(RotaException.day, RotaException.id)))


def add_weekly(session: Session, shift: WeeklyShift) -> WeeklyShiftRow:
    row = WeeklyShiftRow(staff_id=shift.staff_id, weekday=shift.weekday,
                         start_minute=shift.start_minute, end_minute=shift.end_minute)
    session.add(row)
    session.flush()
    return row


def add_exception(session: Session, *, staff_id: int, day: date, kind: str,
                  start_minute: int | None = None, end_minute: int | None = None,
                  note: str = "") -> RotaException:
    row = RotaException(staff_id=staff_id, day=day, kind=kind, start_minute=start_minute,
                        end_minute=end_minute, note=note)
    session.add(row)
    session.flush()
    return row


def replace_for_staff(session: Session, parsed: ParsedRota) -> None:
    """The imported rota in place of the rota of every staff member it names, in the
    caller's transaction (a failure leaves the old rota whole)."""
    assert parsed.ok, "only a file without errors is imported"
    named = sorted(parsed.staff_ids)
    session.execute(delete(WeeklyShiftRow).where(WeeklyShiftRow.staff_id.in_(named)))
    session.execute(delete(RotaException).where(RotaException.staff_id.in_(named)))
    for shift in parsed.weekly:
        session.add(WeeklyShiftRow(staff_id=shift.staff_id, weekday=shift.weekday,
                                   start_minute=shift.start_minute,
                                   end_minute=shift.end_minute))
    for off in parsed.days_off:
        session.add(RotaException(staff_id=off.staff_id, day=off.day, kind="off",
                                  note=parsed.notes.get(("off", off.staff_id, off.day), "")))
    for extra in parsed.extras:
        session.add(RotaException(staff_id=extra.staff_id, day=extra.day, kind="extra",
                                  start_minute=extra.start_minute, end_minute=extra.end_minute,
                                  note=parsed.notes.get(("extra", extra.staff_id, extra.day),
                                                        "")))
    session.flush()


def export_rows(session: Session) -> list[tuple[str, str, str, str, str, str]]:
    """The whole rota as CSV rows (email, kind, day, start, end, note), weekly first."""
    emails = dict(session.execute(select(StaffUser.id, StaffUser.email)).all())
    rows: list[tuple[str, str, str, str, str, str]] = []
    for shift in sorted(weekly_rows(session),
                        key=lambda r: (emails.get(r.staff_id, ""), r.weekday, r.start_minute)):
        rows.append((emails.get(shift.staff_id, ""), "weekly", WEEKDAYS[shift.weekday],
                     clock_text(shift.start_minute), clock_text(shift.end_minute), ""))
    for row in session.scalars(select(RotaException).order_by(RotaException.day,
                                                               RotaException.id)):
        times = (("", "") if row.start_minute is None or row.end_minute is None
                 else (clock_text(row.start_minute), clock_text(row.end_minute)))
        rows.append((emails.get(row.staff_id, ""), row.kind, row.day.isoformat(), *times,
                     row.note))
    return rows
