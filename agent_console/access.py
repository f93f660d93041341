"""Who may see what about a caller or a case. Pure rules over plain values.

Callers fear retaliation, so the console shows the least that lets an agent help:
a ticket only to agents who speak its language (or whom it is assigned to), a
caller's number masked for everyone below `FULL_NUMBER_ROLES`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

SUPERVISING_ROLES = frozenset({"supervisor", "admin"})
# Only admins may reveal a caller's full number (e.g. to place a callback by hand),
# and every reveal is audited.
FULL_NUMBER_ROLES = frozenset({"admin"})


def languages_served(skills: Collection[str], parents: Mapping[str, str | None]) -> set[str]:
    """The languages an agent may work in: their skills, plus dialects of a language they
    speak (routing widens a Shan caller to Burmese speakers, so their cases follow)."""
    served = set(skills)
    served.update(code for code, parent in parents.items() if parent in served)
    return served


def can_open_ticket(*, role: str, user_id: int, skills: Collection[str],
                    ticket_language: str, assignee_id: int | None,
                    parents: Mapping[str, str | None]) -> bool:
    if role in SUPERVISING_ROLES:
        return True
    if assignee_id is not None and assignee_id == user_id:
        return True
    return ticket_language in languages_served(skills, parents)


def can_see_full_number(role: str) -> bool:
    return role in FULL_NUMBER_ROLES


def can_supervise(role: str) -> bool:
    return role in SUPERVISING_ROLES
