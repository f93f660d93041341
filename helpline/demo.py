"""Demo staff for `make run` and `helpline seed-demo`: every language and dialect is covered."""

from __future__ import annotations

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
    return created
