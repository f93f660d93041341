"""Reading and checking the ticket form. Pure: a mapping in, values and problems out."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from cases.taxonomy import PRIORITIES, TICKET_STATUSES, is_category

FREE_TEXT_LIMIT = 200
NOTES_LIMIT = 20000


@dataclass
class TicketInput:
    language: str = ""
    category: str | None = None
    status: str = "open"
    priority: str = "normal"
    notes: str = ""
    employer: str | None = None
    recruitment_agency: str | None = None
    location: str | None = None
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.problems


def parse_ticket_form(form: Mapping[str, str], *, languages: Collection[str]) -> TicketInput:
    values = TicketInput(
        language=form.get("language", "").strip(),
        category=form.get("category", "").strip() or None,
        status=form.get("status", "open").strip() or "open",
        priority=form.get("priority", "normal").strip() or "normal",
        notes=form.get("notes", "").strip(),
        employer=form.get("employer", "").strip() or None,
        recruitment_agency=form.get("recruitment_agency", "").strip() or None,
        location=form.get("location", "").strip() or None,
    )
    if values.language not in languages:
        values.problems["language"] = "unknown_language"
    if values.category is not None and not is_category(values.category):
        values.problems["category"] = "unknown_category"
    if values.status not in TICKET_STATUSES:
        values.problems["status"] = "unknown_status"
    if values.priority not in PRIORITIES:
        values.problems["priority"] = "unknown_priority"
    if len(values.notes) > NOTES_LIMIT:
        values.problems["notes"] = "too_long"
    for name in ("employer", "recruitment_agency", "location"):
        value = getattr(values, name)
        if value is not None and len(value) > FREE_TEXT_LIMIT:
            values.problems[name] = "too_long"
    return values
