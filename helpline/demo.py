"""Demo staff for `make run` and `helpline seed-demo`: every language and dialect is covered."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agent_console.models import StaffUser
from agent_console.staff import create_staff

DEMO_PASSWORD = "helpline-demo"

# (email, role, display name, skills, UI language)
DEMO_STAFF = (
    ("admin@helpline.example", "admin", "Admin", {"en": 5}, "en"),
    ("supervisor@helpline.example", "supervisor", "Supervisor Su", {"my": 5, "th": 4, "en": 5},
     "en"),
    ("aye@helpline.example", "agent", "Aye (Burmese, Shan)", {"my": 5, "shn": 4, "en": 3}, "my"),
    ("naw@helpline.example", "agent", "Naw (Kayin, Burmese)", {"ksw": 5, "my": 4}, "my"),
    ("seng@helpline.example", "agent", "Seng (Kachin, Burmese)", {"kac": 5, "my": 3}, "my"),
    ("mi@helpline.example", "agent", "Mi (Mon, Burmese)", {"mnw": 5, "my": 4}, "my"),
    ("sokha@helpline.example", "agent", "Sokha (Khmer)", {"km": 5, "th": 2}, "en"),
    ("nok@helpline.example", "agent", "Nok (Thai, Lao)", {"th": 5, "lo": 4, "en": 3}, "th"),
    ("bishnu@helpline.example", "agent", "Bishnu (Nepali)", {"ne": 5, "en": 4}, "en"),
    ("sari@helpline.example", "agent", "Sari (Indonesian)", {"id": 5, "en": 4}, "en"),
)


def seed_demo(session: Session, *, password: str = DEMO_PASSWORD) -> list[str]:
    """Creates the demo staff when there are no staff yet; returns the emails created."""
    if session.scalar(select(func.count(StaffUser.id))):
        return []
    created = []
    for email, role, name, skills, locale in DEMO_STAFF:
        create_staff(session, email=email, role=role, password=password, skills=skills,
                     display_name=name, ui_locale=locale)
        created.append(email)
    seed_demo_rota(session, today=date.today())
    return created


# (email, days, start, end) in the helpline's local time: every language has gaps in the
# week, so the wallboard shows them and a caller at night hears when the next advisor is on.
DEMO_ROTA = (
    ("aye@helpline.example", "mon tue wed thu fri", "08:00", "16:00"),
    ("naw@helpline.example", "mon tue wed thu fri", "12:00", "20:00"),
    ("seng@helpline.example", "tue wed thu fri sat", "16:00", "24:00"),
    ("mi@helpline.example", "sat sun", "08:00", "16:00"),
    ("sokha@helpline.example", "mon tue wed thu fri", "08:00", "17:00"),
    ("sokha@helpline.example", "sat", "09:00", "13:00"),
    ("nok@helpline.example", "mon tue wed thu fri sat", "07:00", "15:00"),
    ("bishnu@helpline.example", "sun mon tue wed thu", "10:00", "18:00"),
    ("sari@helpline.example", "mon tue wed thu fri", "09:00", "17:00"),
    ("supervisor@helpline.example", "fri sat", "22:00", "06:00"),
)


def seed_demo_rota(session: Session, *, today: date) -> int:
    """The demo staff's weekly shifts, a day off and an extra shift (dated from `today`),
    when nobody has a rota yet; returns the number of rows added."""
    from call_routing.rota.domain import WEEKDAYS, minute_of_day
    from call_routing.rota.models import RotaException, WeeklyShiftRow

    if session.scalar(select(func.count(WeeklyShiftRow.id))):
        return 0
    ids = dict(session.execute(select(StaffUser.email, StaffUser.id)).all())
    rows: list[WeeklyShiftRow | RotaException] = []
    for email, days, start, end in DEMO_ROTA:
        if email not in ids:
            continue
        for day in days.split():
            rows.append(WeeklyShiftRow(
                staff_id=ids[email], weekday=WEEKDAYS.index(day),
                start_minute=minute_of_day(start),
                end_minute=minute_of_day(end, allow_end_of_day=True)))
    next_wednesday = today + timedelta(days=(2 - today.weekday()) % 7 or 7)
    next_saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    if "sokha@helpline.example" in ids:
        rows.append(RotaException(staff_id=ids["sokha@helpline.example"], day=next_wednesday,
                                  kind="off", note="training day"))
    if "bishnu@helpline.example" in ids:
        rows.append(RotaException(staff_id=ids["bishnu@helpline.example"], day=next_saturday,
                                  kind="extra", start_minute=600, end_minute=840,
                                  note="cover"))
    session.add_all(rows)
    return len(rows)
